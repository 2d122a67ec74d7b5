import ForwarderCore
import SQLite

extension Journal {
    /// Deletes up to `limit` events older than `cutoff` that every output in `outputs` has
    /// delivered; returns how many went. Undelivered or unreleased events are never pruned.
    public func prune(olderThan cutoff: Timestamp, outputs: [String], limit: Int = 10_000) throws(JournalError) -> Int {
        try write("prune old events") {
            var delivered = Int64.max
            let position = try statement("SELECT seq FROM output_positions WHERE output = ?1")
            for output in outputs {
                position.reset()
                try position.bind(output, at: 1)
                delivered = try position.step() ? min(delivered, position.int64(at: 0)) : 0
            }
            position.reset()
            if outputs.isEmpty { delivered = 0 }
            let delete = try statement("""
                DELETE FROM events WHERE id IN (
                    SELECT id FROM events WHERE time_ms < ?1 AND seq IS NOT NULL AND seq <= ?2 LIMIT ?3)
                """)
            try delete.bind(cutoff.epochMilliseconds, at: 1)
            try delete.bind(delivered, at: 2)
            try delete.bind(limit, at: 3)
            _ = try delete.step()
            return db.changes
        }
    }
}
