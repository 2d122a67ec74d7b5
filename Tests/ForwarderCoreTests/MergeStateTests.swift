import ForwarderCore
import Testing

@Suite("Merging sources by watermark")
struct MergeStateTests {
    @Test("a source that has not reported holds everything back until it stalls")
    func holdsForSilentSource() {
        let start = Timestamp(epochMilliseconds: 1_000_000)
        var state = MergeState(sources: [.monitor, .eventStreams], maxHold: .seconds(120), now: start)
        state.advance(.eventStreams, to: start, now: start)
        #expect(state.releasableFrontier(now: start) == .distantPast)
        let later = start.adding(.seconds(121))
        state.advance(.eventStreams, to: later, now: later)
        #expect(state.isStalled(.monitor, now: later))
        #expect(state.releasableFrontier(now: later) == later)
    }

    @Test("the frontier is the minimum watermark and never moves back")
    func minimumWatermark() {
        let now = Timestamp(epochMilliseconds: 10_000_000)
        var state = MergeState(sources: [.monitor, .eventStreams], maxHold: .seconds(120), now: now)
        state.advance(.monitor, to: now.subtracting(.seconds(600)), now: now)
        state.advance(.eventStreams, to: now.subtracting(.seconds(30)), now: now)
        #expect(state.releasableFrontier(now: now) == now.subtracting(.seconds(600)))
        state.didRelease(upTo: now.subtracting(.seconds(600)))
        state.advance(.monitor, to: now.subtracting(.seconds(900)), now: now)
        #expect(state.releasableFrontier(now: now) == now.subtracting(.seconds(600)))
    }

    @Test("random interleavings: output sorted except rows flagged late, nothing lost or duplicated", arguments: 0..<40)
    func property(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        let sourceCount = Int.random(in: 1...4, using: &rng)
        let sources = (0..<sourceCount).map { SourceID(rawValue: "s\($0)") }
        var clock = Timestamp(epochMilliseconds: 1_000_000)
        var state = MergeState(sources: sources, maxHold: .seconds(Int64.random(in: 5...60, using: &rng)), now: clock)
        var watermarks = Dictionary(uniqueKeysWithValues: sources.map { ($0, clock.subtracting(.seconds(100))) })
        var pending: [MergeKey] = []
        var all: Set<MergeKey> = []
        var output: [(key: MergeKey, late: Bool)] = []
        var counter = 0
        for _ in 0..<400 {
            clock = clock.adding(.milliseconds(Int64.random(in: 0...3000, using: &rng)))
            let source = sources.randomElement(using: &rng)!
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<6:
                // A row near the source's watermark; sometimes well behind it (a late arrival).
                let behind = Int64.random(in: 0...(Bool.random(using: &rng) ? 5000 : 200_000), using: &rng)
                let time = watermarks[source]!.subtracting(.milliseconds(behind)).adding(.milliseconds(Int64.random(in: 0...20_000, using: &rng)))
                counter += 1
                let row = MergeKey(time: time, key: "k\(counter)")
                pending.append(row)
                all.insert(row)
            case 6..<9:
                if Int.random(in: 0..<5, using: &rng) > 0 {  // some sources stall for a while
                    let next = watermarks[source]!.adding(.milliseconds(Int64.random(in: 0...4000, using: &rng)))
                    watermarks[source] = min(next, clock)
                    state.advance(source, to: watermarks[source]!, now: clock)
                }
            default:
                output += state.release(from: &pending, now: clock)
            }
        }
        clock = clock.adding(.seconds(3600))
        for source in sources { state.advance(source, to: clock, now: clock) }
        output += state.release(from: &pending, now: clock)

        #expect(pending.isEmpty)
        #expect(output.count == all.count)
        #expect(Set(output.map(\.key)) == all)
        var previous: MergeKey?
        for row in output where !row.late {
            if let previous { #expect(previous < row.key) }
            previous = row.key
        }
    }

    @Test("the delay bound releases what waited max_delay, whatever a source that is behind says", arguments: [
        // (monitor watermark behind now, arrival age, event age at arrival, expected: released up to the event?)
        (600, 0.5, 0.0, false),   // fresh delivery, inside the bound: held for ordering
        (600, 1.0, 0.0, true),    // waited max_delay: released although Monitor is 10 min behind
        (600, 5.0, 0.0, true),
        (600, 1.0, 90.0, true),   // an old Monitor page: released once it waited max_delay
        (0, 0.0, 0.0, true),      // every watermark is past it: released at once
    ])
    func delayBound(behind: Int64, arrivalAge: Double, eventAge: Double, released: Bool) {
        let now = Timestamp(epochMilliseconds: 50_000_000)
        var state = MergeState(sources: [.monitor, .eventStreams], maxHold: .seconds(120), maxDelay: .seconds(1), now: now)
        state.advance(.monitor, to: now.subtracting(.seconds(behind)), now: now)
        state.advance(.eventStreams, to: now, now: now)
        let receivedAt = now.subtracting(.milliseconds(Int64(arrivalAge * 1000)))
        let time = receivedAt.subtracting(.milliseconds(Int64(eventAge * 1000)))
        state.arrived(.init(receivedAt: receivedAt, newest: time))
        #expect((state.releasableFrontier(now: now) >= time) == released)
    }

    @Test("an event dated after its arrival waits for its time, not longer, and makes nothing else late before then")
    func futureEvent() {
        let now = Timestamp(epochMilliseconds: 50_000_000)
        var state = MergeState(sources: [.eventStreams], maxHold: .seconds(120), maxDelay: .seconds(1), now: now)
        state.advance(.eventStreams, to: now.subtracting(.seconds(30)), now: now)
        let dated = now.adding(.seconds(60))
        state.arrived(.init(receivedAt: now, newest: dated))
        let soon = now.adding(.seconds(2))
        #expect(state.releasableFrontier(now: soon) == soon, "the frontier stops at now")
        #expect(state.nextDeadline() == dated)
        #expect(state.releasableFrontier(now: dated) == dated)
        state.didRelease(upTo: dated)
        #expect(state.arrivals.isEmpty && state.nextDeadline() == nil)
    }

    @Test("the next deadline is the oldest waiting arrival's, and released arrivals are forgotten")
    func deadlines() {
        let now = Timestamp(epochMilliseconds: 50_000_000)
        var state = MergeState(sources: [.monitor], maxHold: .seconds(120), maxDelay: .seconds(2), now: now)
        state.arrived(.init(receivedAt: now.adding(.seconds(1)), newest: now.subtracting(.seconds(10))))
        state.arrived(.init(receivedAt: now, newest: now.subtracting(.seconds(20))))
        #expect(state.arrivals.map(\.receivedAt) == [now, now.adding(.seconds(1))], "kept in arrival order")
        #expect(state.nextDeadline() == now.adding(.seconds(2)))
        #expect(state.oldestWaiting == now)
        state.didRelease(upTo: now.subtracting(.seconds(15)))
        #expect(state.nextDeadline() == now.adding(.seconds(3)))
        state.didRelease(upTo: now)
        #expect(state.nextDeadline() == nil && state.oldestWaiting == nil)
    }

    @Test("random sources, delays and bounds: sorted except late rows, nothing lost or duplicated, nothing held past the bound",
          arguments: 0..<60)
    func boundedProperty(seed: UInt64) {
        var rng = SeededRandom(seed: seed &+ 1000)
        let sources = (0..<Int.random(in: 1...4, using: &rng)).map { SourceID(rawValue: "s\($0)") }
        var clock = Timestamp(epochMilliseconds: 1_000_000_000)
        let maxDelay = Duration.milliseconds(Int64.random(in: 100...5000, using: &rng))
        var state = MergeState(sources: sources, maxHold: .seconds(Int64.random(in: 5...600, using: &rng)), maxDelay: maxDelay, now: clock)
        var watermarks = Dictionary(uniqueKeysWithValues: sources.map { ($0, clock.subtracting(.seconds(100))) })
        var pending: [(key: MergeKey, arrived: Timestamp)] = []
        var all: Set<MergeKey> = []
        var output: [(key: MergeKey, late: Bool)] = []
        var counter = 0
        for _ in 0..<500 {
            clock = clock.adding(.milliseconds(Int64.random(in: 0...2000, using: &rng)))
            let source = sources.randomElement(using: &rng)!
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5:
                // A batch: event times from far behind (a Monitor page) to a little ahead (clock skew).
                let count = Int.random(in: 1...5, using: &rng)
                var newest = Timestamp.distantPast
                for _ in 0..<count {
                    let age = Int64.random(in: -3000...(Bool.random(using: &rng) ? 5000 : 300_000), using: &rng)
                    counter += 1
                    let row = MergeKey(time: clock.subtracting(.milliseconds(age)), key: "k\(counter)")
                    pending.append((row, clock))
                    all.insert(row)
                    newest = max(newest, row.time)
                }
                state.arrived(.init(receivedAt: clock, newest: newest))
            case 5..<8:
                let next = watermarks[source]!.adding(.milliseconds(Int64.random(in: 0...4000, using: &rng)))
                watermarks[source] = min(next, clock)
                state.advance(source, to: watermarks[source]!, now: clock)
            default:
                var keys = pending.map(\.key)
                output += state.release(from: &keys, now: clock)
                let left = Set(keys)
                // Nothing that waited the bound is still held, unless it is dated after now.
                for row in pending where left.contains(row.key) {
                    #expect(!(row.arrived.adding(maxDelay) <= clock && row.key.time <= clock), "seed \(seed): held past the bound")
                }
                pending.removeAll { !left.contains($0.key) }
            }
        }
        var keys = pending.map(\.key)
        output += state.release(from: &keys, now: clock, everything: true)
        #expect(keys.isEmpty, "a clean stop releases everything")
        #expect(output.count == all.count)
        #expect(Set(output.map(\.key)) == all)
        var previous: MergeKey?
        for row in output where !row.late {
            if let previous { #expect(previous < row.key) }
            previous = row.key
        }
    }
}

extension MergeState {
    /// What the journal's release does in SQL, over an in-memory set of pending rows, as the
    /// property tests' model: every row with `time <= releasableFrontier(now:)` (or every row, on a
    /// clean stop), in merge order, late rows flagged. Removes the released rows from `pending`.
    mutating func release(from pending: inout [MergeKey], now: Timestamp, everything: Bool = false) -> [(key: MergeKey, late: Bool)] {
        var target = releasableFrontier(now: now)
        if everything, let newest = pending.map(\.time).max() { target = max(target, newest) }
        var ready: [MergeKey] = []
        pending.removeAll { row in
            if row.time <= target {
                ready.append(row)
                return true
            }
            return false
        }
        ready.sort()
        let released = ready.map { (key: $0, late: isLate($0.time)) }
        didRelease(upTo: target)
        return released
    }
}
