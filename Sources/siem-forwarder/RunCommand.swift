import ArgumentParser
import ForwarderCore
import ForwarderRuntime
import Foundation
import Logging
import Metrics
import Prometheus
import UnixSignals

/// `siem-forwarder run --config FILE`: runs the pipeline until SIGINT/SIGTERM. SIGHUP reopens the
/// append files and reloads the pipeline file when it validates and changed (a clean stop and a
/// start with the new file: outputs keep their positions by name); an invalid file keeps the
/// running pipeline, and says why.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pipeline until SIGINT or SIGTERM, then flush and commit every output; SIGHUP reloads.",
        discussion: """
        The pipeline file is --config, or the path in SIEM_FORWARDER_CONFIG when --config is not given. SIGHUP \
        reopens every append file (after logrotate, `create` or `copytruncate`) and reloads the pipeline file: \
        when it validates and differs, the forwarder stops cleanly and starts again with it, each output keeping \
        its position by name (a new output starts from the oldest event the journal keeps); when it does not \
        validate, the running pipeline goes on and the log says why.
        """
    )

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Catch up with the Monitor API (backfill included) and the NATS source's stream, deliver everything, then exit.")
    var once = false

    func run() async throws {
        // Until the first pipeline traps SIGHUP, one must not kill the process.
        if !once { signal(SIGHUP, SIG_IGN) }
        var config = try options.load()
        let logger = LoggingSetup.bootstrap(format: options.logFormat ?? config.log.format, level: config.log.level)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(CatalogedMetricsFactory(registry: registry))
        Gauge(label: "siem_forwarder_build_info", dimensions: [("version", ForwarderVersion.current)]).record(1)
        var reloaded = false
        while true {
            let pipeline: Pipeline
            do {
                pipeline = try await PipelineBuilder.build(config, options: .init(metrics: registry, once: once), logger: logger)
            } catch {
                let reason = "\(error)".replacingOccurrences(of: "<pipeline file>", with: config.file)
                throw fail("Could not start the pipeline from \(config.file)\(reloaded ? " after SIGHUP" : ""): \(reason)", code: ExitStatus.runtimeFailure)
            }
            logger.info("Forwarder running", metadata: ["config": "\(config.file)", "listen": "\(config.server.host):\(config.server.port)"])
            let reload = PendingReload()
            let current = config
            let hangups = once ? nil : Task {
                for await _ in await UnixSignalsSequence(trapping: .sighup) {
                    await pipeline.reopenFiles()
                    do {
                        let next = try options.load(quietly: true)
                        guard next != current else {
                            logger.info("SIGHUP: append files reopened; \(current.file) is unchanged")
                            continue
                        }
                        logger.notice("SIGHUP: \(current.file) changed and validates; stopping cleanly to start again with it")
                        await reload.set(next)
                        await pipeline.shutdown()
                        return
                    } catch {
                        logger.error("SIGHUP: the running pipeline goes on, because \(current.file) does not validate: \(error)")
                    }
                }
            }
            do {
                try await pipeline.run()
            } catch {
                hangups?.cancel()
                throw fail("The forwarder stopped because of an error: \(error)", code: ExitStatus.runtimeFailure)
            }
            hangups?.cancel()
            guard let next = await reload.config else { return }
            config = next
            reloaded = true
        }
    }
}

/// The pipeline file a SIGHUP asked to start again with, if any.
actor PendingReload {
    private(set) var config: PipelineConfig?

    func set(_ config: PipelineConfig) {
        self.config = config
    }
}
