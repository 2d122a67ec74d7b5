import Foundation

/// The control surface tests and the CLI use: live-event and delivery switches, faults,
/// credentials and clock at runtime, ground truth, counters.
extension TwilioSimulator {
    // MARK: Monitor control

    package func pauseLiveEvents() async { monitor.pauseLive() }
    package func resumeLiveEvents() async { monitor.resumeLive() }

    /// Replaces the injected faults from the next `/v1/` request on (``FaultSpec/none`` clears them).
    package func setFaults(_ faults: FaultSpec) async { monitor.setFaults(faults) }

    /// The faults injected now.
    package func faults() async -> FaultSpec { monitor.faults }

    /// Revokes the credentials: until ``restoreCredentials()``, every `/v1/` request answers 401
    /// with Twilio's error 20003, whatever it sends (a key deleted or rotated mid-run).
    package func revokeCredentials() async { monitor.setCredentialsRevoked(true) }

    /// Accepts the configured credentials again.
    package func restoreCredentials() async { monitor.setCredentialsRevoked(false) }

    /// Moves the simulator's clock to `offset` ahead of the host's (negative: behind), from now
    /// on: new events are dated by it, and visibility and listings use it. Moving it back hides
    /// the events it has not reached yet (``waitUntilAllVisible()`` then waits for them) and
    /// dates new events before ones already served, as a step of Twilio's clock would.
    package func setClockOffset(_ offset: Duration) async { monitor.setClockOffset(offset) }

    /// How far the simulator's clock runs ahead of the host's now.
    package func clockOffset() async -> Duration { monitor.clock.offset }

    /// The simulator's "now" (the host's clock plus ``clockOffset()``).
    package func now() async -> Date {
        Date(timeIntervalSince1970: Double(monitor.clock.nowMs()) / 1000)
    }

    /// `count` new events at "now", visible at once (the first two share a timestamp); their sids.
    package func addEvents(count: Int) async -> [String] {
        monitor.addEvents(count: count, nowMs: monitor.clock.nowMs()).map { $0.string(prefix: "AE") }
    }

    /// Returns once no generated Monitor event is still waiting to become visible. Sleeps until
    /// the latest pending visibility time, not in fixed steps. Pause live events first, or new
    /// late events can keep it waiting.
    package func waitUntilAllVisible() async {
        while !Task.isCancelled {
            let now = monitor.clock.nowMs()
            let visibility = monitor.visibility(nowMs: now)
            guard visibility.pending > 0, let latest = visibility.latestPendingMs else { return }
            try? await Task.sleep(for: .milliseconds(max(1, latest - now + 1)))
        }
    }

    /// Sids of every Monitor event visible now.
    package func groundTruthIDs() async -> Set<String> {
        var ids = Set<String>()
        forEachVisibleChunk { chunk in
            for record in chunk { ids.insert(record.sid.string(prefix: "AE")) }
        }
        return ids
    }

    /// When each Monitor event visible now became visible (epoch milliseconds), by sid: the
    /// moment from which a latency is measured.
    package func visibilityTimes() async -> [String: Int64] {
        var times: [String: Int64] = [:]
        forEachVisibleChunk { chunk in
            for record in chunk { times[record.sid.string(prefix: "AE")] = record.visibleAtMs }
        }
        return times
    }

    /// Exactly what `GET /simulator/events` returns: one JSON object per element, newest first.
    package func groundTruthLines() async -> [String] {
        let json = EventJSON(catalog: monitor.catalog, baseURL: baseURL)
        var lines: [String] = []
        forEachVisibleChunk { chunk in
            for record in chunk { lines.append(String(decoding: json.object(record), as: UTF8.self)) }
        }
        return lines
    }

    func forEachVisibleChunk(_ body: ([EventRecord]) -> Void) {
        let now = monitor.clock.nowMs()
        var before: EventKey?
        while true {
            let chunk = monitor.visibleChunk(before: before, limit: SimulatorRoutes.chunkSize, nowMs: now)
            guard let last = chunk.last else { return }
            body(chunk)
            before = last.key
        }
    }

    package func stats() async -> SimulatorStats {
        TwilioSimulator.makeStats(monitor: monitor, ledger: ledger, eventsAPI: eventsAPI)
    }

    /// Zeroes the Monitor request and fault counters.
    package func resetRequestCounters() async {
        monitor.resetCounters()
    }

    static func makeStats(monitor: MonitorState, ledger: DeliveryLedger, eventsAPI: EventsAPIState) -> SimulatorStats {
        let events = eventsAPI.counters()
        let counters = monitor.counters()
        let visibility = monitor.visibility(nowMs: monitor.clock.nowMs())
        let deliveries = ledger.counters()
        return SimulatorStats(
            requests: counters.requests, listRequests: counters.listRequests, fetchRequests: counters.fetchRequests,
            unauthorizedRequests: counters.unauthorizedRequests,
            faultsInjected: Dictionary(uniqueKeysWithValues: counters.faultsInjected.map { ($0.key.rawValue, $0.value) }),
            concurrencyRefusals: counters.concurrencyRefusals,
            visibleEvents: visibility.visible, pendingEvents: visibility.pending,
            deliveriesSent: deliveries.sent, deliveriesAcknowledged: deliveries.acknowledged,
            deliveriesDiscarded: deliveries.discarded, deliveryAttempts: deliveries.attempts,
            cloudEventsGenerated: deliveries.events, cloudEventsUnsubscribed: deliveries.unsubscribed,
            eventsAPIRequests: events.requests, eventsAPIWrites: events.writes
        )
    }

    // MARK: Event Streams control

    /// Pauses the background delivery generator (explicit ``sendDelivery(events:batched:)`` still sends).
    package func pauseDeliveries() async { streams.gate.pause() }
    package func resumeDeliveries() async { streams.gate.resume() }

    /// Every CloudEvent generated so far, with the outcome of the delivery that carried it.
    package func deliveries() async -> [SimulatedDelivery] { ledger.snapshot() }

    /// Returns once no delivery is pending or waiting to retry.
    package func waitUntilDeliveriesSettled() async { await ledger.waitUntilSettled() }

    /// Enqueues a delivery now: `events` CloudEvents in one JSON array when `batched`, otherwise
    /// that many single-object deliveries, to the ``SimulatorConfiguration/webhookURL`` while no
    /// subscription exists; once one does, each active sink gets the events of its subscribed
    /// types (batched or not as the sink says) and the rest are not sent. Without a webhook URL
    /// and without subscriptions it does nothing.
    package func sendDelivery(events: Int, batched: Bool) async {
        let routing = streams.routing()
        guard routing.hasTargets else { return }
        streams.enqueue(ledger.makeDeliveries(events: events, batched: batched, nowMs: monitor.clock.nowMs(), routing: routing))
    }

    /// The Events API's sinks and subscriptions now.
    package func eventStreamsSetup() async -> SimulatedEventStreamsSetup {
        eventsAPI.read { store in
            SimulatedEventStreamsSetup(
                sinks: store.sinks.map { sink in
                    SimulatedSink(sid: sink.sid, status: sink.status.rawValue, destination: sink.destination?.requestURL,
                                  batchEvents: sink.batchEvents, description: sink.description)
                },
                subscriptions: store.subscriptions.map { subscription in
                    SimulatedSubscription(
                        sid: subscription.sid, sinkSid: subscription.sinkSid,
                        types: Dictionary(uniqueKeysWithValues: subscription.types.map { ($0.type, $0.schemaVersion) }),
                        receiveEventsFromSubaccounts: subscription.receiveEventsFromSubaccounts)
                })
        }
    }
}
