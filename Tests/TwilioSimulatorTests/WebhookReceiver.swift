import Foundation
import Hummingbird
import Synchronization
import TwilioSimulator

/// A tiny Event Streams endpoint for tests: checks every request's signature, body hash and
/// Basic auth, records what it saw, and answers as its mode says.
final class WebhookReceiver: Sendable {
    enum Mode: Sendable {
        /// 503 to the first attempt of each body, 200 afterwards.
        case failFirstAttempt
        /// 400 to everything (Twilio discards such deliveries).
        case reject
        /// 200 to everything.
        case accept
        /// `status` (with `Retry-After` when given) to the first attempt of each body, 200 afterwards.
        case firstAttemptAnswers(status: Int, retryAfter: String?)
        /// The first attempt of each body is answered only after `delay`, later ones at once.
        case firstAttemptSlow(Duration)
    }

    struct Seen: Sendable {
        var body: [UInt8]
        var signatureValid: Bool
        var bodyHashValid: Bool
        var authorization: String?
        var contentType: String?
        var status: Int
    }

    let path = "/hooks/twilio"
    private let mode: Mode
    private let authToken: String
    private let state = Mutex<(port: Int, seen: [Seen], attemptsByHash: [String: Int])>((0, [], [:]))
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(mode: Mode, authToken: String) {
        self.mode = mode
        self.authToken = authToken
    }

    var port: Int { state.withLock { $0.port } }
    var seen: [Seen] { state.withLock { $0.seen } }

    func start() async throws {
        let router = Router()
        router.post(RouterPath(path)) { request, _ -> Response in
            let bytes = Array(buffer: try await request.body.collect(upTo: 16 << 20))
            let url = "http://127.0.0.1:\(self.port)\(request.uri.string)"
            let signature = request.headers.first { $0.name.canonicalName == "x-twilio-signature" }?.value
            let hash = request.uri.queryParameters["bodySHA256"].map(String.init)
            let bodyHash = TwilioSignature.bodySHA256Hex(bytes)
            let (status, attempt) = self.state.withLock { state -> (Int, Int) in
                let attempt = state.attemptsByHash[bodyHash, default: 0] + 1
                state.attemptsByHash[bodyHash] = attempt
                let status: Int
                switch self.mode {
                case .failFirstAttempt: status = attempt == 1 ? 503 : 200
                case .reject: status = 400
                case .accept, .firstAttemptSlow: status = 200
                case .firstAttemptAnswers(let first, _): status = attempt == 1 ? first : 200
                }
                state.seen.append(Seen(
                    body: bytes,
                    signatureValid: signature == TwilioSignature.sign(url: url, authToken: self.authToken),
                    bodyHashValid: hash == bodyHash,
                    authorization: request.headers[.authorization],
                    contentType: request.headers[.contentType],
                    status: status
                ))
                return (status, attempt)
            }
            var headers = HTTPFields()
            switch self.mode {
            case .firstAttemptSlow(let delay) where attempt == 1:
                try? await Task.sleep(for: delay)
            case .firstAttemptAnswers(_, let retryAfter?) where attempt == 1:
                headers[.retryAfter] = retryAfter
            default:
                break
            }
            return Response(status: .init(code: status), headers: headers)
        }
        let ready = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in ready.continuation.yield(channel.localAddress?.port ?? 0) }
        )
        task.withLock { $0 = Task { try? await app.run() } }
        var iterator = ready.stream.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        state.withLock { $0.port = port }
    }

    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }
}
