import ForwarderCore
import Journal

/// Where the receiver's group commit puts the events of a batch of deliveries, and which of them
/// were new: the journal in the forwarder, or nothing at all to measure what durability costs.
package protocol IngestStore: Sendable {
    /// Stores the batch; once this returns the events are as durable as the store makes them.
    func store(_ batch: IngestBatch, receivedAt: Timestamp) async throws -> [IngestOutcome]
}

/// The journal: one transaction (one fsync) per batch.
struct JournalIngestStore: IngestStore {
    let journal: Journal

    func store(_ batch: IngestBatch, receivedAt: Timestamp) async throws -> [IngestOutcome] {
        try await Self.store(batch, receivedAt: receivedAt, in: journal)
    }

    /// Runs on the journal's executor, so the look-ups and the transaction are one hop and nothing
    /// else reaches the journal between them. Look-ups are needed only to split a shared
    /// transaction's count per delivery (`Journal.append` returns one total).
    private static func store(_ batch: IngestBatch, receivedAt: Timestamp,
                              in journal: isolated Journal) throws(JournalError) -> [IngestOutcome] {
        var alreadyStored: [Bool]?
        if batch.needsPriorKeys {
            var stored: [Bool] = []
            stored.reserveCapacity(batch.unique.count)
            for event in batch.unique {
                stored.append(try journal.contains(event))
            }
            alreadyStored = stored
        }
        let result = try journal.append(batch.unique, receivedAt: receivedAt)
        return batch.outcomes(inserted: result.inserted, alreadyStored: alreadyStored)
    }

}

/// Keeps nothing and counts every event of a batch new: the receiver without its journal, for
/// `Benchmarks/ingest.sh` to compare durable ingest with. The forwarder never uses it.
package struct DiscardingIngestStore: IngestStore {
    package init() {}

    package func store(_ batch: IngestBatch, receivedAt: Timestamp) async throws -> [IngestOutcome] {
        batch.outcomes(inserted: batch.unique.count, alreadyStored: nil)
    }
}
