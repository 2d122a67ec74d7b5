import ForwarderCore
import Foundation
import SQLite

/// Salvages a damaged journal (`checkpoint repair`): copies every row SQLite can still read —
/// events, releases, cursors, the merge's progress, output positions and file records — into a
/// new journal, rebuilds what can be derived (the release queue), and swaps the new file in. The
/// damaged file is kept beside it as `journal.sqlite.damaged-<time>` (with its `-wal`), untouched.
///
/// Rows are read by rowid range; a range SQLite cannot read is halved until the unreadable rowids
/// are isolated, so one bad page costs only the rows on it.
public enum JournalRepair {
    /// What one table gave up.
    public struct TableReport: Sendable, Equatable {
        public var table: String
        public var copied: Int
        /// Rowid ranges that could not be read (each may or may not have held rows).
        public var unreadable: [ClosedRange<Int64>]
    }

    /// The outcome of a repair, for the command to print.
    public struct Report: Sendable {
        public var damagedCopy: String
        public var tables: [TableReport]
        /// Events whose release record was lost: released again, so an output may get them twice.
        public var releasedAgain: Int
        /// Outputs whose position could not be read: they start again from the beginning.
        public var outputsWithoutPosition: [String]
        public var cursorLost: Bool

        public var lines: [String] {
            var lines = tables.map { table in
                let gaps = table.unreadable.isEmpty
                    ? "" : ", unreadable rowids " + table.unreadable.prefix(5).map { "\($0.lowerBound)…\($0.upperBound)" }.joined(separator: ", ")
                        + (table.unreadable.count > 5 ? " and \(table.unreadable.count - 5) more ranges" : "")
                return "\(table.table): \(table.copied) rows copied\(gaps)"
            }
            if releasedAgain > 0 {
                lines.append("\(releasedAgain) events lost their release record and are released again: an output may receive them twice (same event.id)")
            }
            if cursorLost {
                lines.append("the Monitor cursor was unreadable: the poller starts again from start_from/backfill; events still in the journal are not forwarded twice")
            }
            for output in outputsWithoutPosition {
                lines.append("output \(output): its position was unreadable, so it starts again from the oldest event kept; use `checkpoint reset --output \(output) --to DATE` to skip what it already has")
            }
            lines.append("the damaged journal is kept as \(damagedCopy)")
            return lines
        }
    }

    /// The tables copied row by row, in order; `pending` is rebuilt from events and releases.
    static let copiedTables = ["events", "releases", "source_state", "merge_state", "output_positions", "output_files"]

    /// Repairs `directory/journal.sqlite`; `outputs` are the configured output names (to say
    /// which lost their position). The caller holds the state lock.
    public static func repair(directory: String, outputs: [String], now: Timestamp) throws(JournalError) -> Report {
        let path = StateDirectory.journalPath(in: directory)
        let scratch = path + ".repairing"
        let stamp = now.rfc3339.filter { $0.isNumber }.prefix(14)
        let damagedCopy = path + ".damaged-" + stamp
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(scratch + suffix) }
        var report = Report(damagedCopy: damagedCopy, tables: [], releasedAgain: 0, outputsWithoutPosition: [], cursorLost: false)
        do {
            let source = try SQLiteConnection(path: path, options: [.readOnly])
            defer { source.close() }
            let target = try SQLiteConnection(path: scratch)
            defer { target.close() }
            try JournalSchema.migrate(target, path: scratch)
            try target.execute("DELETE FROM merge_state")
            try target.transaction(.immediate) {
                for table in copiedTables {
                    report.tables.append(try copy(table, from: source, to: target))
                }
                report.releasedAgain = try rebuildDerivedState(target)
            }
            func damaged(_ table: String) -> Bool { report.tables.first { $0.table == table }?.unreadable.isEmpty == false }
            let cursors = try count(target, "SELECT count(*) FROM source_state WHERE source = 'monitor'")
            report.cursorLost = damaged("source_state") && cursors == 0
            if damaged("output_positions") {
                let query = try target.prepare("SELECT count(*) FROM output_positions WHERE output = ?1")
                report.outputsWithoutPosition = try outputs.filter { output in
                    query.reset()
                    try query.bind(output, at: 1)
                    return try query.step() && query.int64(at: 0) == 0
                }
            }
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError("be repaired", path: path, error)
        }
        // Swap: the damaged file (with its WAL) steps aside, the repaired one takes its name.
        do {
            try rename(path, damagedCopy)
            if FileManager.default.fileExists(atPath: path + "-wal") { try rename(path + "-wal", damagedCopy + "-wal") }
            unlink(path + "-shm")
            try rename(scratch, path)
            for suffix in ["-wal", "-shm"] { unlink(scratch + suffix) }
            try StateDirectory.prepare(directory)
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(operation: "be replaced by its repaired copy", path: path, underlying: "\(error)")
        }
        return report
    }

    private static func rename(_ from: String, _ to: String) throws {
        guard Foundation.rename(from, to) == 0 else {
            throw JournalError(operation: "be renamed to \(to)", path: from, underlying: String(cString: strerror(errno)))
        }
    }

    private static func count(_ db: SQLiteConnection, _ sql: String) throws -> Int64 {
        let query = try db.prepare(sql)
        return try query.step() ? query.int64(at: 0) : 0
    }


    /// The columns both versions of `table` have.
    private static func columns(_ table: String, _ source: SQLiteConnection, _ target: SQLiteConnection) throws -> [String] {
        func names(_ db: SQLiteConnection) throws -> [String] {
            let info = try db.prepare("PRAGMA table_info(\(table))")
            var names: [String] = []
            while try info.step() { names.append(info.string(at: 1) ?? "") }
            return names
        }
        let available = Set(try names(source))
        return try names(target).filter { available.contains($0) }
    }

    /// Copies every readable row of `table`, isolating unreadable rowid ranges by halving.
    static func copy(_ table: String, from source: SQLiteConnection, to target: SQLiteConnection) throws -> TableReport {
        var report = TableReport(table: table, copied: 0, unreadable: [])
        let columns = (try? Self.columns(table, source, target)) ?? []
        guard !columns.isEmpty else {
            report.unreadable.append(0...Int64.max)
            return report
        }
        let list = columns.joined(separator: ", ")
        let select = try source.prepare("SELECT \(list) FROM \(table) WHERE rowid >= ?1 AND rowid < ?2")
        let insert = try target.prepare("INSERT OR REPLACE INTO \(table) (\(list)) VALUES (\(columns.indices.map { "?\($0 + 1)" }.joined(separator: ", ")))")
        let highest: Int64
        if let max = try? count(source, "SELECT max(rowid) FROM \(table)") {
            highest = max
        } else {
            // The last page is unreadable: bound the rowids by what the file could hold.
            highest = ((try? count(source, "PRAGMA page_count")) ?? 1) * 256
        }
        guard highest > 0 else { return report }

        func read(_ low: Int64, _ high: Int64) -> [[SQLiteValue]]? {
            select.reset()
            do {
                try select.bind(low, at: 1)
                try select.bind(high, at: 2)
                var rows: [[SQLiteValue]] = []
                while try select.step() {
                    rows.append((0..<Int32(columns.count)).map { select.value(at: $0) })
                }
                select.reset()
                return rows
            } catch {
                select.reset()
                return nil
            }
        }
        func salvage(_ low: Int64, _ high: Int64) throws {
            if let rows = read(low, high) {
                for row in rows {
                    try insert.run(row)
                    report.copied += 1
                }
                return
            }
            guard high - low > 1 else {
                if let last = report.unreadable.last, last.upperBound == low - 1 {
                    report.unreadable[report.unreadable.count - 1] = last.lowerBound...low
                } else {
                    report.unreadable.append(low...low)
                }
                return
            }
            let middle = low + (high - low) / 2
            try salvage(low, middle)
            try salvage(middle, high)
        }
        let chunk: Int64 = 512
        var low: Int64 = 1
        while low <= highest {
            try salvage(low, min(low + chunk, highest + 1))
            low += chunk
        }
        return report
    }

    /// Drops releases of events that were lost, queues every event without a release again, and
    /// restores the merge's progress when its row was lost. Returns how many events are queued
    /// again although their release may have been delivered.
    static func rebuildDerivedState(_ db: SQLiteConnection) throws -> Int {
        try db.execute("DELETE FROM releases WHERE event NOT IN (SELECT id FROM events)")
        try db.execute("""
            INSERT OR IGNORE INTO pending (time_ms, dedup_key, event)
            SELECT time_ms, dedup_key, id FROM events WHERE id NOT IN (SELECT event FROM releases)
            """)
        let queued = try count(db, "SELECT count(*) FROM pending")
        let lastSequence = try count(db, "SELECT coalesce(max(seq), 0) FROM releases")
        if try count(db, "SELECT count(*) FROM merge_state") == 0 {
            let frontier = try count(db, "SELECT coalesce(max(e.time_ms), -4611686018427387904) FROM releases r JOIN events e ON e.id = r.event")
            try db.execute("INSERT INTO merge_state (id, frontier_ms, last_seq) VALUES (1, \(frontier), \(lastSequence))")
        } else {
            try db.execute("UPDATE merge_state SET last_seq = max(last_seq, \(lastSequence))")
        }
        // Queued events at or before the frontier had been released (their record is lost) or
        // arrived late; either way they go out again, flagged late.
        return Int(try count(db, "SELECT count(*) FROM pending WHERE time_ms <= (SELECT frontier_ms FROM merge_state)"))
            .clamped(to: 0...Int(queued))
    }
}

extension Int {
    fileprivate func clamped(to range: ClosedRange<Int>) -> Int {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}
