import ForwarderCore

/// How many of one delivery's events were new to the journal and how many it already held.
package struct IngestOutcome: Sendable, Equatable {
    var inserted: Int
    var duplicates: Int

    init(inserted: Int, duplicates: Int) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}

/// The events of several deliveries merged for one journal transaction, and how to split the
/// transaction's result back per delivery. A pure value: no I/O.
package struct IngestBatch: Sendable {
    /// Each event once (by ``DedupIdentity``), first occurrence first: what the transaction inserts.
    private(set) var unique: [TwilioEvent] = []
    /// For each event of `unique`, the delivery it came from.
    private(set) var owners: [Int] = []
    /// Per delivery: events repeating one seen earlier in the same batch.
    private(set) var repeated: [Int]
    let deliveryCount: Int

    init(_ deliveries: [[TwilioEvent]]) {
        deliveryCount = deliveries.count
        repeated = Array(repeating: 0, count: deliveries.count)
        var seen = Set<DedupIdentity>()
        let total = deliveries.reduce(0) { $0 + $1.count }
        unique.reserveCapacity(total)
        owners.reserveCapacity(total)
        seen.reserveCapacity(total)
        for (delivery, events) in deliveries.enumerated() {
            for event in events {
                if seen.insert(event.dedupIdentity).inserted {
                    unique.append(event)
                    owners.append(delivery)
                } else {
                    repeated[delivery] += 1
                }
            }
        }
    }

    /// Whether splitting the result needs to know which keys the journal held before: only when
    /// several deliveries share the transaction.
    var needsPriorKeys: Bool { deliveryCount > 1 && !unique.isEmpty }

    /// Per-delivery outcomes. With one delivery the transaction's count is exact on its own;
    /// with several, `alreadyStored[i]` says whether `unique[i]` was in the journal before.
    func outcomes(inserted: Int, alreadyStored: [Bool]?) -> [IngestOutcome] {
        if deliveryCount == 1 {
            return [IngestOutcome(inserted: inserted, duplicates: unique.count - inserted + repeated[0])]
        }
        var outcomes = repeated.map { IngestOutcome(inserted: 0, duplicates: $0) }
        for (index, owner) in owners.enumerated() {
            if alreadyStored?[index] ?? false {
                outcomes[owner].duplicates += 1
            } else {
                outcomes[owner].inserted += 1
            }
        }
        return outcomes
    }
}
