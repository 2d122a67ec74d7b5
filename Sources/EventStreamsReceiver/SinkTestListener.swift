import ForwarderCore
import Hummingbird
import Journal
import Logging
import ServiceLifecycle
import Synchronization

/// Takes the one sink test delivery `event-streams setup` waits for when no forwarder runs:
/// `POST {path}` on `server.listen`, checked exactly as the receiver checks deliveries (so the
/// test proves the signature check passes), its test events stored in the journal. Any other
/// delivery is answered 503 with `Retry-After`, so Twilio keeps it for the forwarder.
package final class SinkTestListener: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, Never>
    /// The port bound (the configured one, or the system's pick for port 0).
    package let port: Int

    private init(group: ServiceGroup, task: Task<Void, Never>, port: Int) {
        self.group = group
        self.task = task
        self.port = port
    }

    /// Binds `host:port` and serves until `stop()`; throws when it cannot bind.
    package static func start(config: EventStreamsSourceConfig, host: String, port: Int, journal: Journal,
                             logger: Logger) async throws -> SinkTestListener {
        let policy = WebhookPolicy(config: config)
        let router = Router(context: ForwarderRequestContext.self)
        router.post(RouterPath(config.path)) { request, context in
            try await Self.handle(request, context: context, policy: policy, journal: journal, logger: logger)
        }
        let (bound, boundInput) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "twilio-siem-forwarder"),
            onServerRunning: { channel in
                boundInput.yield(channel.localAddress?.port ?? port)
                boundInput.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let failure = ErrorBox()
        let task = Task {
            do {
                try await group.run()
            } catch {
                failure.set(error)
            }
            boundInput.finish()
        }
        var iterator = bound.makeAsyncIterator()
        guard let boundPort = await iterator.next() else {
            await task.value
            throw PipelineListenError(host: host, port: port, reason: failure.get().map { "\($0)" } ?? "the server stopped")
        }
        return SinkTestListener(group: group, task: task, port: boundPort)
    }

    /// Stops listening.
    package func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }

    private static func handle(_ request: Request, context: ForwarderRequestContext, policy: WebhookPolicy, journal: Journal,
                               logger: Logger) async throws -> Response {
        let head = DeliveryHead(
            remoteAddress: context.remoteAddress, contentType: request.headers[.contentType],
            contentLength: request.headers[.contentLength], authorization: request.headers[.authorization],
            signature: request.headers[EventStreamsReceiver.signatureField],
            rawQuery: TwilioRequestValidator.rawQuery(ofTarget: request.head.path ?? ""))
        do {
            if let rejection = policy.checkHead(head) { throw rejection }
            let body = try await EventStreamsReceiver.collect(request.body, limit: policy.maxBodyBytes)
            if let rejection = policy.checkBody(body, head: head) { throw rejection }
            let receivedAt = WallClock.system.now()
            let events: [TwilioEvent]
            do {
                events = try CloudEventDecoder.decode(body, receivedAt: receivedAt)
            } catch {
                throw WebhookRejection.malformed(error)
            }
            let tests = SinkTestEvent.separate(events, receivedAt: receivedAt).tests
            guard !tests.isEmpty else { throw WebhookRejection.notRunning }
            do {
                try await journal.recordSinkTestEvents(tests)
            } catch {
                throw WebhookRejection.journal
            }
            return WebhookResponses.accepted(IngestOutcome(inserted: tests.count, duplicates: 0))
        } catch let rejection as WebhookRejection {
            logger.notice("Delivery refused while waiting for the sink test event",
                          metadata: ["status": "\(rejection.status.code)", "reason": "\(rejection.reason)"])
            return WebhookResponses.response(for: rejection)
        }
    }
}

/// `server.listen` could not be bound for the test delivery.
package struct PipelineListenError: Error, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var reason: String

    package var description: String {
        "Could not listen on server.listen \(host):\(port) for Twilio's test event (\(reason)); stop what uses the port, "
            + "or start the forwarder (`siem-forwarder run`) with an admin.token and run setup beside it."
    }
}

/// The first error of a task, kept for whoever waits on it.
private final class ErrorBox: Sendable {
    private let error = Mutex<(any Error)?>(nil)

    func set(_ error: any Error) { self.error.withLock { $0 = $0 ?? error } }
    func get() -> (any Error)? { error.withLock { $0 } }
}
