import OutputFormats
import TestSupport
import ForwarderCore
import Foundation
import Journal
import NIOCore
import Outputs
import Testing

/// The output loop's decisions as values (no journal, no sink, a timestamp for a clock), then the
/// real `OutputService` over a real journal with an in-memory sink that fails on command: every
/// path of retry, back-off, drain and `--once`, without a collector.
@Suite("The output loop")
struct OutputLoopTests {
    static let t0 = Timestamp(epochMilliseconds: 1_800_000_000_000)

    @Test("what the loop does with a batch", arguments: [
        // (mode is once, batch size, stopping, seconds since the stop began, expected step)
        (false, 10, false, 0.0, OutputLoop.Step.write),
        (false, 0, false, 0.0, .idle),
        (false, 0, true, 0.0, .finish),
        (false, 10, true, 0.0, .write),
        (false, 10, true, 4.9, .write),
        (false, 10, true, 5.0, .finishUndelivered),
        (false, 0, true, 9.0, .finish),
        (true, 10, true, 3600.0, .write),
        (true, 0, true, 3600.0, .finish),
    ])
    func steps(once: Bool, count: Int, stopping: Bool, sinceStop: Double, expected: OutputLoop.Step) {
        var loop = OutputLoop(mode: once ? .once : .run(drain: .seconds(5)), backoff: Backoff(), committed: 0)
        if stopping {
            // The stop began at t0, noticed with an earlier batch.
            _ = loop.next(batch: 1, stopping: true, now: Self.t0)
        }
        let now = Self.t0.adding(.milliseconds(Int64(sinceStop * 1000)))
        #expect(loop.next(batch: count, stopping: stopping, now: now) == expected)
    }

    @Test("the drain time counts from the first batch read after the stop, once, across attempts")
    func drainDeadline() {
        var loop = OutputLoop(mode: .run(drain: .seconds(5)), backoff: Backoff(), committed: 0)
        #expect(loop.next(batch: 3, stopping: false, now: Self.t0) == .write)
        #expect(loop.drainDeadline == nil)
        #expect(loop.next(batch: 3, stopping: true, now: Self.t0.adding(.seconds(1))) == .write)
        #expect(loop.drainDeadline == Self.t0.adding(.seconds(6)))
        _ = loop.attemptFailed(committed: 0)
        #expect(loop.next(batch: 3, stopping: true, now: Self.t0.adding(.seconds(6))) == .finishUndelivered, "a retry gets no new drain")
    }

    @Test("the back-off grows while attempts fail and starts over after an attempt that delivered something")
    func backoffReset() {
        var loop = OutputLoop(mode: .once, backoff: Backoff(initial: .seconds(1), maximum: .seconds(60), jitter: 0), committed: 100)
        #expect(loop.attemptFailed(committed: 100) == .seconds(1))
        #expect(loop.attemptFailed(committed: 100) == .seconds(2))
        #expect(loop.attemptFailed(committed: 100) == .seconds(4))
        #expect(loop.attemptFailed(committed: 150) == .seconds(1), "the attempt moved the output on")
        #expect(loop.attemptFailed(committed: 150) == .seconds(2))
    }

    @Test("an unfinished stop continues next start under run, and is an error under run --once")
    func unfinishedStop() {
        #expect(OutputLoop(mode: .run(drain: .seconds(5)), backoff: Backoff(), committed: 0).unfinishedStop == .continueNextStart)
        #expect(OutputLoop(mode: .once, backoff: Backoff(), committed: 0).unfinishedStop == .incomplete)
    }
}

/// A sink that keeps records in memory, commits after each write like an append file, forgets on
/// recovery what it did not commit, and fails writes while told to.
actor MemorySink: RecordSink {
    private(set) var lines: [(sequence: Int64, line: String)] = []
    private(set) var recoveries = 0
    private(set) var finishes = 0
    private var failures = 0
    private var failForever = false

    func failNext(_ count: Int) { failures = count }
    func fail(forever: Bool) { failForever = forever }

    var ids: [Int] {
        lines.map { line in
            guard let range = line.line.range(of: "id=\"E"), let end = line.line[range.upperBound...].firstIndex(of: "\"") else { return -1 }
            return Int(line.line[range.upperBound..<end]) ?? -1
        }
    }

    func recover(position: OutputPosition, files: [OutputFile], commit: OutputCommitter) async throws -> OutputPosition {
        recoveries += 1
        lines.removeAll { $0.sequence > position.sequence }
        return position
    }

    func write(_ batch: RecordBatch, now: Timestamp, commit: OutputCommitter) async throws {
        if failForever || failures > 0 {
            failures = max(0, failures - 1)
            throw MemorySinkFull()
        }
        let text = String(buffer: batch.bytes)
        for (offset, line) in text.split(separator: "\n").enumerated() {
            lines.append((batch.first + Int64(offset), String(line)))
        }
        try await commit(.position(OutputPosition(sequence: batch.through)))
    }

    func tick(now: Timestamp, commit: OutputCommitter) async throws {}
    func nextDeadline() async -> Timestamp? { nil }
    func finish(now: Timestamp, commit: OutputCommitter) async throws { finishes += 1 }
}

/// What the in-memory sink throws while told to fail.
struct MemorySinkFull: Error, CustomStringConvertible {
    var description: String { "the in-memory sink is full" }
}

@Suite("The output service over an in-memory sink", .serialized)
struct OutputServiceTests {
    @Test("a sink that fails a few times gets every event exactly once, from the committed position")
    func retriesFromCommittedPosition() async throws {
        let dir = TestDirectory()
        let sink = MemorySink()
        let output = try await OutputHarness(sink: sink, directory: dir.path + "/state", framer: NewlineDelimitedFramer(), batchSize: 10)
        try await output.publish(1...30)
        #expect(try await output.committed(30, within: .seconds(10)))
        await sink.failNext(3)
        try await output.publish(31...80)
        #expect(try await output.committed(80, within: .seconds(10)))
        try await output.shutdown()
        #expect(exactlyOnceProblem(await sink.ids, expected: Array(1...80)) == nil)
        #expect(await sink.recoveries == 4, "one start and one recovery per failure")
        #expect(await sink.finishes == 1)
        await output.journal.close()
    }

    @Test("a stop delivers what is released, then finishes the sink")
    func stopDrains() async throws {
        let dir = TestDirectory()
        let sink = MemorySink()
        // A drain long enough for any machine: the point is that the stop delivers, not how fast.
        let output = try await OutputHarness(sink: sink, directory: dir.path + "/state", framer: NewlineDelimitedFramer(), batchSize: 7,
                                             drainOnStop: .seconds(120))
        try await output.publish(1...200)
        try await output.shutdown()
        #expect(exactlyOnceProblem(await sink.ids, expected: Array(1...200)) == nil)
        #expect(try await output.journal.outputPosition("siem")?.sequence == 200)
        await output.journal.close()
    }

    @Test("run: a sink still failing when the stop comes ends the stop within the drain, and the next start delivers the rest")
    func runStopsWithDeadSink() async throws {
        let dir = TestDirectory()
        let sink = MemorySink()
        let output = try await OutputHarness(sink: sink, directory: dir.path + "/state", framer: NewlineDelimitedFramer(), batchSize: 10,
                                             drainOnStop: .milliseconds(200))
        try await output.publish(1...20)
        #expect(try await output.committed(20, within: .seconds(10)))
        await sink.fail(forever: true)
        try await output.publish(21...40)
        let started = ContinuousClock.now
        try await output.shutdown()
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try await output.journal.outputPosition("siem")?.sequence == 20)
        await output.journal.close()

        let healthy = MemorySink()
        let restarted = try await OutputHarness(sink: healthy, directory: dir.path + "/state", framer: NewlineDelimitedFramer(), batchSize: 10)
        #expect(try await restarted.committed(40, within: .seconds(10)))
        try await restarted.shutdown()
        #expect(exactlyOnceProblem(await healthy.ids, expected: Array(21...40)) == nil)
        await restarted.journal.close()
    }

    @Test("run --once: a sink that never recovers makes the stop an error naming the output and its position")
    func onceFailsLoudly() async throws {
        let dir = TestDirectory()
        let sink = MemorySink()
        let output = try await OutputHarness(sink: sink, directory: dir.path + "/state", framer: NewlineDelimitedFramer(), batchSize: 10)
        try await output.publish(1...10)
        #expect(try await output.committed(10, within: .seconds(10)))
        await sink.fail(forever: true)
        try await output.publish(11...20)
        await #expect {
            try await output.shutdown()
        } throws: { error in
            (error as? OutputIncomplete).map { $0.output == "siem" && $0.sequence == 10 } ?? "\(error)".contains("could not deliver everything")
        }
        await output.journal.close()
    }
}
