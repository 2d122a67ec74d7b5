import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A local stand-in for Twilio: the Monitor Events REST API (`/v1/Events`) over a
/// deterministic history plus live events, the Events API that sets Event Streams up
/// (`/v1/Sinks`, `/v1/Subscriptions`, `/v1/Types`), Event Streams webhook deliveries (to the
/// configured webhook URL, or to the subscribed sinks once a subscription exists), injected
/// faults, and ground-truth routes under `/simulator/` for tests.
///
/// ```swift
/// var configuration = SimulatorConfiguration()
/// configuration.eventsPerMinute = 0
/// let simulator = try await TwilioSimulator.start(configuration)
/// defer { Task { await simulator.stop() } }
/// // GET \(simulator.baseURL)/v1/Events with Basic auth (account sid or SK…, auth token)
/// ```
package final class TwilioSimulator: Sendable {
    /// `http://HOST:PORT` of the bound server.
    package let baseURL: String
    /// The bound port (also when 0 was asked for).
    package let port: Int
    package let configuration: SimulatorConfiguration

    let monitor: MonitorState
    let ledger: DeliveryLedger
    let streams: EventStreamsService
    let eventsAPI: EventsAPIState
    private let client: HTTPClient
    private let logger: Logger
    private let lifecycle: Mutex<Lifecycle>

    private struct Lifecycle {
        var serverTask: Task<Void, Never>?
        var serverGroup: ServiceGroup?
        var backgroundTasks: [Task<Void, Never>] = []
        var stopping = false
        var stopped = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private init(
        baseURL: String, port: Int, configuration: SimulatorConfiguration, monitor: MonitorState,
        ledger: DeliveryLedger, streams: EventStreamsService, eventsAPI: EventsAPIState, client: HTTPClient, logger: Logger,
        serverGroup: ServiceGroup, serverTask: Task<Void, Never>
    ) {
        self.baseURL = baseURL
        self.port = port
        self.configuration = configuration
        self.monitor = monitor
        self.ledger = ledger
        self.streams = streams
        self.eventsAPI = eventsAPI
        self.client = client
        self.logger = logger
        self.lifecycle = Mutex(Lifecycle(serverTask: serverTask, serverGroup: serverGroup))
    }

    /// Builds the history, binds the server and starts live generation and deliveries.
    package static func start(
        _ configuration: SimulatorConfiguration, logger: Logger = Logger(label: "twilio-simulator")
    ) async throws -> TwilioSimulator {
        try configuration.validate()
        let webhookTarget = try configuration.webhookURL.map { url throws(SimulatorConfigurationError) in try WebhookURL(parsing: url) }
        let catalog = EventCatalog(seed: configuration.seed, accountSid: configuration.accountSid)
        let clock = SimulatorClock(offset: configuration.clockOffset)
        let endSeconds = configuration.historyEnd.map { Int64($0.timeIntervalSince1970.rounded(.down)) }
            ?? CivilTime.floorDiv(clock.nowMs(), 1000)
        let store = EventHistory(
            seed: configuration.seed, days: configuration.historyDays, eventsPerDay: configuration.historyEventsPerDay,
            endSeconds: endSeconds, sameTimestampFraction: configuration.sameTimestampFraction
        ).generate(catalog: catalog)
        let monitor = MonitorState(store: store, catalog: catalog, clock: clock, configuration: configuration)
        let ledger = DeliveryLedger(seed: configuration.seed, accountSid: configuration.accountSid)
        let base = BaseURLBox()
        let eventsAPI = EventsAPIState(seed: configuration.seed)

        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.timeout = .init(connect: .seconds(5), read: .seconds(5))
        clientConfiguration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
        let sender = WebhookSender(
            authToken: configuration.webhookAuthToken ?? configuration.authToken,
            basicAuth: configuration.webhookBasicAuth, client: client, ledger: ledger,
            seed: configuration.seed, logger: logger
        )
        let streams = EventStreamsService(ledger: ledger, sender: sender, clock: clock, seed: configuration.seed) {
            eventsAPI.routing(fallback: webhookTarget)
        }

        let router = Router(context: SimulatorRequestContext.self)
        let concurrency = configuration.maxConcurrentRequests.map(ConcurrencyLimit.init(limit:))
        EventsAPIRoutes(
            state: eventsAPI, monitor: monitor, base: base,
            auth: TwilioBasicAuth(accountSid: configuration.accountSid, authToken: configuration.authToken),
            streams: streams, ledger: ledger
        ).register(on: router)
        MonitorRoutes(
            state: monitor, base: base, accountSid: configuration.accountSid, authToken: configuration.authToken,
            precision: configuration.filterPrecision, slowResponseDelay: configuration.slowResponseDelay,
            latency: configuration.latency, concurrency: concurrency, jitter: LatencyJitter(seed: configuration.seed)
        ).register(on: router)
        SimulatorRoutes(state: monitor, ledger: ledger, base: base) {
            TwilioSimulator.makeStats(monitor: monitor, ledger: ledger, eventsAPI: eventsAPI)
        }.register(on: router)

        let ready = StartupSignal()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in ready.succeed(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
        var groupConfiguration = ServiceGroupConfiguration(services: [app], logger: logger)
        // In-flight requests (a slow fault, a long NDJSON stream) get a moment, then are cancelled.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(5)
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        let serverGroup = ServiceGroup(configuration: groupConfiguration)
        let serverTask = Task {
            do {
                try await serverGroup.run()
                ready.fail(SimulatorServerStoppedError())
            } catch {
                ready.fail(error)
            }
        }
        let boundPort: Int
        do {
            boundPort = try await ready.wait()
        } catch {
            await serverGroup.triggerGracefulShutdown()
            await serverTask.value
            try? await client.shutdown()
            throw error
        }
        let baseURL = "http://\(urlHost(configuration.host)):\(boundPort)"
        base.set(baseURL, catalog: catalog)

        let simulator = TwilioSimulator(
            baseURL: baseURL, port: boundPort, configuration: configuration, monitor: monitor, ledger: ledger,
            streams: streams, eventsAPI: eventsAPI, client: client, logger: logger, serverGroup: serverGroup, serverTask: serverTask
        )
        var tasks: [Task<Void, Never>] = []
        let live = LiveEventGenerator(state: monitor, eventsPerMinute: configuration.eventsPerMinute, seed: configuration.seed)
        tasks.append(Task { await live.run() })
        tasks.append(Task { await streams.runDispatcher() })
        let rate = configuration.webhookEventsPerMinute
        tasks.append(Task { await streams.runGenerator(eventsPerMinute: rate) })
        simulator.lifecycle.withLock { $0.backgroundTasks = tasks }
        logger.info("Twilio simulator listening", metadata: [
            "base_url": "\(baseURL)", "history_events": "\(store.count)", "seed": "\(configuration.seed)",
        ])
        return simulator
    }

    private static func urlHost(_ host: String) -> String {
        switch host {
        case "0.0.0.0", "": return "127.0.0.1"
        case "::": return "[::1]"
        default: return host.contains(":") ? "[\(host)]" : host
        }
    }

    // MARK: Lifecycle

    /// Stops the server, live generation and deliveries (pending deliveries end unacknowledged).
    /// Idempotent; concurrent callers all return once everything has stopped.
    package func stop() async {
        enum Step { case done, wait, stop(Task<Void, Never>?, ServiceGroup?, [Task<Void, Never>]) }
        let step = lifecycle.withLock { state -> Step in
            if state.stopped { return .done }
            if state.stopping { return .wait }
            state.stopping = true
            return .stop(state.serverTask, state.serverGroup, state.backgroundTasks)
        }
        switch step {
        case .done:
            return
        case .wait:
            await waitUntilStopped()
            return
        case .stop(let serverTask, let serverGroup, let tasks):
            monitor.releaseWaiters()
            streams.finish()
            tasks.forEach { $0.cancel() }
            ledger.abandonPending()
            for task in tasks { await task.value }
            await serverGroup?.triggerGracefulShutdown()
            await serverTask?.value
            try? await client.shutdown()
            let waiters = lifecycle.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.stopped = true
                defer { state.stopWaiters = [] }
                return state.stopWaiters
            }
            waiters.forEach { $0.resume() }
            logger.info("Twilio simulator stopped", metadata: ["base_url": "\(baseURL)"])
        }
    }

    /// Serves until ``stop()`` is called or the calling task is cancelled (then stops gracefully).
    package func run() async throws {
        await withTaskCancellationHandler {
            await waitUntilStopped()
        } onCancel: {
            Task { await self.stop() }
        }
    }

    private func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lifecycle.withLock { state -> Bool in
                if state.stopped { return true }
                state.stopWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
