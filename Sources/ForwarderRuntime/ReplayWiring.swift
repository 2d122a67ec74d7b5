import AsyncHTTPClient
import ForwarderCore
import Foundation
import Logging
import MonitorPoller
import NIOHTTPCompression
import NIOPosix
import OutputFormats
import Outputs
import Replay

/// Builds a replay from a pipeline file: the Monitor client, and a replay target for each output
/// the request names — file outputs write under the replay directory, never into the live files;
/// network outputs send only when named.
package enum ReplayWiring {
    /// The outputs a replay writes to: `names` when given (any output), else every file output.
    /// Throws for a name that is not an output of the pipeline.
    package static func outputs(_ config: PipelineConfig, request: ReplayRequest, logger: Logger) throws -> [ReplayOutput] {
        for name in request.outputs where !config.outputs.contains(where: { $0.name == name }) {
            throw PipelineError("--to-outputs \(name) is not an output of \(config.file) (outputs: \(config.outputs.map(\.name).joined(separator: ", "))).")
        }
        let chosen = request.outputs.isEmpty
            ? config.outputs.filter { if case .file = $0.transport { true } else { false } }
            : config.outputs.filter { request.outputs.contains($0.name) }
        guard !chosen.isEmpty else {
            throw PipelineError("\(config.file) has no file output to replay into; name a network output with --to-outputs.")
        }
        return chosen.map { output in
            let encoder = PipelineBuilder.encoder(for: output)
            switch output.transport {
            case .file(let file):
                let live = (file.path as NSString)
                let name = live.lastPathComponent
                let suffix = name.firstIndex(of: ".").map { String(name[$0...]) } ?? ""
                let directory = request.outputDirectory.map { ($0 as NSString).appendingPathComponent(output.name) }
                    ?? (live.deletingLastPathComponent as NSString).appendingPathComponent("replay-\(request.id)")
                let gzipLevel: Int? = if case .gzip(let level, _) = file.storage { level } else { nil }
                return ReplayOutput(name: output.name, encoder: encoder, framer: NewlineDelimitedFramer(), destination: .files(
                    directory: directory, suffix: suffix, gzipLevel: gzipLevel,
                    permissions: FilePermissions(mode: file.fileMode, group: file.group)))
            default:
                let framer = PipelineBuilder.framer(for: output.transport)
                let outputLogger = logger.with(source: "replay:\(output.name)")
                return ReplayOutput(name: output.name, encoder: encoder, framer: framer, destination: .network(makeSink: {
                    try PipelineBuilder.networkSink(for: output, boundedStop: false, logger: outputLogger)
                }))
            }
        }
    }

    /// A runner for `request` on `config`'s Monitor source, with its own HTTP client (shut down by
    /// the caller with `client.http`).
    package static func runner(_ config: PipelineConfig, request: ReplayRequest, concurrency: Int, http: HTTPClient, logger: Logger,
                              onDay: @escaping @Sendable (CivilDate, Int, ReplayProgress) async -> Void = { _, _, _ in }) throws -> ReplayRunner {
        guard let monitor = config.sources.monitor else {
            throw PipelineError("\(config.file) has no sources.monitor: a replay re-pulls Monitor Events, so it needs the Monitor credentials.")
        }
        let client = MonitorClient(http: http, baseURL: monitor.baseURL, username: monitor.username, password: monitor.password,
                                   requestTimeout: monitor.requestTimeout)
        let settings = ReplaySettings(stateDir: config.state.dir, monitor: monitor, concurrency: concurrency)
        return ReplayRunner(request: request, outputs: try outputs(config, request: request, logger: logger), client: client,
                            settings: settings, logger: logger, onDay: onDay)
    }

    /// An HTTP client for replays' Monitor requests.
    package static func makeHTTPClient() -> HTTPClient {
        HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: .init(decompression: .enabled(limit: .ratio(100))))
    }
}
