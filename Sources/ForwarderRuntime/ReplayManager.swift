import AsyncHTTPClient
import ForwarderCore
import Foundation
import Hummingbird
import EventStreamsReceiver
import Journal
import Logging
import NIOCore
import Replay
import ServiceLifecycle

/// Replays inside the running sidecar, started and followed through the admin API. Jobs started
/// here are marked, so a restart of the sidecar resumes the ones it did not finish; a stop
/// interrupts them without cancelling.
package actor ReplayManager: Service {
    private let config: PipelineConfig
    private let logger: Logger
    private let clock: WallClock
    private var http: HTTPClient?
    private var running: [String: (runner: ReplayRunner, task: Task<Void, Never>)] = [:]

    init(config: PipelineConfig, clock: WallClock, logger: Logger) {
        self.config = config
        self.clock = clock
        self.logger = logger
    }

    /// The marker of a job the sidecar runs (and resumes after a restart).
    static func adminMarker(_ directory: String) -> String { directory + "/admin" }

    package func run() async throws {
        // Jobs this sidecar started and did not finish resume.
        for job in await ReplayJobs.list(stateDir: config.state.dir) where job.record.state == .running {
            let directory = ReplayJobs.directory(stateDir: config.state.dir, id: job.record.id)
            guard FileManager.default.fileExists(atPath: Self.adminMarker(directory)) else { continue }
            logger.info("Resuming replay \(job.record.id)")
            _ = try? start(job.record.request, resuming: true)
        }
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
            }
        } onGracefulShutdown: {}
        for job in running.values { job.task.cancel() }
        for job in running.values { await job.task.value }
        try? await http?.shutdown()
    }

    /// Starts (or, when it already runs, returns) the job for `request`; a new start also lifts an
    /// earlier cancel, a resume after a restart does not.
    func start(_ request: ReplayRequest, resuming: Bool = false) throws -> ReplayRunner {
        if let existing = running[request.id] { return existing.runner }
        let client = http ?? ReplayWiring.makeHTTPClient()
        http = client
        let runner = try ReplayWiring.runner(config, request: request, concurrency: ReplaySettings.defaultConcurrency, http: client, logger: logger)
        let directory = ReplayJobs.directory(stateDir: config.state.dir, id: request.id)
        try StateDirectory.makePrivateDirectory(directory)
        _ = FileManager.default.createFile(atPath: Self.adminMarker(directory), contents: Data())
        if !resuming { runner.clearCancellation() }
        let logger = self.logger
        let task = Task {
            do {
                let progress = try await runner.run()
                logger.info("Replay \(request.id) done: \(progress.daysDone) days, \(progress.events) events, \(progress.requests) requests")
            } catch is ReplayInterrupted {
                logger.info("Replay \(request.id) interrupted by the stop; it resumes on the next start")
            } catch {
                logger.error("Replay \(request.id) stopped: \(error)")
            }
            self.finished(request.id)
        }
        running[request.id] = (runner, task)
        return runner
    }

    private func finished(_ id: String) {
        running[id] = nil
    }

    /// A running job's live progress.
    func progress(_ id: String) async -> ReplayProgress? {
        await running[id]?.runner.progress()
    }

    // MARK: Routes

    /// `POST /admin/replays`, `GET /admin/replays`, `GET /admin/replays/{id}`, `DELETE /admin/replays/{id}`.
    nonisolated func addRoutes(to group: RouterGroup<ForwarderRequestContext>) {
        group.post("replays") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 16)
            return await self.create(Array(body.readableBytesView))
        }
        group.get("replays") { _, _ in
            await self.list()
        }
        group.get("replays/{id}") { _, context in
            await self.show(context.parameters.get("id") ?? "")
        }
        group.delete("replays/{id}") { _, context in
            self.cancel(context.parameters.get("id") ?? "")
        }
    }

    private func create(_ body: [UInt8]) async -> Response {
        guard let value = try? JSONReader.parse(body), case .object = value else {
            return Self.answer(.badRequest, JSONBody.error("expected a JSON object like {\"from\":\"2026-11-03\",\"to\":\"2026-11-06\"}"))
        }
        guard let from = value["from"]?.stringValue, let to = value["to"]?.stringValue else {
            return Self.answer(.badRequest, JSONBody.error("\"from\" and \"to\" are required (YYYY-MM-DD or RFC 3339)"))
        }
        var outputs: [String] = []
        if case .array(let items)? = value["outputs"] { outputs = items.compactMap(\.stringValue) }
        let range: ReplayRange
        do {
            range = try ReplayRange.parse(from: from, to: to, now: clock.now())
        } catch {
            return Self.answer(.badRequest, JSONBody.error(error.description.replacingOccurrences(of: "--", with: "")))
        }
        let request = ReplayRequest(range: range, outputs: outputs, includeJournal: value["include_journal"] == .bool(true))
        do {
            let runner = try start(request)
            var buffer = ByteBuffer()
            (await runner.progress()).json(range: range, now: clock.now(), into: &buffer)
            return Self.answer(.accepted, buffer)
        } catch {
            return Self.answer(.badRequest, JSONBody.error("\(error)".replacingOccurrences(of: "--to-outputs ", with: "outputs: ")))
        }
    }

    private func list() async -> Response {
        var buffer = ByteBuffer()
        buffer.writeStaticString("{\"replays\":[")
        for (k, job) in await ReplayJobs.list(stateDir: config.state.dir).enumerated() {
            if k > 0 { buffer.writeStaticString(",") }
            await progress(of: job).json(range: job.record.request.range, now: clock.now(), into: &buffer)
        }
        buffer.writeStaticString("]}")
        return Self.answer(.ok, buffer)
    }

    private func show(_ id: String) async -> Response {
        guard let job = await ReplayJobs.list(stateDir: config.state.dir).first(where: { $0.record.id == id }) else {
            return Self.answer(.notFound, JSONBody.error("no replay job \(id)"))
        }
        var buffer = ByteBuffer()
        await progress(of: job).json(range: job.record.request.range, now: clock.now(), into: &buffer)
        return Self.answer(.ok, buffer)
    }

    private nonisolated func cancel(_ id: String) -> Response {
        guard ReplayJobs.cancel(stateDir: config.state.dir, id: id) else {
            return Self.answer(.notFound, JSONBody.error("no replay job \(id)"))
        }
        var buffer = ByteBuffer()
        buffer.writeStaticString("{\"id\":")
        buffer.writeJSONString(id)
        buffer.writeStaticString(",\"state\":\"cancelled\"}")
        return Self.answer(.ok, buffer)
    }

    /// A running job's live counters, else what its journal recorded.
    private func progress(of job: (record: ReplayJobRecord, days: [ReplayDay])) async -> ReplayProgress {
        if job.record.state != .cancelled, let live = await progress(job.record.id) { return live }
        return ReplayProgress(id: job.record.id, state: job.record.state, daysTotal: job.days.count,
                              daysDone: job.days.filter(\.written).count, events: job.days.reduce(0) { $0 + $1.events },
                              requests: job.days.reduce(0) { $0 + $1.requests }, started: job.record.created, lastError: job.record.lastError)
    }

    private nonisolated static func answer(_ status: HTTPResponse.Status, _ body: ByteBuffer) -> Response {
        var body = body
        body.writeStaticString("\n")
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }
}
