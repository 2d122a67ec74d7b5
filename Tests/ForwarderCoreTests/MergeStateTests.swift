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
}
