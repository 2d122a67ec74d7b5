import ArgumentParser
import ForwarderCore
import ForwarderRuntime
import Foundation
import Metrics
import Prometheus

/// `siem-forwarder run --config FILE`: runs the pipeline until SIGINT/SIGTERM.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pipeline until SIGINT or SIGTERM, then flush and commit every output."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Catch up with the Monitor API (backfill included), deliver everything, then exit.")
    var once = false

    func run() async throws {
        let config = try options.load()
        let logger = LoggingSetup.bootstrap(format: options.logFormat ?? config.log.format, level: config.log.level)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(CatalogedMetricsFactory(registry: registry))
        Gauge(label: "siem_forwarder_build_info", dimensions: [("version", ForwarderVersion.current)]).record(1)
        let pipeline: Pipeline
        do {
            pipeline = try await PipelineBuilder.build(config, options: .init(metrics: registry, once: once), logger: logger)
        } catch {
            let reason = "\(error)".replacingOccurrences(of: "<pipeline file>", with: config.file)
            throw fail("Could not start the pipeline from \(config.file): \(reason)", code: ExitStatus.runtimeFailure)
        }
        logger.info("Forwarder running", metadata: ["config": "\(config.file)", "listen": "\(config.server.host):\(config.server.port)"])
        do {
            try await pipeline.run()
        } catch {
            throw fail("The forwarder stopped because of an error: \(error)", code: ExitStatus.runtimeFailure)
        }
    }
}
