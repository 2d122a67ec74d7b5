import AsyncHTTPClient
import EventStreamsReceiver
import Foundation
import ForwarderCore
import Hummingbird
import Journal
import Logging
import MonitorPoller
import NATSSource
import NIOCore
import NIOHTTPCompression
import NIOPosix
import OutputFormats
import Outputs
import Prometheus
import Replay
import ServiceLifecycle
import UnixSignals

/// The composition root: turns a validated `PipelineConfig` into running parts. Every wiring
/// decision of the product is made here and nowhere else.
package enum PipelineBuilder {
    /// What the caller (the CLI, `demo`, a test) decides about the process around the pipeline.
    package struct Options: Sendable {
        package var clock: WallClock
        /// Where `/metrics` reads from; the CLI bootstraps swift-metrics with it.
        package var metrics: PrometheusCollectorRegistry?
        /// Signals that start a graceful shutdown (none in tests, which call `shutdown()`).
        package var shutdownSignals: [UnixSignal]
        /// Stop by itself once the Monitor source has caught up with the present (one live
        /// window complete): backfill or catch up, deliver, exit.
        package var once: Bool

        package init(clock: WallClock = .system, metrics: PrometheusCollectorRegistry? = nil, shutdownSignals: [UnixSignal] = [.sigterm, .sigint], once: Bool = false) {
            self.clock = clock
            self.metrics = metrics
            self.shutdownSignals = shutdownSignals
            self.once = once
        }
    }

    package static func build(_ config: PipelineConfig, options: Options = Options(), logger: Logger) async throws -> Pipeline {
        let lock = try StateLock(directory: config.state.dir)
        let journal = try Journal(directory: config.state.dir)
        do {
            try await journal.verify()
        } catch {
            await journal.close()
            throw error
        }
        let health = HealthRegistry(clock: options.clock)
        for (component, limit) in stallLimits(config) {
            await health.expectProgress(component, within: limit)
        }

        var wakeups: [Wakeup] = []
        var outputs: [OutputService] = []
        for output in config.outputs {
            let wakeup = Wakeup()
            wakeups.append(wakeup)
            outputs.append(try makeOutput(
                output, journal: journal, wakeup: wakeup, drainOnStop: options.once ? nil : outputDrainOnStop, health: health,
                clock: options.clock, logger: logger
            ))
        }

        var sources: [SourceID] = []
        if config.sources.monitor != nil { sources.append(.monitor) }
        if config.sources.eventStreams != nil { sources.append(.eventStreams) }
        if config.sources.nats != nil { sources.append(.nats) }
        let merger = try await Merger(
            journal: journal, sources: sources, maxHold: config.merge.maxHold, maxDelay: config.merge.maxDelay, outputs: wakeups,
            clock: options.clock, health: health, logger: logger
        )

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = outputs.map {
            .init(service: $0, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup)
        }
        services.append(.init(service: MergerService(merger: merger, logger: logger), failureTerminationBehavior: .gracefullyShutdownGroup))
        services.append(.init(
            service: RetentionService(journal: journal, retention: config.state.retention, outputs: config.outputs.map(\.name), interval: .seconds(600), clock: options.clock, logger: logger),
            successTerminationBehavior: .ignore
        ))
        services.append(.init(
            service: OutputBacklogMonitor(
                journal: journal, outputs: config.outputs.map(\.name),
                directories: config.outputs.compactMap { output in
                    guard case .file(let file) = output.transport else { return nil }
                    return (output.name, (file.path as NSString).deletingLastPathComponent)
                },
                stateDir: config.state.dir, clock: options.clock, logger: logger
            ),
            successTerminationBehavior: .ignore
        ))

        let handle = GroupHandle()
        // `run --once` stops when every source that can catch up has: the Monitor poller with the
        // present, the NATS source with its stream.
        let onceSources = (config.sources.monitor != nil ? 1 : 0) + (config.sources.nats != nil ? 1 : 0)
        let caughtUp = options.once ? CatchUpBarrier(sources: onceSources) { await handle.shutdown() } : nil
        var httpClient: HTTPClient?
        if let monitor = config.sources.monitor {
            let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: .init(decompression: .enabled(limit: .ratio(100))))
            httpClient = client
            let monitorClient = MonitorClient(
                http: client, baseURL: monitor.baseURL, username: monitor.username, password: monitor.password,
                requestTimeout: monitor.requestTimeout
            )
            let settings = MonitorPoller.Settings(monitor)
            let onLive: (@Sendable () async -> Void)? = caughtUp.map { barrier in { @Sendable in Task { await barrier.arrive() } } }
            let poller = MonitorPoller(
                client: monitorClient, journal: journal, settings: settings, reporter: merger, health: health,
                clock: options.clock, logger: logger.with(source: "monitor"), onLiveWindowComplete: onLive
            )
            services.append(.init(service: poller, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup))
        }

        if let nats = config.sources.nats {
            let onCaughtUp: (@Sendable () async -> Void)? = caughtUp.map { barrier in { @Sendable in Task { await barrier.arrive() } } }
            let source = NATSSource(config: nats, journal: journal, reporter: merger, health: health, clock: options.clock,
                                    logger: logger.with(source: "nats"), onCaughtUp: onCaughtUp)
            services.append(.init(service: source, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup))
        }

        // The operations listener: health, readiness, status, metrics (and the admin API). First in
        // the list, so last to stop: it answers while the outputs drain.
        let operationsListening = ListeningAddress()
        let operationsRouter = Router(context: ForwarderRequestContext.self)
        if let admin = ForwarderHTTPServer.adminGroup(on: operationsRouter, token: config.admin.token) {
            let replays = ReplayManager(config: config, clock: options.clock, logger: logger.with(source: "replay"))
            replays.addRoutes(to: admin)
            EventStreamsAdminRoutes.add(to: admin, journal: journal)
            services.append(.init(service: replays, successTerminationBehavior: .ignore))
        }
        ForwarderHTTPServer.addOperationalRoutes(
            to: operationsRouter,
            readiness: { await readiness(journal: journal, health: health) },
            status: { await status(journal: journal, health: health, clock: options.clock) },
            metrics: options.metrics
        )
        let operations = Application(
            router: operationsRouter,
            configuration: .init(address: .hostname(config.operations.host, port: config.operations.port), serverName: "twilio-siem-forwarder"),
            onServerRunning: { channel in await operationsListening.set(channel.localAddress?.port ?? 0) },
            logger: logger.with(source: "operations")
        )
        services.insert(.init(service: operations, failureTerminationBehavior: .gracefullyShutdownGroup), at: 0)

        // The public listener carries the Event Streams webhook and nothing else.
        let listening = ListeningAddress()
        if let eventStreams = config.sources.eventStreams {
            let router = Router(context: ForwarderRequestContext.self)
            let webhook = EventStreamsReceiver(
                config: eventStreams, journal: journal, reporter: merger, health: health, clock: options.clock,
                logger: logger.with(source: "event_streams")
            )
            webhook.addRoutes(to: router)
            let app = Application(
                router: router,
                // A connection silent this long is closed, so a client that vanished mid-upload gives
                // its delivery's place back.
                server: .http1(configuration: .init(idleTimeout: .seconds(30))),
                configuration: .init(address: .hostname(config.server.host, port: config.server.port), serverName: "twilio-siem-forwarder"),
                onServerRunning: { channel in await listening.set(channel.localAddress?.port ?? 0) },
                logger: logger.with(source: "http")
            )
            services.append(.init(service: app, failureTerminationBehavior: .gracefullyShutdownGroup))
            // Last in the list, so first to stop: new deliveries get 429 while in-flight ones finish.
            services.append(.init(service: webhook, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: options.shutdownSignals, cancellationSignals: [], logger: logger
        )
        if !options.once { groupConfiguration.maximumGracefulShutdownDuration = shutdownLimit(outputs: outputs.count) }
        let group = ServiceGroup(configuration: groupConfiguration)
        await handle.set(group)
        return Pipeline(
            config: config, journal: journal, merger: merger, outputs: outputs, health: health, group: group,
            httpClient: httpClient, lock: lock, listening: listening, operationsListening: operationsListening, logger: logger
        )
    }

    /// How long each output keeps delivering its released backlog after SIGTERM (`run`; `run
    /// --once` delivers all of it). The rest waits in the journal for the next start.
    static let outputDrainOnStop = Duration.seconds(5)

    /// The backstop for a graceful shutdown that does not finish (a part stuck on I/O): after it,
    /// the remaining parts are cancelled. Each output needs at most its drain time, plus a write
    /// started just before its end blocked for a stream sink's 5 s finish timeout, plus that
    /// sink's 5 s finish (it does not reconnect while stopping); the rest stop within a page or a
    /// commit.
    static func shutdownLimit(outputs: Int) -> Duration {
        .seconds(30) + (outputDrainOnStop + .seconds(10)) * outputs
    }

    static func makeOutput(
        _ config: OutputConfig, journal: Journal, wakeup: Wakeup, drainOnStop: Duration?, health: HealthRegistry, clock: WallClock, logger: Logger
    ) throws -> OutputService {
        let outputLogger = logger.with(source: "output:\(config.name)")
        let encoder = encoder(for: config)
        let framer = framer(for: config.transport)
        let sink: any RecordSink
        var retry = Backoff()
        switch config.transport {
        case .file(let file):
            let permissions = FilePermissions(mode: file.fileMode, group: file.group)
            switch file.storage {
            case .gzip(let level, let rotate):
                sink = RotatingFileSink(settings: .init(
                    template: FileNameTemplate(file.path), gzipLevel: level,
                    rotation: RotationPolicy(maxBytes: Int64(rotate.maxBytes), maxAge: rotate.maxAge), permissions: permissions
                ))
            case .plain(let rotate):
                sink = AppendFileSink(settings: .init(
                    template: FileNameTemplate(file.path),
                    rotation: rotate.map { RotationPolicy(maxBytes: $0.maxBytes.map(Int64.init), maxAge: $0.maxAge) },
                    permissions: permissions
                ), logger: outputLogger)
            }
        case .udp, .tcp, .tls, .nats:
            if case .udp = config.transport {} else { retry = streamRestart }
            sink = try networkSink(for: config, boundedStop: drainOnStop != nil, logger: outputLogger)
        }
        return OutputService(
            name: config.name, encoder: encoder, framer: framer, sink: sink, journal: journal, wakeup: wakeup,
            retry: retry, drainOnStop: drainOnStop, clock: clock, health: health, logger: outputLogger
        )
    }

    /// The encoder of an output's format.
    static func encoder(for config: OutputConfig) -> any EventEncoder {
        switch config.format {
        case .ndjson:
            NDJSONEncoder()
        case .rfc5424(let options):
            RFC5424Encoder(options: options, hostname: options.hostname ?? MachineHostName.current)
        case .cef(let options):
            CEFEncoder(options: options, hostname: options.hostname ?? MachineHostName.current)
        }
    }

    /// The framing a transport needs: lines for files, the configured framing for streams, none for UDP.
    static func framer(for transport: TransportConfig) -> any RecordFramer {
        switch transport {
        case .file: NewlineDelimitedFramer()
        case .udp, .nats: UnframedFramer()
        case .tcp(let tcp): streamFramer(tcp.framing)
        case .tls(let tls): streamFramer(tls.tcp.framing)
        }
    }

    /// The sink of a UDP, TCP or TLS output (`boundedStop`: a stop may cut a blocked write).
    static func networkSink(for config: OutputConfig, boundedStop: Bool, logger: Logger) throws -> any RecordSink {
        switch config.transport {
        case .udp(let udp):
            return UDPSink(name: config.name, config: udp, logger: logger)
        case .tcp(let tcp):
            return StreamSink(name: config.name, config: tcp, boundedStop: boundedStop, logger: logger)
        case .tls(let tls):
            if !tls.verifyHostname {
                logger.warning("Output \(config.name) does NOT check that the collector's certificate names \(tls.serverName ?? tls.tcp.host) (verify_hostname: false): any certificate signed by its CA is accepted, so whoever holds one can pose as the collector and read every event.")
            }
            do {
                return try StreamSink(name: config.name, config: tls, boundedStop: boundedStop, logger: logger)
            } catch {
                throw PipelineError("\(error)")
            }
        case .nats(let nats):
            return NATSSink(name: config.name, settings: nats, logger: logger)
        case .file:
            throw PipelineError("output \(config.name) writes files, not to the network")
        }
    }

    /// Stream sinks pace their own reconnects (`reconnect` in the pipeline file); the output only
    /// pauses briefly before resending from its committed position.
    static let streamRestart = Backoff(initial: .milliseconds(50), maximum: .seconds(1))

    static func streamFramer(_ framing: Framing) -> any RecordFramer {
        switch framing {
        case .octetCounting: OctetCountingFramer()
        case .lf: NewlineDelimitedFramer()
        }
    }

    /// How long each component may go without progress before `/readyz` calls it stalled: the
    /// Monitor source three poll intervals (at least a minute) plus a request timeout; an output,
    /// which reports progress even when idle, one minute (a write blocked that long is stuck).
    static func stallLimits(_ config: PipelineConfig) -> [HealthComponent: Duration] {
        var limits: [HealthComponent: Duration] = [:]
        if let monitor = config.sources.monitor {
            limits[.monitor] = max(monitor.pollInterval * 3, .seconds(60)) + monitor.requestTimeout
        }
        for output in config.outputs {
            limits[.output(output.name)] = outputStallLimit
        }
        return limits
    }

    static let outputStallLimit = Duration.seconds(60)

    /// `/readyz`: whether the forwarder can take input — the journal takes writes and the Event
    /// Streams endpoint is not stopping. A Monitor outage or a dead collector does not make it
    /// unready (that is `/status`), so a readiness probe keeps Twilio's deliveries flowing.
    static func readiness(journal: Journal, health: HealthRegistry) async -> ReadinessReport {
        var components = [await journalComponent(journal)]
        if let receiver = await health.readiness().first(where: { $0.component == .eventStreams }) {
            components.append(.init(name: receiver.name, ready: receiver.ready, detail: receiver.detail))
        }
        return ReadinessReport(components: components)
    }

    /// `/status`: every source and output with its progress, backlog, lag and last error.
    static func status(journal: Journal, health: HealthRegistry, clock: WallClock) async -> ReadinessReport {
        var components = [await journalComponent(journal)]
        for component in await health.readiness() {
            var detail = component.detail
            if let output = component.component.outputName, let backlog = try? await journal.backlog(of: output) {
                let lag = (backlog.lagSeconds(now: clock.now()) * 10).rounded() / 10
                detail += "; \(backlog.pending) pending, lag \(lag) s"
            }
            components.append(.init(name: component.name, ready: component.ready, detail: detail))
        }
        return ReadinessReport(components: components)
    }

    private static func journalComponent(_ journal: Journal) async -> ReadinessReport.Component {
        do {
            try await journal.checkWritable()
            return .init(name: "journal", ready: true, detail: "writable")
        } catch {
            return .init(name: "journal", ready: false, detail: "\(error)")
        }
    }
}

extension Logger {
    /// A copy of this logger tagged with the component that logs.
    func with(source: String) -> Logger {
        var copy = self
        copy[metadataKey: "component"] = .string(source)
        return copy
    }
}

/// Lets a part of the pipeline start the group's graceful shutdown (the `--once` mode).
actor GroupHandle {
    private var group: ServiceGroup?

    func set(_ group: ServiceGroup) {
        self.group = group
    }

    func shutdown() async {
        await group?.triggerGracefulShutdown()
    }
}
