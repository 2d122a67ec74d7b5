import Hummingbird
import ServiceLifecycle

/// A Hummingbird server on 127.0.0.1 and an ephemeral port, for stand-ins of peers (an
/// operations listener, a collector that accepts connections); stopped by `stop()`.
struct LoopbackHTTPServer {
    let port: Int
    let group: ServiceGroup
    let running: Task<Void, any Error>

    /// Starts `router` and returns once the port is bound.
    static func start(_ router: Router<BasicRequestContext> = Router()) async throws -> LoopbackHTTPServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: quietLogger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: quietLogger)
        let running = Task { try await group.run() }
        var port = 0
        for await bound in ports { port = bound }
        return LoopbackHTTPServer(port: port, group: group, running: running)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try? await running.value
    }
}
