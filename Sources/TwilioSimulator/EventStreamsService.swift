/// The Event Streams side: a generator loop that paces deliveries to an events-per-minute rate,
/// and a dispatcher that sends queued deliveries, a few at a time, each with its own retries.
/// `routing` says, at the moment events are made, where they go (the configured webhook URL, or
/// the sinks the Events API's subscriptions select).
final class EventStreamsService: Sendable {
    static let maxConcurrentDeliveries = 4

    let ledger: DeliveryLedger
    let gate = PauseGate()
    private let sender: WebhookSender
    private let clock: SimulatorClock
    private let seed: UInt64
    let routing: @Sendable () -> DeliveryRouting
    private let queue: AsyncStream<DeliveryLedger.Delivery>
    private let queueInput: AsyncStream<DeliveryLedger.Delivery>.Continuation

    init(ledger: DeliveryLedger, sender: WebhookSender, clock: SimulatorClock, seed: UInt64,
         routing: @escaping @Sendable () -> DeliveryRouting) {
        self.ledger = ledger
        self.routing = routing
        self.sender = sender
        self.clock = clock
        self.seed = seed
        (queue, queueInput) = AsyncStream.makeStream(of: DeliveryLedger.Delivery.self)
    }

    func enqueue(_ deliveries: [DeliveryLedger.Delivery]) {
        for delivery in deliveries {
            if case .terminated = queueInput.yield(delivery) {
                ledger.settle(delivery.number, outcome: .abandoned)
            }
        }
    }

    /// Sends queued deliveries until the queue finishes or the task is cancelled.
    func runDispatcher() async {
        await withTaskGroup(of: Void.self) { group in
            var active = 0
            for await delivery in queue {
                if active >= EventStreamsService.maxConcurrentDeliveries {
                    await group.next()
                    active -= 1
                }
                group.addTask { await self.sender.deliver(delivery) }
                active += 1
            }
            await group.waitForAll()
        }
    }

    /// Generates background deliveries at `eventsPerMinute` CloudEvents per minute.
    func runGenerator(eventsPerMinute: Double) async {
        guard eventsPerMinute > 0 else { return }
        var timing = SplitMix64(seed: seed, stream: RandomStream.webhookTiming, index: 0)
        let secondsPerEvent = 60 / eventsPerMinute
        while !Task.isCancelled {
            await gate.waitWhilePaused()
            let plan = ledger.nextPlan()
            let gap = timing.nextExponential(mean: secondsPerEvent * Double(CloudEventGenerator.eventCount(of: plan)))
            do {
                try await Task.sleep(for: .seconds(min(gap, 3600)))
            } catch {
                return
            }
            let routing = routing()
            guard !gate.isPaused, !Task.isCancelled, routing.hasTargets else { continue }
            enqueue(ledger.makeDeliveries(plan: plan, nowMs: clock.nowMs(), routing: routing))
        }
    }

    /// Stops accepting deliveries; whatever was queued but not sent is settled as abandoned.
    func finish() {
        queueInput.finish()
        gate.close()
    }
}
