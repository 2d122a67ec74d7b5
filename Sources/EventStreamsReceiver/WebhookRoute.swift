import ForwarderCore
import HTTPTypes
import Hummingbird
import Journal
import Logging
import NIOCore

/// The `POST {path}` handler: a thin shell that gathers the request's facts, asks the pure
/// `WebhookPolicy` and `CloudEventDecoder`, and hands the events to the `IngestBatcher`.
extension EventStreamsReceiver {
    static let signatureField = HTTPField.Name("X-Twilio-Signature")!

    /// Answers one delivery; never throws for anything the client sent (only when its body stream
    /// itself fails, which Hummingbird turns into 400 or 500 as the failure deserves).
    func handle(_ request: Request, context: ForwarderRequestContext) async throws -> Response {
        let response: Response
        do {
            response = try await accept(request, context: context)
        } catch let rejection as WebhookRejection {
            metrics.rejected(reason: rejection.metricReason)
            logger.log(level: rejection.isTransient ? .debug : .notice, "Event Streams delivery refused",
                       metadata: ["status": "\(rejection.status.code)", "reason": "\(rejection.reason)",
                                  "client": "\(context.remoteAddress?.ipAddress ?? "?")"])
            response = WebhookResponses.response(for: rejection)
        }
        metrics.answered(status: response.status.code)
        return response
    }

    private func accept(_ request: Request, context: ForwarderRequestContext) async throws -> Response {
        // Twilio's 5 s run from when it sent the request, so the deadline counts the upload too.
        let arrived = ContinuousClock.now
        let head = DeliveryHead(
            remoteAddress: context.remoteAddress,
            contentType: request.headers[.contentType],
            contentLength: request.headers[.contentLength],
            authorization: request.headers[.authorization],
            signature: request.headers[Self.signatureField],
            rawQuery: TwilioRequestValidator.rawQuery(ofTarget: request.head.path ?? ""))
        if let rejection = policy.checkHead(head) { throw rejection }

        let ticket = try admission.admit()
        // The place is given back when the delivery is answered, or once its commit ends if that is later.
        var placeHandedToCommit = false
        defer { if !placeHandedToCommit { admission.leave(ticket) } }
        let body = try await Self.collect(request.body, limit: policy.maxBodyBytes)
        if let rejection = policy.checkBody(body, head: head) { throw rejection }

        let receivedAt = admission.bodyReceived(ticket)
        let events: [TwilioEvent]
        do {
            events = try CloudEventDecoder.decode(body, receivedAt: receivedAt)
        } catch {
            throw WebhookRejection.malformed(error)
        }
        let (tests, forwarded) = SinkTestEvent.separate(events, receivedAt: receivedAt)
        if !tests.isEmpty {
            do {
                try await journal.recordSinkTestEvents(tests)
            } catch {
                throw WebhookRejection.journal
            }
            for test in tests {
                logger.info("Event Streams sink test event received", metadata: ["test_id": "\(test.testID)"])
            }
            if forwarded.isEmpty { return WebhookResponses.accepted(IngestOutcome(inserted: tests.count, duplicates: 0)) }
        }
        placeHandedToCommit = true
        do {
            let remaining = max(.zero, responseDeadline - (ContinuousClock.now - arrived))
            let outcome = try await ResponseDeadline.run(within: remaining) { [batcher] in
                try await batcher.ingest(forwarded, receivedAt: receivedAt)
            } whenDone: { [admission] in
                admission.leave(ticket)
            }
            return WebhookResponses.accepted(outcome)
        } catch is ResponseDeadline.Exceeded {
            throw WebhookRejection.commitTimeout
        } catch {
            throw WebhookRejection.journal
        }
    }

    /// The whole body, refusing with 413 as soon as it passes `limit` (NIO's `collect(upTo:)`
    /// stops before appending the chunk that would pass it, so never more is held).
    static func collect(_ body: RequestBody, limit: Int) async throws -> [UInt8] {
        do {
            return Array(try await body.collect(upTo: limit).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw WebhookRejection.tooLarge(limit)
        }
    }
}
