import ForwarderCore
import Foundation
import Journal
import Logging
import MonitorPoller
import NIOCore
import Outputs

/// Runs one replay job: fetches its days from the Monitor API several at once into the job's own
/// journal (deduplicated, resumable day by day), writes each day's events in `(time, id)` order
/// through the outputs' encoders into the replay target, and records every step, so running the
/// same request again — also after `kill -9` — continues where it stopped. Memory stays at a page
/// per day in flight, whatever the range.
package final class ReplayRunner: Sendable {
    package let request: ReplayRequest
    package var id: String { request.id }
    let outputs: [ReplayOutput]
    let client: MonitorClient
    let settings: ReplaySettings
    let logger: Logger
    let directory: String
    let state: ReplayRunState
    private let limiter: ReplayLimiter
    /// Hears each completed day (for the log line without a TTY).
    let onDay: @Sendable (CivilDate, Int, ReplayProgress) async -> Void

    package init(request: ReplayRequest, outputs: [ReplayOutput], client: MonitorClient, settings: ReplaySettings, logger: Logger,
                onDay: @escaping @Sendable (CivilDate, Int, ReplayProgress) async -> Void = { _, _, _ in }) {
        self.request = request
        self.outputs = outputs
        self.client = client
        self.settings = settings
        self.logger = logger
        self.onDay = onDay
        directory = ReplayJobs.directory(stateDir: settings.stateDir, id: request.id)
        state = ReplayRunState(ReplayProgress(id: request.id, state: .running, daysTotal: request.range.days.count, started: settings.clock.now()))
        limiter = ReplayLimiter(ReplayConcurrency(maximum: settings.concurrency))
    }

    /// The job's progress now.
    package func progress() async -> ReplayProgress {
        await state.progress
    }

    /// Runs (or resumes) the job to its end; returns the final progress. Throws `ReplayCancelled`
    /// when cancelled, or the error that stopped it (recorded in the job).
    @discardableResult
    package func run() async throws -> ReplayProgress {
        try StateDirectory.makePrivateDirectory(directory)
        let lock = try ReplayLock(directory: directory, id: id)
        defer { lock.release() }
        let journal = try Journal(directory: directory)
        do {
            try await journal.indexForTimeOrderedReads()
            let result = try await run(journal)
            await journal.close()
            return result
        } catch let error as ReplayInterrupted {
            await state.finished(.running, error: nil)
            await journal.close()
            throw error
        } catch is CancellationError {
            await state.finished(.running, error: nil)
            await journal.close()
            throw ReplayInterrupted(id: id)
        } catch {
            await finish(journal, state: error is ReplayCancelled ? .cancelled : .failed, error: error)
            await journal.close()
            throw error
        }
    }

    /// Starting the same request again continues it, a cancelled one included: the commands
    /// that start a job call this first (a job resumed after a restart does not).
    package func clearCancellation() {
        try? FileManager.default.removeItem(atPath: ReplayJobs.cancelMarker(directory))
    }

    private func run(_ journal: Journal) async throws -> ReplayProgress {
        var record = try await journal.checkpoint(of: ReplayJobs.jobSource).flatMap(ReplayJobRecord.init(encoded:))
            ?? ReplayJobRecord(request: request, created: settings.clock.now())
        record.state = .running
        record.finished = nil
        try await journal.saveCheckpoint(SourceCheckpoint(source: ReplayJobs.jobSource, state: record.encoded()), at: settings.clock.now())

        var pending: [CivilDate] = []
        for day in request.range.days {
            let status = try await journal.checkpoint(of: ReplayDay.source(day)).map { ReplayDay(day: day, encoded: $0) } ?? ReplayDay(day: day)
            if status.written { await state.dayDone(events: 0) } else { pending.append(day) }
        }
        let liveJournal = request.includeJournal ? try Journal(directory: settings.stateDir) : nil
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = pending.makeIterator()
                for _ in 0..<settings.concurrency {
                    guard let day = next.next() else { break }
                    group.addTask { try await self.process(day, journal: journal, live: liveJournal) }
                }
                while try await group.next() != nil {
                    if let day = next.next() {
                        group.addTask { try await self.process(day, journal: journal, live: liveJournal) }
                    }
                }
            }
            try await send(journal)
        } catch {
            await liveJournal?.close()
            throw error
        }
        await liveJournal?.close()
        await finish(journal, state: .done, error: nil)
        // The days are in their files: the staged events are not needed any more.
        try await journal.removeAllEvents()
        return await state.progress
    }

    private func finish(_ journal: Journal, state final: ReplayState, error: (any Error)?) async {
        await state.finished(final, error: error.map { "\($0)" })
        guard var record = try? await journal.checkpoint(of: ReplayJobs.jobSource).flatMap(ReplayJobRecord.init(encoded:)) else { return }
        record.state = final
        record.finished = settings.clock.now()
        record.lastError = error.map { "\($0)" }
        try? await journal.saveCheckpoint(SourceCheckpoint(source: ReplayJobs.jobSource, state: record.encoded()), at: settings.clock.now())
    }

    private func checkCancelled() throws {
        if FileManager.default.fileExists(atPath: ReplayJobs.cancelMarker(directory)) { throw ReplayCancelled(id: id) }
        if Task.isCancelled { throw ReplayInterrupted(id: id) }
    }

    // MARK: One day

    /// Fetches the day (unless done before), writes it to every file output, and records it.
    private func process(_ day: CivilDate, journal: Journal, live: Journal?) async throws {
        var status = try await journal.checkpoint(of: ReplayDay.source(day)).map { ReplayDay(day: day, encoded: $0) } ?? ReplayDay(day: day)
        if !status.fetched {
            status.requests = try await fetch(day, journal: journal)
            status.fetched = true
        }
        let window = request.range.window(of: day)
        if let live {
            // Event Streams events the live journal keeps for the day (Twilio cannot replay them).
            var after: MergeKey?
            while true {
                let batch = try await live.events(from: window.start, to: window.end, origin: .eventStreams, afterKey: after, limit: 1000)
                guard let last = batch.last else { break }
                try await journal.append(batch.map(\.event), receivedAt: settings.clock.now())
                after = MergeKey(time: last.event.time, key: last.event.dedupKey)
            }
        }
        var events = 0
        for output in outputs {
            guard case .files(let directory, let suffix, let level, let permissions) = output.destination else { continue }
            events = try await writeFiles(day, output: output, directory: directory, suffix: suffix, gzipLevel: level,
                                          permissions: permissions, journal: journal)
        }
        if outputs.allSatisfy({ if case .network = $0.destination { true } else { false } }) {
            events = try await count(day, journal: journal)
        }
        status.events = events
        status.written = true
        try await journal.saveCheckpoint(SourceCheckpoint(source: ReplayDay.source(day), state: status.encoded()), at: settings.clock.now())
        await state.dayDone(events: events)
        await onDay(day, events, await state.progress)
    }

    /// Pages through the day's events (newest first, as the API answers), storing those inside
    /// the range; the day is marked fetched with its last page. Returns the requests it took.
    private func fetch(_ day: CivilDate, journal: Journal) async throws -> Int {
        let window = request.range.window(of: day)
        var url = client.listURL(startDate: day.startOfDay, endDate: day.next.startOfDay.subtracting(.seconds(1)), pageSize: settings.pageSize)
        var requests = 0
        while true {
            try checkCancelled()
            let page = try await fetchPage(url)
            requests += 1
            let inside = page.events.filter { $0.time >= window.start && $0.time < window.end }
            var checkpoint: SourceCheckpoint?
            if page.nextPageURL == nil {
                checkpoint = SourceCheckpoint(source: ReplayDay.source(day), state: ReplayDay(day: day, fetched: true, requests: requests).encoded())
            }
            try await journal.append(inside, receivedAt: settings.clock.now(), checkpoint: checkpoint)
            guard let next = page.nextPageURL else { return requests }
            url = next
        }
    }

    /// One page, within the shared concurrency limit; 429 halves the limit and waits at least
    /// `Retry-After`; other retryable failures back off; anything else ends the job.
    private func fetchPage(_ url: String) async throws -> MonitorPage {
        var backoff = settings.retry
        while true {
            try checkCancelled()
            await limiter.acquire()
            do {
                let page = try await client.fetchPage(url, clock: settings.clock)
                await limiter.release(throttled: false)
                await state.request(throttled: false)
                return page
            } catch {
                let throttled = error.status == 429
                await limiter.release(throttled: throttled)
                await state.request(throttled: throttled)
                guard error.isRetryable else { throw error }
                await state.failed(with: error.description)
                let delay = backoff.nextDelay(retryAfter: error.retryAfter)
                logger.warning("Replay \(id): a Monitor request failed; retrying", metadata: ["error": "\(error)", "delay_ms": "\(delay.milliseconds)"])
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw ReplayInterrupted(id: id)
                }
            }
        }
    }

    /// The day's events in the job journal, in `(time, id)` order, a thousand at a time.
    private func forEachBatch(_ day: CivilDate, journal: Journal, _ body: ([ForwardedEvent]) async throws -> Void) async throws {
        let window = request.range.window(of: day)
        var after: MergeKey?
        while true {
            let batch = try await journal.events(from: window.start, to: window.end, origin: nil, afterKey: after, limit: 1000)
            guard let last = batch.last else { return }
            try await body(batch.map { ForwardedEvent(sequence: 0, replayJob: id, event: $0.event) })
            after = MergeKey(time: last.event.time, key: last.event.dedupKey)
        }
    }

    private func count(_ day: CivilDate, journal: Journal) async throws -> Int {
        var total = 0
        try await forEachBatch(day, journal: journal) { total += $0.count }
        return total
    }

    /// Writes the day as one file per output (rotated only past 1 GiB), visible once complete and
    /// committed in the job journal, so a day is written exactly once however often it is retried.
    private func writeFiles(_ day: CivilDate, output: ReplayOutput, directory: String, suffix: String, gzipLevel: Int?,
                            permissions: FilePermissions, journal: Journal) async throws -> Int {
        let name = "\(output.name)@\(day)"
        let compact = day.description.filter { $0 != "-" }
        var fileSettings = RotatingFileSink.Settings(
            template: FileNameTemplate((directory as NSString).appendingPathComponent("twilio-replay-\(compact)-{seq}\(suffix)")),
            rotation: RotationPolicy(maxBytes: 1 << 30, maxAge: .seconds(86_400 * 365)), permissions: permissions, gzip: gzipLevel != nil
        )
        if let gzipLevel { fileSettings.gzipLevel = gzipLevel }
        let sink = RotatingFileSink(settings: fileSettings)
        let commit = OutputCommitter.journal(journal, output: name, clock: settings.clock)
        let position = try await sink.recover(position: try await journal.outputPosition(name) ?? OutputPosition(),
                                              files: try await journal.outputFiles(name), commit: commit)
        if position.sequence > 0 { return Int(position.sequence) }  // written before a crash, before it was recorded
        var sequence: Int64 = 0
        var batches = RecordBatchEncoder(encoder: output.encoder, framer: output.framer)
        try await forEachBatch(day, journal: journal) { events in
            try checkCancelled()
            sequence += Int64(events.count)
            try await sink.write(batches.batch(events, through: sequence), now: settings.clock.now(), commit: commit)
        }
        try await sink.finish(now: settings.clock.now(), commit: commit)
        if sequence > 0 { await state.file(for: output.name) }
        return Int(sequence)
    }

    // MARK: Network outputs

    /// Sends every day, oldest first, to each network output, then waits for the collector to
    /// acknowledge the tail; only then are the days recorded as sent (at least once).
    private func send(_ journal: Journal) async throws {
        for output in outputs {
            guard case .network(let makeSink) = output.destination else { continue }
            var unsent: [CivilDate] = []
            for day in request.range.days {
                let status = try await journal.checkpoint(of: ReplayDay.source(day)).map { ReplayDay(day: day, encoded: $0) } ?? ReplayDay(day: day)
                if !status.sent.contains(output.name) { unsent.append(day) }
            }
            guard !unsent.isEmpty else { continue }
            let sink = try makeSink()
            _ = try await sink.recover(position: OutputPosition(), files: [], commit: .discarding)
            var sequence: Int64 = 0
            var batches = RecordBatchEncoder(encoder: output.encoder, framer: output.framer)
            for day in unsent {
                try await forEachBatch(day, journal: journal) { events in
                    try checkCancelled()
                    sequence += Int64(events.count)
                    try await sink.write(batches.batch(events, through: sequence), now: settings.clock.now(), commit: .discarding)
                }
            }
            try await sink.finish(now: settings.clock.now(), commit: .discarding)
            for day in unsent {
                var status = try await journal.checkpoint(of: ReplayDay.source(day)).map { ReplayDay(day: day, encoded: $0) } ?? ReplayDay(day: day)
                status.sent.append(output.name)
                try await journal.saveCheckpoint(SourceCheckpoint(source: ReplayDay.source(day), state: status.encoded()), at: settings.clock.now())
            }
        }
    }
}
