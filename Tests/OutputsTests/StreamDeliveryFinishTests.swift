import ForwarderCore
import TestSupport
import Testing
@testable import Outputs

/// How a stream output's `finish` ends its connection, decided by ``StreamDelivery`` against a
/// scripted collector on a timeline (milliseconds from when finish begins). Batches 10, 20 and
/// 30 (10 records each, ending at byte 1000, 2000 and 3000) were written 2000, 500 and 100 ms
/// before finish began; the confirm delay is 1 s and the finish timeout 5 s unless a case says
/// otherwise.
@Suite("Stream delivery at finish, decided")
struct StreamDeliveryFinishTests {
    /// How a collector ends the connection: `after` ms (from finish's start, or from this side's
    /// close for an answer), in `phase`, with or without TLS close_notify.
    struct Ending: Sendable {
        var after: Int64
        var phase: ConnectionState.Phase
        var closeNotify = false
    }

    /// A collector as `finish` sees it.
    struct Collector: Sendable {
        /// The phase when finish begins; anything but open stays so.
        var before = ConnectionState.Phase.open
        /// (from ms, bytes): what the kernel says it acknowledged from then on (0 before the first);
        /// nil for a system that does not say.
        var acknowledges: [(Int64, Int64)]? = [(0, 1000)]
        /// How it ends the connection on its own.
        var closes: Ending?
        /// How it answers this side's close.
        var answers: Ending?

        func ending(at ms: Int64, outputClosedAt: Int64?) -> Ending? {
            var endings: [(Int64, Ending)] = []
            if let closes { endings.append((closes.after, closes)) }
            if let answers, let outputClosedAt { endings.append((outputClosedAt + answers.after, answers)) }
            return endings.filter { $0.0 <= ms }.min { $0.0 < $1.0 }?.1
        }

        func phase(at ms: Int64, outputClosedAt: Int64?) -> ConnectionState.Phase {
            if before != .open { return before }
            return ending(at: ms, outputClosedAt: outputClosedAt)?.phase ?? .open
        }

        /// When the phase next changes after `ms`, if it does.
        func change(after ms: Int64, outputClosedAt: Int64?) -> Int64? {
            guard before == .open else { return nil }
            let times = [closes?.after, answers.flatMap { answer in outputClosedAt.map { $0 + answer.after } }].compactMap { $0 }
            return times.filter { $0 > ms }.min()
        }

        func read(at ms: Int64, outputClosedAt: Int64?) -> StreamDelivery.Acknowledgement {
            switch phase(at: ms, outputClosedAt: outputClosedAt) {
            case .closed, .failed: return .failed("Bad file descriptor")
            case .open, .peerClosed: break
            }
            guard let acknowledges else { return .unknown }
            return .bytes(acknowledges.last { $0.0 <= ms }?.1 ?? 0)
        }
    }

    /// One case of the table.
    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var collector: Collector
        var written = true
        var confirmDelay = Duration.seconds(1)
        var finishTimeout = Duration.seconds(5)
        var commit: Int64?
        var forgotten: Int
        var ended: StreamDelivery.Ended?
        var closesOutput = true
    }

    static let tail: [(Int64, Int64)] = [(0, 1000), (30, 3000)]

    static let cases: [Case] = [
        Case(testDescription: "nothing unconfirmed: the connection is closed at once", collector: Collector(), written: false,
             commit: nil, forgotten: 0, closesOutput: false),
        Case(testDescription: "the tail is acknowledged, then the collector answers with close_notify: everything is committed",
             collector: Collector(acknowledges: tail, answers: Ending(after: 5, phase: .closed, closeNotify: true)), commit: 30, forgotten: 0),
        Case(testDescription: "the tail is acknowledged, then a plain close: the last read covers everything",
             collector: Collector(acknowledges: tail, answers: Ending(after: 5, phase: .closed)), commit: 30, forgotten: 0),
        Case(testDescription: "time is up before the tail is acknowledged, and the collector answers this side's close_notify with its own: it read everything before it",
             collector: Collector(answers: Ending(after: 0, phase: .closed, closeNotify: true)), commit: 30, forgotten: 0),
        Case(testDescription: "time is up before the tail is acknowledged, and the collector closes plainly: only what the last read covers",
             collector: Collector(answers: Ending(after: 0, phase: .closed)), commit: 10, forgotten: 20),
        Case(testDescription: "the collector closes its side during the wait: what it acknowledged is committed, the rest is sent again on the next start",
             collector: Collector(acknowledges: [(0, 1000), (1000, 2000)], closes: Ending(after: 2000, phase: .peerClosed)), commit: 20, forgotten: 10),
        Case(testDescription: "the collector closes its side after this side's close: what it acknowledged, it read",
             collector: Collector(acknowledges: tail, answers: Ending(after: 10, phase: .peerClosed)), commit: 30, forgotten: 0),
        Case(testDescription: "the collector keeps its side open past the finish timeout having acknowledged everything: everything is committed",
             collector: Collector(acknowledges: tail), commit: 30, forgotten: 0),
        Case(testDescription: "the collector keeps its side open past the finish timeout with the tail unacknowledged: the usual rule at that time",
             collector: Collector(acknowledges: [(0, 2000)]), commit: 20, forgotten: 10),
        Case(testDescription: "a confirm delay longer than the finish timeout: a collector that acknowledged everything has everything committed",
             collector: Collector(acknowledges: tail), confirmDelay: .seconds(10), finishTimeout: .seconds(1), commit: 30, forgotten: 0),
        Case(testDescription: "a confirm delay longer than the finish timeout: an unacknowledged tail leaves everything to the next start",
             collector: Collector(acknowledges: [(0, 2000)]), confirmDelay: .seconds(10), finishTimeout: .seconds(1), commit: nil, forgotten: 30),
        Case(testDescription: "the connection fails while closing: the usual rule as of the start of finish",
             collector: Collector(acknowledges: tail, answers: Ending(after: 5, phase: .failed("Connection reset by peer"))),
             commit: 10, forgotten: 20, ended: .failedWhileClosing("Connection reset by peer")),
        Case(testDescription: "the connection had failed before finish: nothing more is confirmed",
             collector: Collector(before: .failed("Connection reset by peer"), acknowledges: [(0, 3000)]),
             commit: nil, forgotten: 30, ended: .beforeClosing(.failed("Connection reset by peer")), closesOutput: false),
        Case(testDescription: "the connection had closed before finish: nothing more is confirmed",
             collector: Collector(before: .closed, acknowledges: [(0, 3000)]), commit: nil, forgotten: 30, ended: .beforeClosing(.closed), closesOutput: false),
        Case(testDescription: "the collector had closed its side before finish: what it acknowledged is committed at once",
             collector: Collector(before: .peerClosed, acknowledges: [(0, 2000)]), commit: 20, forgotten: 10, closesOutput: false),
        Case(testDescription: "a system that does not say what was acknowledged: nothing is committed unless TLS ends with close_notify",
             collector: Collector(acknowledges: nil), commit: nil, forgotten: 30),
        Case(testDescription: "a system that does not say what was acknowledged, and the collector answers with close_notify: everything is committed",
             collector: Collector(acknowledges: nil, answers: Ending(after: 0, phase: .closed, closeNotify: true)), commit: 30, forgotten: 0),
    ]

    @Test("how finish ends the connection", arguments: cases)
    func finish(_ row: Case) throws {
        var delivery = StreamDeliveryTests.sending(row.written ? [(10, 1000, -2000), (20, 2000, -500), (30, 3000, -100)] : [],
                                                   confirmDelay: row.confirmDelay, finishTimeout: row.finishTimeout)
        let collector = row.collector
        var now: Int64 = 0
        var outputClosedAt: Int64?
        var step = delivery.finishing(at: StreamDeliveryTests.at(0))
        var finished: StreamDelivery.Finished?
        var closes = 0
        for _ in 0..<10_000 where finished == nil {
            switch step {
            case .readAcknowledgement:
                step = delivery.finishAcknowledged(collector.read(at: now, outputClosedAt: outputClosedAt),
                                                   link: collector.phase(at: now, outputClosedAt: outputClosedAt), at: StreamDeliveryTests.at(now))
            case .wait(let limit):
                // The wait ends early when the connection ends.
                if collector.phase(at: now, outputClosedAt: outputClosedAt) == .open {
                    let end = now + limit.milliseconds
                    now = min(end, collector.change(after: now, outputClosedAt: outputClosedAt) ?? end)
                }
                step = delivery.finishObserved(link: collector.phase(at: now, outputClosedAt: outputClosedAt),
                                               closeNotify: collector.ending(at: now, outputClosedAt: outputClosedAt)?.closeNotify ?? false,
                                               at: StreamDeliveryTests.at(now))
            case .closeOutput:
                closes += 1
                outputClosedAt = now
                step = delivery.finishObserved(link: collector.phase(at: now, outputClosedAt: outputClosedAt),
                                               closeNotify: collector.ending(at: now, outputClosedAt: outputClosedAt)?.closeNotify ?? false,
                                               at: StreamDeliveryTests.at(now))
            case .done(let done):
                finished = done
            }
        }
        #expect(try #require(finished) == StreamDelivery.Finished(commit: row.commit, forgotten: row.forgotten, ended: row.ended))
        #expect(closes == (row.closesOutput ? 1 : 0))
        #expect(now <= (row.finishTimeout + StreamDelivery.closePoll).milliseconds, "finish took \(now) ms")
        #expect(delivery.state == .idle)
        #expect(delivery.unconfirmedRecords == 0)
    }

    @Test("finish without a connection has nothing to do")
    func finishIdle() {
        var delivery = StreamDeliveryTests.delivery()
        #expect(delivery.finishing(at: StreamDeliveryTests.at(0)) == .done(StreamDelivery.Finished(commit: nil, forgotten: 0)))
    }

    @Test("finish polls the tail's acknowledgement every 10 ms until it is complete, then closes its side")
    func tailPolling() {
        var delivery = StreamDeliveryTests.sending()
        #expect(delivery.finishing(at: StreamDeliveryTests.at(5000)) == .readAcknowledgement)
        #expect(delivery.finishAcknowledged(.bytes(2000), link: .open, at: StreamDeliveryTests.at(5000)) == .wait(.milliseconds(10)))
        #expect(delivery.finishObserved(link: .open, closeNotify: false, at: StreamDeliveryTests.at(5010)) == .readAcknowledgement)
        #expect(delivery.finishAcknowledged(.failed("Resource temporarily unavailable"), link: .open, at: StreamDeliveryTests.at(5010)) == .wait(.milliseconds(10)),
                "a failed read keeps the last count")
        #expect(delivery.finishObserved(link: .open, closeNotify: false, at: StreamDeliveryTests.at(5020)) == .readAcknowledgement)
        #expect(delivery.finishAcknowledged(.bytes(3000), link: .open, at: StreamDeliveryTests.at(5020)) == .closeOutput)
        #expect(delivery.state == .finishing(StreamDelivery.Finishing(began: StreamDeliveryTests.at(5000), acknowledged: 3000, stage: .awaitingClose)))
    }
}
