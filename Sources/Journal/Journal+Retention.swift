import ForwarderCore
import SQLite

extension Journal {
    /// Deletes up to `limit` events older than `cutoff` that every output in `outputs` has
    /// delivered; returns how many went. Undelivered or unreleased events are never pruned.
    package func prune(olderThan cutoff: Timestamp, outputs: [String], limit: Int = 10_000) throws(JournalError) -> Int {
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
            let select = try statement("""
                SELECT r.seq, r.event FROM releases r JOIN events e ON e.id = r.event
                WHERE r.seq <= ?2 AND e.time_ms < ?1 LIMIT ?3
                """)
            try select.bind(cutoff.epochMilliseconds, at: 1)
            try select.bind(delivered, at: 2)
            try select.bind(limit, at: 3)
            var doomed: [(seq: Int64, event: Int64)] = []
            while try select.step() {
                doomed.append((select.int64(at: 0), select.int64(at: 1)))
            }
            select.reset()
            let deleteEvent = try statement("DELETE FROM events WHERE id = ?1")
            let deleteRelease = try statement("DELETE FROM releases WHERE seq = ?1")
            for row in doomed {
                try deleteEvent.bind(row.event, at: 1)
                _ = try deleteEvent.step()
                deleteEvent.reset()
                try deleteRelease.bind(row.seq, at: 1)
                _ = try deleteRelease.step()
                deleteRelease.reset()
            }
            return doomed.count
        }
    }
}

extension Journal {
    /// Removes every event and its release bookkeeping, keeping checkpoints and output records,
    /// and gives the space back to the file system: a finished replay job keeps its record and
    /// days, not the gigabyte of events it staged.
    package func removeAllEvents() throws(JournalError) {
        try write("remove the staged events") {
            try db.execute("DELETE FROM pending; DELETE FROM releases; DELETE FROM events;")
        }
        do {
            try db.execute("VACUUM")
        } catch {
            throw JournalError("give the space of removed events back", path: path, error)
        }
    }
}
