/// Builds the deterministic Monitor history: `days × perDay` events spread over the `days`
/// days that end at `endSeconds`, oldest first, some sharing one timestamp, and a few at the
/// exact seconds either side of every UTC midnight (23:59:59 and 00:00:00) inside the range.
///
/// Timestamps are uniform order statistics (normalised exponential gaps, computed in two
/// passes so nothing but the records is stored); sids and attributes come from
/// `(seed, index)`. 1,000,000 events take a couple of seconds and 48 MB.
struct EventHistory {
    var seed: UInt64
    var days: Int
    var eventsPerDay: Int
    var endSeconds: Int64
    var sameTimestampFraction: Double

    func generate(catalog: EventCatalog) -> EventStore {
        let total = max(0, days) * max(0, eventsPerDay)
        guard total > 0 else { return EventStore(sortedHistory: [], nextIndex: 0) }
        let startSeconds = endSeconds - Int64(days) * CivilTime.secondsPerDay
        let lastSecond = endSeconds - 1

        let forced = boundaryTimestamps(start: startSeconds, last: lastSecond, total: total)
        let randomCount = total - forced.count
        let span = Double(lastSecond - startSeconds)

        // Pass 1: the sum of the gaps that move time forward.
        var gapSum = 0.0
        var shareRNG = SplitMix64(seed: seed, stream: RandomStream.historyTimes, index: 0)
        var gapRNG = SplitMix64(seed: seed, stream: RandomStream.historyTimes, index: 1)
        for _ in 0...randomCount {
            let shares = shareRNG.chance(sameTimestampFraction)
            let gap = gapRNG.nextExponential(mean: 1)
            if !shares { gapSum += gap }
        }
        let scale = gapSum > 0 ? span / gapSum : 0

        // Pass 2: the same draws, scaled to the span, merged with the boundary timestamps.
        shareRNG = SplitMix64(seed: seed, stream: RandomStream.historyTimes, index: 0)
        gapRNG = SplitMix64(seed: seed, stream: RandomStream.historyTimes, index: 1)
        var records: [EventRecord] = []
        records.reserveCapacity(total)
        var forcedIndex = 0
        var cursor = Double(startSeconds)
        var previous = startSeconds
        var index: UInt64 = 0

        func append(_ date: Int64) {
            let visibleAt = date &* 1000
            records.append(EventRecord.generate(index: index, seed: seed, date: date, visibleAtMs: visibleAt, catalog: catalog))
            index &+= 1
            // Keep ties ordered by sid (insertion sort within the run of equal timestamps).
            var position = records.count - 1
            while position > 0, records[position - 1].date == date, records[position].sid < records[position - 1].sid {
                records.swapAt(position, position - 1)
                position -= 1
            }
        }

        for _ in 0..<randomCount {
            let shares = shareRNG.chance(sameTimestampFraction)
            let gap = gapRNG.nextExponential(mean: 1)
            var date = previous
            if !shares || records.isEmpty {
                cursor += gap * scale
                date = min(lastSecond, max(startSeconds, Int64(cursor)))
            }
            while forcedIndex < forced.count, forced[forcedIndex] <= date {
                append(forced[forcedIndex])
                forcedIndex += 1
            }
            append(date)
            previous = date
        }
        while forcedIndex < forced.count {
            append(forced[forcedIndex])
            forcedIndex += 1
        }
        return EventStore(sortedHistory: records, nextIndex: index)
    }

    /// Several events at 23:59:59 and at 00:00:00 around every UTC midnight in the range.
    private func boundaryTimestamps(start: Int64, last: Int64, total: Int) -> [Int64] {
        guard eventsPerDay >= 20 else { return [] }
        var rng = SplitMix64(seed: seed, stream: RandomStream.historyTimes, index: 2)
        var result: [Int64] = []
        var midnight = CivilTime.startOfDay(start) + CivilTime.secondsPerDay
        while midnight <= last {
            let before = 2 + rng.nextInt(below: 3)
            let after = 2 + rng.nextInt(below: 3)
            if midnight - 1 >= start {
                result.append(contentsOf: repeatElement(midnight - 1, count: before))
            }
            result.append(contentsOf: repeatElement(midnight, count: after))
            midnight += CivilTime.secondsPerDay
        }
        return result.count <= total / 2 ? result : []
    }
}
