import ForwarderCore
import TestSupport
import Testing
@testable import Outputs

/// The at-least-once rule of the TCP and TLS outputs as decisions over a value: no socket, no
/// collector, a timestamp for a clock. Three batches are written in most cases: sequence 10, 20
/// and 30 (10 records each), ending at byte 1000, 2000 and 3000 of the connection, written at
/// 0, 200 and 400 ms; the confirm delay is 1 s and the back-off starts at 1 s, doubling to 8 s.
/// Generated runs of writes, acknowledgements and checks then hold the rule to its promise.
@Suite("Stream delivery, decided")
struct StreamDeliveryTests {
    typealias Action = StreamDelivery.Action
    typealias Resend = StreamDelivery.Resend

    static let t0 = Timestamp(epochMilliseconds: 1_800_000_000_000)

    /// `ms` milliseconds after t0.
    static func at(_ ms: Int64) -> Timestamp {
        t0.adding(.milliseconds(ms))
    }

    static func delivery(confirmDelay: Duration = .seconds(1), finishTimeout: Duration = .seconds(5), boundedStop: Bool = true) -> StreamDelivery {
        StreamDelivery(confirmDelay: confirmDelay, finishTimeout: finishTimeout, boundedStop: boundedStop,
                       reconnect: Backoff(initial: .seconds(1), maximum: .seconds(8), jitter: 0))
    }

    /// Connected, with the batches `written` as (sequence, bytes after, written at ms), 10 records each.
    static func sending(_ written: [(Int64, Int64, Int64)] = [(10, 1000, 0), (20, 2000, 200), (30, 3000, 400)],
                        confirmDelay: Duration = .seconds(1), finishTimeout: Duration = .seconds(5)) -> StreamDelivery {
        var delivery = delivery(confirmDelay: confirmDelay, finishTimeout: finishTimeout)
        delivery.connected()
        for (sequence, bytes, ms) in written {
            delivery.written(StreamDelivery.Batch(sequence: sequence, count: 10), bytesAfter: bytes, at: at(ms))
        }
        return delivery
    }

    /// A check at `ms` on an open connection, answered with `acknowledgement` when it asks; what
    /// it ends with.
    static func check(_ delivery: inout StreamDelivery, at ms: Int64, _ acknowledgement: StreamDelivery.Acknowledgement) -> Action? {
        let action = delivery.check(link: .open, at: at(ms))
        guard action == .readAcknowledgement else { return action }
        return delivery.acknowledged(acknowledgement, link: .open, at: at(ms))
    }

    // MARK: Confirming

    @Test("a batch is committed only once the acknowledgement covers it and the connection stayed up for the confirm delay after its write", arguments: [
        // (check at ms, what the kernel says, expected commit, records still unconfirmed)
        (999, StreamDelivery.Acknowledgement.bytes(3000), Int64?.none, 30),  // nothing is old enough: no read at all
        (1000, .bytes(0), nil, 30),
        (1000, .bytes(999), nil, 30),
        (1000, .bytes(1000), 10, 20),
        (1000, .bytes(3000), 10, 20),  // all acknowledged, only the first old enough
        (1199, .bytes(3000), 10, 20),
        (1200, .bytes(3000), 20, 10),
        (1400, .bytes(1500), 10, 20),  // partly acknowledged
        (1400, .bytes(2999), 20, 10),
        (1400, .bytes(3000), 30, 0),
        (60_000, .bytes(2000), 20, 10),  // time alone confirms nothing
        (1400, .unknown, 30, 0),  // a system that does not say: the confirm delay alone
    ])
    func confirmRule(ms: Int64, acknowledgement: StreamDelivery.Acknowledgement, commit: Int64?, left: Int) {
        var delivery = Self.sending()
        if ms < 1000 {
            #expect(delivery.check(link: .open, at: Self.at(ms)) == nil, "no read before the oldest batch is a confirm delay old")
        }
        #expect(Self.check(&delivery, at: ms, acknowledgement) == commit.map { .commit(upTo: $0) })
        #expect(delivery.unconfirmedRecords == left)
        #expect(delivery.committed == commit ?? 0)
        #expect(delivery.state == .sending)
    }

    @Test("partial acknowledgements confirm the batches in order, each once, and the position only moves forward")
    func partialAcknowledgements() {
        var delivery = Self.sending()
        var commits: [Int64] = []
        for (ms, bytes) in [(1400, 500), (1500, 1000), (1600, 1000), (1700, 2500), (1800, 2999), (1900, 3000), (2000, 3000)] as [(Int64, Int64)] {
            if case .commit(let sequence) = Self.check(&delivery, at: ms, .bytes(bytes)) { commits.append(sequence) }
        }
        #expect(commits == [10, 20, 30])
        #expect(delivery.unconfirmedRecords == 0)
        #expect(delivery.check(link: .open, at: Self.at(3000)) == nil, "nothing left to read an acknowledgement for")
    }

    @Test("a confirmed batch below the recovered position commits nothing: the position never moves back")
    func committedNeverMovesBack() {
        var delivery = Self.sending()
        #expect(delivery.recovered(committed: 100) == 30)
        delivery.written(StreamDelivery.Batch(sequence: 90, count: 10), bytesAfter: 4000, at: Self.at(500))
        #expect(Self.check(&delivery, at: 1500, .bytes(4000)) == nil)
        #expect(delivery.unconfirmedRecords == 0)
        #expect(delivery.committed == 100)
    }

    // MARK: Connections that end

    @Test("a check on a connection that ended: a clean close by the collector confirms what it acknowledged at once, anything else confirms nothing", arguments: [
        // (phase at the check, batches written, what a read says, what the check ends with)
        (ConnectionState.Phase.closed, true, StreamDelivery.Acknowledgement?.none,
         Action.close(.resend(Resend(kind: .connectionLost, reason: "connection closed", unconfirmed: 30, forgotten: 30, from: 0, reconnectAfter: .seconds(1))))),
        (.closed, false, nil, .close(.reconnect(reason: "connection closed"))),
        (.failed("Connection reset by peer"), true, nil,
         .close(.resend(Resend(kind: .connectionLost, reason: "Connection reset by peer", unconfirmed: 30, forgotten: 30, from: 0, reconnectAfter: .seconds(1))))),
        (.failed("Connection reset by peer"), false, nil, .close(.reconnect(reason: "Connection reset by peer"))),
        (.peerClosed, true, .bytes(3000), .commitAndClose(upTo: 30, .reconnect(reason: "it closed the connection"))),
        (.peerClosed, true, .bytes(2000),
         .commitAndClose(upTo: 20, .resend(Resend(kind: .peerClosed, reason: "it closed the connection", unconfirmed: 10, forgotten: 10, from: 20,
                                                  reconnectAfter: .seconds(1))))),
        (.peerClosed, true, .bytes(999),
         .close(.resend(Resend(kind: .peerClosed, reason: "it closed the connection", unconfirmed: 30, forgotten: 30, from: 0, reconnectAfter: .seconds(1))))),
        (.peerClosed, true, .unknown,
         .close(.resend(Resend(kind: .peerClosed, reason: "it closed the connection", unconfirmed: 30, forgotten: 30, from: 0, reconnectAfter: .seconds(1))))),
        (.peerClosed, true, .failed("Bad file descriptor"),
         .close(.resend(Resend(kind: .peerClosed, reason: "it closed the connection", unconfirmed: 30, forgotten: 30, from: 0, reconnectAfter: .seconds(1))))),
        (.peerClosed, false, .bytes(0), .close(.reconnect(reason: "it closed the connection"))),
    ])
    func endedConnection(phase: ConnectionState.Phase, written: Bool, acknowledgement: StreamDelivery.Acknowledgement?, expected: Action) {
        var delivery = written ? Self.sending() : Self.sending([])
        // 500 ms: within the confirm delay of every batch.
        var action = delivery.check(link: phase, at: Self.at(500))
        if let acknowledgement {
            #expect(action == .readAcknowledgement)
            action = delivery.acknowledged(acknowledgement, link: phase, at: Self.at(500))
        }
        #expect(action == expected)
        #expect(delivery.state == .idle)
        #expect(delivery.unconfirmedRecords == 0)
    }

    @Test("a connection that ends while its acknowledgement is read is judged by what it is afterwards", arguments: [
        // (what the read says, phase after it, what follows)
        (StreamDelivery.Acknowledgement.bytes(3000), ConnectionState.Phase.peerClosed, [Action.readAcknowledgement,
                                                                                        .commitAndClose(upTo: 30, .reconnect(reason: "it closed the connection"))]),
        (.bytes(3000), .failed("Connection reset by peer"),
         [.close(.resend(Resend(kind: .connectionLost, reason: "Connection reset by peer", unconfirmed: 30, forgotten: 30, from: 0, reconnectAfter: .seconds(1))))]),
        (.bytes(3000), .closed,
         [.close(.resend(Resend(kind: .connectionLost, reason: "connection closed", unconfirmed: 30, forgotten: 30, from: 0, reconnectAfter: .seconds(1))))]),
        (.failed("Connection reset by peer"), .open,
         [.close(.resend(Resend(kind: .connectionLost, reason: "Connection reset by peer", unconfirmed: 30, forgotten: 30, from: 0, reconnectAfter: .seconds(1))))]),
    ])
    func endsDuringRead(acknowledgement: StreamDelivery.Acknowledgement, after: ConnectionState.Phase, expected: [Action]) {
        var delivery = Self.sending()
        #expect(delivery.check(link: .open, at: Self.at(1400)) == .readAcknowledgement)
        var actions: [Action] = []
        var next = delivery.acknowledged(acknowledgement, link: after, at: Self.at(1400))
        while let action = next {
            actions.append(action)
            next = action == .readAcknowledgement ? delivery.acknowledged(acknowledgement, link: after, at: Self.at(1400)) : nil
        }
        #expect(actions == expected)
    }

    @Test("however the connection is lost, the output restarts from the committed position and everything after it is sent again", arguments: [
        "a failed check", "a reset while reading", "the collector closing", "a failed write", "an ended connection found by the next write",
    ])
    func resendFromCommitted(loss: String) throws {
        var delivery = Self.sending()
        // 10 is confirmed; 20 and 30 are acknowledged into the collector's buffer but young.
        #expect(Self.check(&delivery, at: 1000, .bytes(3000)) == .commit(upTo: 10))
        delivery.written(StreamDelivery.Batch(sequence: 40, count: 10), bytesAfter: 4000, at: Self.at(1100))
        let resend: Resend?
        switch loss {
        case "a failed check":
            resend = Self.resend(delivery.check(link: .failed("Connection timed out"), at: Self.at(1150)))
        case "a reset while reading":
            #expect(delivery.check(link: .open, at: Self.at(1250)) == .readAcknowledgement)
            resend = Self.resend(delivery.acknowledged(.failed("Connection reset by peer"), link: .failed("Connection reset by peer"), at: Self.at(1250)))
        case "the collector closing":
            #expect(delivery.check(link: .peerClosed, at: Self.at(1150)) == .readAcknowledgement)
            resend = Self.resend(delivery.acknowledged(.bytes(1000), link: .peerClosed, at: Self.at(1150)))
        case "a failed write":
            delivery.written(StreamDelivery.Batch(sequence: 50, count: 10), bytesAfter: 5000, at: Self.at(1150))
            let failed = delivery.writeFailed(StreamDelivery.Batch(sequence: 60, count: 10), reason: "Broken pipe")
            #expect(failed.forgotten == 40, "the failed batch was never written")
            #expect(failed.unconfirmed == 50)
            resend = failed
        default:
            guard case .close(let close) = delivery.connectionWanted(link: .failed("Connection reset by peer"), shuttingDown: false) else {
                Issue.record("an ended connection is closed before a new one is opened")
                return
            }
            resend = Self.resend(.close(close))
        }
        let lost = try #require(resend)
        #expect(lost.from == 10)
        #expect(lost.forgotten >= 30)
        #expect(delivery.state == .idle)
        #expect(delivery.unconfirmedRecords == 0)
        // The output service recovers from the journal's position, which is the one committed.
        #expect(delivery.recovered(committed: lost.from) == 0)
        #expect(delivery.connectionWanted(link: .closed, shuttingDown: false) == .connect(interruptible: true))
    }

    static func resend(_ action: Action?) -> Resend? {
        switch action {
        case .close(.resend(let resend)), .commitAndClose(_, .resend(let resend)): resend
        default: nil
        }
    }

    @Test("recovering forgets what is unconfirmed, keeps an open connection, and sets the position a later loss resends from")
    func recovering() {
        var delivery = Self.sending()
        #expect(delivery.recovered(committed: 7) == 30)
        #expect(delivery.state == .sending)
        #expect(delivery.unconfirmedRecords == 0)
        #expect(delivery.connectionWanted(link: .open, shuttingDown: false) == .use)
        delivery.written(StreamDelivery.Batch(sequence: 17, count: 10), bytesAfter: 4000, at: Self.at(600))
        #expect(Self.resend(delivery.check(link: .closed, at: Self.at(700)))?.from == 7)
    }

    // MARK: Connecting

    @Test("what a write that needs a connection does", arguments: [
        // (connected, phase, batches written, shutting down, bounded stop, expected)
        (false, ConnectionState.Phase.closed, false, false, true, StreamDelivery.ConnectStep.connect(interruptible: true)),
        (false, .closed, false, false, false, .connect(interruptible: false)),
        (false, .closed, false, true, true, .refuse),
        (false, .closed, false, true, false, .connect(interruptible: false)),  // run --once delivers everything
        (true, .open, true, false, true, .use),
        (true, .open, true, true, true, .use),  // an open connection is used while stopping
        (true, .peerClosed, false, false, true, .close(.reconnect(reason: "it closed the connection"))),
        (true, .closed, false, true, true, .close(.reconnect(reason: "connection closed"))),
        (true, .failed("Connection reset by peer"), true, false, true,
         .close(.resend(Resend(kind: .connectionLost, reason: "Connection reset by peer", unconfirmed: 30, forgotten: 30, from: 0, reconnectAfter: .seconds(1))))),
    ])
    func connecting(connected: Bool, phase: ConnectionState.Phase, written: Bool, shuttingDown: Bool, boundedStop: Bool,
                    expected: StreamDelivery.ConnectStep) {
        var delivery = Self.delivery(boundedStop: boundedStop)
        if connected {
            delivery.connected()
            if written { delivery.written(StreamDelivery.Batch(sequence: 30, count: 30), bytesAfter: 3000, at: Self.at(0)) }
        }
        #expect(delivery.connectionWanted(link: phase, shuttingDown: shuttingDown) == expected)
        if case .close = expected {
            #expect(delivery.connectionWanted(link: .closed, shuttingDown: shuttingDown) == (shuttingDown ? .refuse : .connect(interruptible: true)),
                    "once it is closed, a new one is opened unless stopping")
        }
    }

    @Test("the reconnect back-off grows with each failure that costs records or a connect, and starts over once something is confirmed")
    func backoff() throws {
        var delivery = Self.delivery()
        #expect(delivery.connectFailed() == .seconds(1))
        #expect(delivery.connectFailed() == .seconds(2))
        delivery.connected()
        delivery.written(StreamDelivery.Batch(sequence: 10, count: 10), bytesAfter: 1000, at: Self.at(0))
        #expect(Self.resend(delivery.check(link: .failed("Connection reset by peer"), at: Self.at(10)))?.reconnectAfter == .seconds(4))
        #expect(delivery.connectFailed() == .seconds(8))
        #expect(delivery.connectFailed() == .seconds(8), "at most the maximum")

        delivery.connected()
        #expect(delivery.check(link: .closed, at: Self.at(20)) == .close(.reconnect(reason: "connection closed")), "nothing lost: no back-off")
        delivery.connected()
        delivery.written(StreamDelivery.Batch(sequence: 10, count: 10), bytesAfter: 1000, at: Self.at(0))
        delivery.written(StreamDelivery.Batch(sequence: 20, count: 10), bytesAfter: 2000, at: Self.at(1500))
        #expect(Self.check(&delivery, at: 1000, .bytes(2000)) == .commit(upTo: 10))
        #expect(Self.resend(delivery.check(link: .closed, at: Self.at(1600)))?.reconnectAfter == .seconds(1), "a confirmation starts the back-off over")
    }

    @Test("a shutdown cuts a blocked write after the finish timeout, unless the run delivers everything", arguments: [
        (true, Duration.seconds(5), Duration?.some(.seconds(5))),
        (true, .seconds(1), .seconds(1)),
        (false, .seconds(5), nil),
    ])
    func blockedWriteLimit(boundedStop: Bool, finishTimeout: Duration, expected: Duration?) {
        #expect(Self.delivery(finishTimeout: finishTimeout, boundedStop: boundedStop).blockedWriteLimit == expected)
    }

    // MARK: Deadlines

    @Test("the next check is due when the oldest batch's confirm delay ends, then every 100 ms; at once when the connection ended", arguments: [
        // (connected, batches written, phase, last check at ms, expected deadline in ms from t0; nil: none)
        (false, false, ConnectionState.Phase.closed, Int64?.none, Int64?.none),
        (true, false, .open, nil, nil),
        (true, true, .open, nil, 1000),
        (true, true, .open, 500, 1000),
        (true, true, .open, 1000, 1100),
        (true, true, .open, 1300, 1400),
        (true, false, .peerClosed, 300, 300),
        (true, true, .failed("Connection reset by peer"), 1300, 1300),
    ])
    func nextDeadline(connected: Bool, written: Bool, phase: ConnectionState.Phase, lastCheck: Int64?, expected: Int64?) {
        var delivery = written ? Self.sending() : Self.delivery()
        if connected, !written { delivery.connected() }
        if let lastCheck, delivery.check(link: .open, at: Self.at(lastCheck)) == .readAcknowledgement {
            _ = delivery.acknowledged(.bytes(0), link: .open, at: Self.at(lastCheck))
        }
        #expect(delivery.nextDeadline(link: phase) == expected.map(Self.at))
    }

    @Test("a connection that ended with nothing checked yet is due at once")
    func endedNeverChecked() {
        #expect(Self.sending().nextDeadline(link: .closed) == .distantPast)
    }

    // MARK: Generated

    @Test("2,000 generated runs: every commit is acknowledged and a confirm delay old, commits only grow, nothing committable is left, and a loss resends from the last commit")
    func generated() {
        for seed in 0..<2000 {
            var random = SeededRandom(seed: UInt64(seed))
            let confirmDelay = Int64(random.below(2000))
            var delivery = Self.delivery(confirmDelay: .milliseconds(confirmDelay))
            delivery.connected()
            var now: Int64 = 0
            var sent: Int64 = 0
            var acked: Int64 = 0
            var sequence: Int64 = 0
            var committed: Int64 = 0
            var written: [(sequence: Int64, count: Int, bytes: Int64, at: Int64)] = []
            for _ in 0...random.below(40) {
                now += Int64(random.below(300))
                switch random.below(3) {
                case 0:
                    let count = random.below(50) + 1
                    sequence += Int64(count)
                    sent += Int64(random.below(5000) + 1)
                    delivery.written(StreamDelivery.Batch(sequence: sequence, count: count), bytesAfter: sent, at: Self.at(now))
                    written.append((sequence, count, sent, now))
                case 1:
                    acked = min(sent, acked + Int64(random.below(8000)))
                default:
                    let action = Self.check(&delivery, at: now, .bytes(acked))
                    if case .commit(let position) = action {
                        #expect(position > committed, "seed \(seed)")
                        let batch = written.first { $0.sequence == position }
                        #expect(batch.map { $0.bytes <= acked && $0.at + confirmDelay <= now } == true, "seed \(seed): \(position) committed early")
                        committed = position
                    } else {
                        #expect(action == nil, "seed \(seed)")
                    }
                    if let head = delivery.unconfirmed.first {
                        #expect(!(head.bytesAfter <= acked && head.writtenAt.adding(.milliseconds(confirmDelay)) <= Self.at(now)),
                                "seed \(seed): \(head.batch.sequence) could have been committed")
                    }
                }
            }
            let lost = written.filter { $0.sequence > committed }.reduce(0) { $0 + $1.count }
            let resend = Self.resend(delivery.check(link: .failed("Connection reset by peer"), at: Self.at(now)))
            if lost > 0 {
                #expect(resend?.from == committed && resend?.unconfirmed == lost, "seed \(seed)")
            } else {
                #expect(resend == nil, "seed \(seed)")
            }
        }
    }
}
