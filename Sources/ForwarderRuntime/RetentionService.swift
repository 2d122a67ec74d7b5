import ForwarderCore
import Journal
import Logging
import ServiceLifecycle

/// Prunes journal rows every output has delivered once they are older than `state.retention`.
struct RetentionService: Service {
    let journal: Journal
    let retention: Duration
    let outputs: [String]
    let interval: Duration
    let clock: WallClock
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                var pruned = 0
                while true {
                    let n = try await journal.prune(olderThan: clock.now().subtracting(retention), outputs: outputs)
                    pruned += n
                    if n == 0 || Task.isShuttingDownGracefully { break }
                }
                if pruned > 0 { logger.info("Pruned \(pruned) delivered events older than the retention period") }
            } catch {
                logger.warning("Journal retention failed; will retry: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
