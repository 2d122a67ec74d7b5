import ForwarderCore
import SQLite

extension Journal {
    /// The merger's stored progress.
    package func mergeProgress() throws(JournalError) -> MergeProgress {
        try read("read the merge progress") { try loadMergeProgress() }
    }

    func loadMergeProgress() throws -> MergeProgress {
        let query = try statement("SELECT frontier_ms, last_seq FROM merge_state WHERE id = 1")
        guard try query.step() else { return MergeProgress(frontier: .distantPast, lastSequence: 0) }
        return MergeProgress(frontier: Timestamp(epochMilliseconds: query.int64(at: 0)), lastSequence: query.int64(at: 1))
    }

    /// Assigns release sequence numbers to up to `limit` pending rows with `time <= target`,
    /// in `(time, dedup key)` order; rows with `time <= lateAtOrBefore` are flagged late. When
    /// no such pending row remains, `target` is stored as the new frontier — all in one
    /// transaction.
    package func release(upTo target: Timestamp, lateAtOrBefore: Timestamp, limit: Int) throws(JournalError) -> ReleaseBatch {
        try write("release events") {
            let progress = try loadMergeProgress()
            let select = try statement("""
                SELECT time_ms, dedup_key, event FROM pending WHERE time_ms <= ?1
                ORDER BY time_ms, dedup_key LIMIT ?2
                """)
            try select.bind(target.epochMilliseconds, at: 1)
            try select.bind(limit, at: 2)
            var rows: [(time: Int64, key: String, event: Int64)] = []
            while try select.step() {
                rows.append((select.int64(at: 0), select.string(at: 1) ?? "", select.int64(at: 2)))
            }
            select.reset()
            let insert = try statement("INSERT INTO releases (seq, event, late) VALUES (?1, ?2, ?3)")
            var sequence = progress.lastSequence
            var late = 0
            for row in rows {
                sequence += 1
                let isLate = row.time <= lateAtOrBefore.epochMilliseconds
                if isLate { late += 1 }
                try insert.bind(sequence, at: 1)
                try insert.bind(row.event, at: 2)
                try insert.bind(isLate ? 1 : 0, at: 3)
                _ = try insert.step()
                insert.reset()
            }
            if let last = rows.last {
                // Every pending row up to the last one released was released (they came in key order).
                let remove = try statement("DELETE FROM pending WHERE (time_ms, dedup_key) <= (?1, ?2)")
                try remove.bind(last.time, at: 1)
                try remove.bind(last.key, at: 2)
                _ = try remove.step()
                remove.reset()
            }
            let complete = rows.count < limit
            let frontier = complete ? max(progress.frontier, target) : progress.frontier
            let store = try statement("UPDATE merge_state SET frontier_ms = ?1, last_seq = ?2 WHERE id = 1")
            try store.bind(frontier.epochMilliseconds, at: 1)
            try store.bind(sequence, at: 2)
            _ = try store.step()
            return ReleaseBatch(released: rows.count, late: late, lastSequence: sequence, complete: complete)
        }
    }
}

extension Journal {
    /// What waits for release: when the oldest pending event arrived and the newest pending
    /// event time; nil when nothing waits. The merger's delay bound starts from it after a restart.
    package func pendingSummary() throws(JournalError) -> (oldestReceived: Timestamp, newest: Timestamp)? {
        try read("summarise pending events") {
            let query = try statement("SELECT min(e.received_ms), max(p.time_ms), count(*) FROM pending p JOIN events e ON e.id = p.event")
            guard try query.step(), query.int64(at: 2) > 0 else { return nil }
            return (Timestamp(epochMilliseconds: query.int64(at: 0)), Timestamp(epochMilliseconds: query.int64(at: 1)))
        }
    }
}
