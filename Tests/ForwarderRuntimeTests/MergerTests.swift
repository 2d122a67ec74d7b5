import ForwarderCore
import ForwarderRuntime
import Journal
import Logging
import Testing
import TestSupport

/// The merger over a real journal and a clock the test moves: the delay bound, the watermarks,
/// late rows, the clean stop's release of everything and a restart's pending rows.
@Suite("The merger, with a hand-moved clock")
struct MergerTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func event(_ id: String, at time: Timestamp, origin: EventOrigin = .eventStreams) -> TwilioEvent {
        TwilioEvent(id: id, dedupKey: id, time: time, origin: origin, type: "ip.blocked", raw: Array("{}".utf8))
    }

    /// Releases what is due and returns the ids now released, in release order, with their late flags.
    static func released(_ journal: Journal) async throws -> [(String, Bool)] {
        try await journal.events(after: 0, limit: 1000).map { ($0.event.id, $0.late) }
    }

    @Test("an event waits for the source that is behind only up to max_delay, then goes out; the late one after it is flagged")
    func boundedDelay() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        let clock = ManualClock()
        let merger = try await Merger(journal: journal, sources: [.monitor, .eventStreams], maxHold: .seconds(120), maxDelay: .seconds(1),
                                      outputs: [], clock: clock.clock, logger: Self.logger)
        // The Monitor source last saw ten minutes ago; Event Streams is current.
        await merger.report(.monitor, watermark: clock.now.subtracting(.seconds(600)))
        await merger.report(.eventStreams, watermark: clock.now)
        let delivered = Self.event("ES-1", at: clock.now)
        try await journal.append([delivered], receivedAt: clock.now)
        await merger.journalChanged(.init(receivedAt: clock.now, newest: delivered.time))
        #expect(try await merger.releaseNow() == 0, "held for ordering inside the bound")
        #expect(await merger.currentDelay() == .zero)
        clock.advance(.milliseconds(999))
        #expect(try await merger.releaseNow() == 0)
        clock.advance(.milliseconds(1))
        #expect(try await merger.releaseNow() == 1, "released at max_delay although Monitor is behind")
        #expect(try await Self.released(journal).map(\.0) == ["ES-1"])

        // A Monitor event older than what went out arrives afterwards: released at once, late.
        let old = Self.event("AE-1", at: clock.now.subtracting(.seconds(30)), origin: .monitor)
        try await journal.append([old], receivedAt: clock.now)
        await merger.journalChanged(.init(receivedAt: clock.now, newest: old.time))
        #expect(try await merger.releaseNow() == 1)
        #expect(try await Self.released(journal).map { "\($0.0):\($0.1)" } == ["ES-1:false", "AE-1:true"])
        await journal.close()
    }

    @Test("the clean stop releases everything, also what no watermark or bound would release yet")
    func releaseEverything() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        let clock = ManualClock()
        let merger = try await Merger(journal: journal, sources: [.monitor], maxHold: .seconds(120), maxDelay: .seconds(1),
                                      outputs: [], clock: clock.clock, logger: Self.logger)
        let events = (0..<5).map { Self.event("E\($0)", at: clock.now.adding(.seconds(Int64($0) * 10)), origin: .monitor) }
        try await journal.append(events, receivedAt: clock.now)
        await merger.journalChanged(.init(receivedAt: clock.now, newest: events.last!.time))
        #expect(try await merger.releaseNow() == 0, "nothing due: no watermark, and the bound has not passed")
        #expect(try await merger.releaseEverything() == 5)
        #expect(try await Self.released(journal).map(\.0) == ["E0", "E1", "E2", "E3", "E4"], "in time order")
        #expect(try await journal.stats().pending == 0)
        await journal.close()
    }

    @Test("events left waiting by an earlier run are due as if they had arrived then")
    func restartWithPending() async throws {
        let dir = TestDirectory()
        let clock = ManualClock()
        var journal = try Journal(directory: dir.path)
        let waiting = Self.event("E-waiting", at: clock.now)
        try await journal.append([waiting], receivedAt: clock.now)
        await journal.close()

        clock.advance(.seconds(5))
        journal = try Journal(directory: dir.path)
        let merger = try await Merger(journal: journal, sources: [.monitor, .eventStreams], maxHold: .seconds(120), maxDelay: .seconds(1),
                                      outputs: [], clock: clock.clock, logger: Self.logger)
        #expect(await merger.currentDelay() == .seconds(5))
        #expect(try await merger.releaseNow() == 1, "due at once: it arrived 5 s ago")
        await journal.close()
    }

    @Test("with every watermark past an event it goes out at once, without waiting for the bound")
    func watermarksFirst() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        let clock = ManualClock()
        let merger = try await Merger(journal: journal, sources: [.monitor, .eventStreams], maxHold: .seconds(120), maxDelay: .seconds(30),
                                      outputs: [], clock: clock.clock, logger: Self.logger)
        let event = Self.event("E-1", at: clock.now.subtracting(.seconds(2)))
        try await journal.append([event], receivedAt: clock.now)
        await merger.journalChanged(.init(receivedAt: clock.now, newest: event.time))
        await merger.report(.monitor, watermark: clock.now)
        #expect(try await merger.releaseNow() == 0, "Event Streams has not reported")
        await merger.report(.eventStreams, watermark: clock.now.subtracting(.seconds(1)))
        #expect(try await merger.releaseNow() == 1)
        await journal.close()
    }
}
