import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// A real HTTP proxy between the simulator's webhook sender and the forwarder that fails a share
/// of deliveries the way a flaky load balancer would: some are answered 429 or 503 without ever
/// reaching the forwarder, others reach it (and are committed) but the answer is replaced by a
/// 502, so Twilio retries an event the forwarder already has.
final class FaultProxy: Sendable {
    /// What the proxy did with each request, for the test's own checks.
    struct Counts: Sendable {
        var forwarded = 0
        var rejectedBeforeForwarder = 0
        var answerLost = 0
    }

    private let state = ProxyState()
    private let group: ServiceGroup
    private let running: Task<Void, any Error>
    private let client: HTTPClient
    let port: Int

    fileprivate struct State {
        var target: String?
        var random: UInt64 = 1
        var counts = Counts()
    }

    fileprivate enum Plan { case reject429, reject503, forward, forwardThenLose }

    /// Starts on 127.0.0.1 with an ephemeral port; `faultRate` of the requests fail.
    init(faultRate: Double, seed: UInt64, logger: Logger) async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let state = self.state
        state.mutex.withLock { $0.random = seed | 1 }
        let router = Router()
        router.post("**") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            let (target, plan) = state.mutex.withLock { s -> (String?, Plan) in
                s.random = s.random &* 6364136223846793005 &+ 1442695040888963407
                let unit = Double(s.random >> 11) / Double(1 << 53)
                let plan: Plan
                if unit < faultRate * 0.4 { plan = .reject429 }
                else if unit < faultRate * 0.7 { plan = .reject503 }
                else if unit < faultRate { plan = .forwardThenLose }
                else { plan = .forward }
                switch plan {
                case .reject429, .reject503: s.counts.rejectedBeforeForwarder += 1
                case .forward: s.counts.forwarded += 1
                case .forwardThenLose: s.counts.answerLost += 1
                }
                return (s.target, plan)
            }
            switch plan {
            case .reject429:
                return Response(status: .tooManyRequests, headers: [.retryAfter: "1"])
            case .reject503:
                return Response(status: .serviceUnavailable)
            case .forward, .forwardThenLose:
                guard let target else { return Response(status: .badGateway) }
                var outbound = HTTPClientRequest(url: target + request.uri.description)
                outbound.method = .POST
                for field in request.headers where field.name != .contentLength {
                    outbound.headers.add(name: field.name.rawName, value: field.value)
                }
                outbound.body = .bytes(body)
                let answer = try await client.execute(outbound, timeout: .seconds(10))
                let answerBody = try await answer.body.collect(upTo: 1 << 20)
                if plan == .forwardThenLose { return Response(status: .badGateway) }
                return Response(status: .init(code: Int(answer.status.code)), body: .init(byteBuffer: answerBody))
            }
        }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        self.group = group
        self.client = client
        self.running = Task { try await group.run() }
        var port = 0
        for await bound in ports { port = bound }
        self.port = port
    }

    /// Where accepted requests go (the forwarder's base URL, known only once it listens).
    func setTarget(_ baseURL: String) {
        state.mutex.withLock { $0.target = baseURL }
    }

    var counts: Counts { state.mutex.withLock { $0.counts } }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
        try await client.shutdown()
    }
}

/// The proxy's shared mutable state, behind a lock (the route closure and the test both use it).
private final class ProxyState: Sendable {
    let mutex = Mutex(FaultProxy.State())
}
