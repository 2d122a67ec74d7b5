import ForwarderCore
import Hummingbird
import Journal
import Logging
import ServiceLifecycle

/// The Event Streams webhook receiver: `POST {path}` on the forwarder's listener validates each
/// delivery (address, content type, size, Basic auth, `X-Twilio-Signature`, `bodySHA256`),
/// decodes its CloudEvents, stores them in the journal with group commit, and answers 200 only
/// once they are durable. Sink test events (`com.twilio.eventstreams.test-event`) are stored
/// apart, for `event-streams setup` and `status`, and not forwarded.
///
/// As a `Service` it reports the source's watermark every 500 ms: now − `allowed_delay`, held back
/// to the receipt of the oldest delivery still being stored. Put it after the HTTP server in the
/// `ServiceGroup`: on graceful shutdown it is stopped first, so new deliveries get 429 +
/// `Retry-After` while the server still finishes the ones in flight.
package final class EventStreamsReceiver: Service, Sendable {
    /// The health component this receiver reports as.
    package static let healthComponent = HealthComponent.eventStreams

    let config: EventStreamsSourceConfig
    let policy: WebhookPolicy
    let admission: DeliveryAdmission
    let batcher: IngestBatcher
    let journal: Journal
    let reporter: any WatermarkReporter
    let health: HealthRegistry?
    let clock: WallClock
    let logger: Logger
    let metrics = WebhookMetrics()
    /// How long after it arrived a delivery is answered at the latest: 429 when its commit has not
    /// ended by then (Twilio gives up at 5 s).
    let responseDeadline: Duration

    /// `store` replaces the journal for the events (not the sink test events): only for measuring
    /// what durability costs (``DiscardingIngestStore``).
    package convenience init(config: EventStreamsSourceConfig, journal: Journal, reporter: any WatermarkReporter,
                            health: HealthRegistry? = nil, clock: WallClock = .system, logger: Logger,
                            store: (any IngestStore)? = nil) {
        self.init(config: config, journal: journal, reporter: reporter, health: health, clock: clock, logger: logger,
                  responseDeadline: .seconds(4), store: store)
    }

    init(config: EventStreamsSourceConfig, journal: Journal, reporter: any WatermarkReporter, health: HealthRegistry?,
         clock: WallClock, logger: Logger, responseDeadline: Duration, store: (any IngestStore)? = nil) {
        self.responseDeadline = responseDeadline
        self.config = config
        self.policy = WebhookPolicy(config: config)
        self.admission = DeliveryAdmission(limit: config.maxPendingRequests, clock: clock)
        self.batcher = IngestBatcher(store: store ?? JournalIngestStore(journal: journal), reporter: reporter, health: health, logger: logger)
        self.journal = journal
        self.reporter = reporter
        self.health = health
        self.clock = clock
        self.logger = logger
        if config.insecureSkipSignature {
            logger.warning("""
                Event Streams signatures are NOT checked (insecure_skip_signature: true): anyone who can reach \
                \(config.path) can inject events; use this for local testing only
                """)
        } else if config.authToken == nil || config.publicURL == nil {
            logger.error("""
                Event Streams receiver has no auth_token or public_url to check signatures with; every delivery is \
                answered 503 until the configuration is fixed
                """)
        }
    }

    /// Adds `POST {config.path}` to the router.
    package func addRoutes(to router: Router<ForwarderRequestContext>) {
        router.post(RouterPath(config.path)) { request, context in
            try await self.handle(request, context: context)
        }
    }

    /// Reports the watermark every 500 ms until graceful shutdown (or cancellation); then marks
    /// the receiver as stopping, so new deliveries get 429 + `Retry-After` and `/readyz` says so,
    /// and returns.
    package func run() async throws {
        if let health {
            await health.register(Self.healthComponent)
            await health.ok(Self.healthComponent, detail: "listening on \(config.path)", progress: false)
        }
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown { [self] in
                while !Task.isCancelled {
                    await reporter.report(.eventStreams, watermark: watermark())
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
        } onGracefulShutdown: { [admission] in
            admission.beginStopping()
        }
        admission.beginStopping()
        await health?.failing(Self.healthComponent, reason: "stopping: deliveries are answered 429 until the forwarder is back")
        logger.info("Event Streams receiver stopped taking deliveries")
    }

    /// No event older than this is expected any more: events arrive at most `allowed_delay` after
    /// their time, and a delivery still being stored holds the mark at its receipt, so its events
    /// are not released late only because their commit was slow.
    func watermark() -> Timestamp {
        admission.watermark(allowedDelay: config.allowedDelay)
    }
}
