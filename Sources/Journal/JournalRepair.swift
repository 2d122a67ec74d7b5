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
package enum JournalRepair {
    /// What one table gave up.
    package struct TableReport: Sendable, Equatable {
        package var table: String
        package var copied: Int
        /// Rowid ranges that could not be read (each may or may not have held rows).
        package var unreadable: [ClosedRange<Int64>]
    }

    /// The outcome of a repair, for the command to print.
    package struct Report: Sendable {
        package var damagedCopy: String
        package var tables: [TableReport]
        /// Events whose release record was lost: released again, so an output may get them twice.
        package var releasedAgain: Int
        /// Events whose release record was lost but that every output had delivered (nothing waited
        /// for release that the copy could not read): not released again.
        package var alreadyDelivered: Int = 0
        /// Event rows that could not be read but whose id (and time) the indexes still had: kept
        /// as placeholders, so a re-fetch does not forward them twice.
        package var keptIDs: Int = 0
        /// Of those, the ones some output had not delivered yet: lost from this journal, with the
        /// oldest event time among them (where to re-fetch Monitor events from).
        package var lostUndelivered: Int = 0
        package var oldestLost: Timestamp?
        /// Outputs whose position could not be read: they start again from the beginning.
        package var outputsWithoutPosition: [String]
        package var cursorLost: Bool

        package var lines: [String] {
            var lines = tables.map { table in
                let gaps = table.unreadable.isEmpty
                    ? "" : ", unreadable rowids " + table.unreadable.prefix(5).map { "\($0.lowerBound)…\($0.upperBound)" }.joined(separator: ", ")
                        + (table.unreadable.count > 5 ? " and \(table.unreadable.count - 5) more ranges" : "")
                return "\(table.table): \(table.copied) rows copied\(gaps)"
            }
            if keptIDs > 0 {
                lines.append("\(keptIDs) unreadable event rows still had their id in an index: kept, so fetching them again does not forward them twice")
            }
            if lostUndelivered > 0 {
                let from = oldestLost.map { " (the oldest from \($0.rfc3339); `checkpoint reset --to \(String($0.rfc3339.prefix(10)))` fetches Monitor events again from that day)" } ?? ""
                lines.append("\(lostUndelivered) of them had not reached every output and are lost from this journal\(from)")
            }
            if alreadyDelivered > 0 {
                lines.append("\(alreadyDelivered) events lost their release record; every output had delivered them, so they are not sent again")
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
    package static func repair(directory: String, outputs: [String], now: Timestamp) throws(JournalError) -> Report {
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
                let pending = try copyPending(from: source, to: target)
                report.tables.append(pending)
                let unreadable = report.tables.first { $0.table == "events" }?.unreadable ?? []
                try keepLostIDs(unreadable, from: source, to: target, report: &report)
                (report.releasedAgain, report.alreadyDelivered) = try rebuildDerivedState(target, pendingComplete: pending.unreadable.isEmpty)
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

    /// For event rows that could not be read, takes their dedup key and time from the indexes
    /// (which live on other pages) and stores placeholders that hold no payload: the journal still
    /// deduplicates them, and no output ever reads one (a placeholder some output had not
    /// delivered is counted lost and taken out of the release order).
    static func keepLostIDs(_ ranges: [ClosedRange<Int64>], from source: SQLiteConnection, to target: SQLiteConnection,
                            report: inout Report) throws {
        guard !ranges.isEmpty else { return }
        func inRanges(_ id: Int64) -> Bool { ranges.contains { $0.contains(id) } }
        var keys: [Int64: String] = [:]
        var times: [Int64: Int64] = [:]
        let unique = try? source.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND (name = 'events_dedup' OR sql IS NULL)")
        let uniqueIndex = (try? unique?.step()) == true ? unique?.string(at: 0) : nil
        if let uniqueIndex, let scan = try? source.prepare("SELECT rowid, dedup_key FROM events INDEXED BY \(uniqueIndex)") {
            while (try? scan.step()) == true {
                let id = scan.int64(at: 0)
                if inRanges(id) { keys[id] = scan.string(at: 1) }
            }
        }
        if let scan = try? source.prepare("SELECT rowid, time_ms FROM events INDEXED BY events_time") {
            while (try? scan.step()) == true {
                let id = scan.int64(at: 0)
                if inRanges(id) { times[id] = scan.int64(at: 1) }
            }
        }
        guard !keys.isEmpty else { return }
        let slowest = try count(target, "SELECT coalesce(min(seq), 0) FROM output_positions")
        let insert = try target.prepare("""
            INSERT OR IGNORE INTO events (id, dedup_key, event_id, origin, time_ms, time_source, received_ms, type, raw)
            VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, 'unreadable', x'')
            """)
        let release = try target.prepare("SELECT seq FROM releases WHERE event = ?1")
        let unrelease = try target.prepare("DELETE FROM releases WHERE event = ?1")
        let unqueue = try target.prepare("DELETE FROM pending WHERE event = ?1")
        var below = try count(target, "SELECT min(0, coalesce(min(seq), 0)) FROM releases")
        let parkRelease = try target.prepare("INSERT INTO releases (seq, event, late) VALUES (?1, ?2, 0)")
        for (id, key) in keys.sorted(by: { $0.key < $1.key }) {
            let eventStreams = key.hasPrefix("ce:")
            let eventID = eventStreams ? String(key[(key.firstIndex(of: "\n").map { key.index(after: $0) } ?? key.startIndex)...]) : key
            let time = times[id] ?? 0
            try insert.run([.integer(id), .text(key), .text(eventID), .integer(eventStreams ? 1 : 0), .integer(time)])
            report.keptIDs += 1
            release.reset()
            try release.bind(id, at: 1)
            let seq: Int64? = try release.step() ? release.int64(at: 0) : nil
            release.reset()
            if let seq, seq <= slowest { continue }  // every output had it
            report.lostUndelivered += 1
            if time > 0 { report.oldestLost = min(report.oldestLost ?? Timestamp(epochMilliseconds: time), Timestamp(epochMilliseconds: time)) }
            try unrelease.run([.integer(id)])
            try unqueue.run([.integer(id)])
            below -= 1
            try parkRelease.run([.integer(below), .integer(id)])
        }
    }

    /// Copies the release queue (a table without rowids) by key order; a read that fails marks it
    /// incomplete, and the rest of it is derived from events and releases instead.
    static func copyPending(from source: SQLiteConnection, to target: SQLiteConnection) throws -> TableReport {
        var report = TableReport(table: "pending", copied: 0, unreadable: [])
        let insert = try target.prepare("INSERT OR IGNORE INTO pending (time_ms, dedup_key, event) VALUES (?1, ?2, ?3)")
        do {
            let select = try source.prepare("""
                SELECT time_ms, dedup_key, event FROM pending WHERE (time_ms, dedup_key) > (?1, ?2) ORDER BY time_ms, dedup_key LIMIT 512
                """)
            var after: (Int64, String) = (Int64.min, "")
            while true {
                select.reset()
                try select.bind(after.0, at: 1)
                try select.bind(after.1, at: 2)
                var rows = 0
                while try select.step() {
                    let key = (select.int64(at: 0), select.string(at: 1) ?? "")
                    try insert.run([.integer(key.0), .text(key.1), .integer(select.int64(at: 2))])
                    after = key
                    rows += 1
                    report.copied += 1
                }
                if rows < 512 { break }
            }
        } catch {
            report.unreadable.append(0...Int64.max)
        }
        return report
    }

    /// Drops releases of events that were lost and restores the merge's progress when its row was
    /// lost, then decides about events with neither a release nor a place in the queue: their
    /// release record was lost. When the queue was read whole and every output had delivered
    /// everything released, they were delivered: they stay released. Otherwise they are queued
    /// again (an output may get them twice; none is lost). Returns (queued again, left delivered).
    static func rebuildDerivedState(_ db: SQLiteConnection, pendingComplete: Bool) throws -> (Int, Int) {
        try db.execute("DELETE FROM releases WHERE event NOT IN (SELECT id FROM events)")
        try db.execute("DELETE FROM pending WHERE event NOT IN (SELECT id FROM events)")
        let lastSequence = try count(db, "SELECT coalesce(max(seq), 0) FROM releases")
        if try count(db, "SELECT count(*) FROM merge_state") == 0 {
            let frontier = try count(db, "SELECT coalesce(max(e.time_ms), -4611686018427387904) FROM releases r JOIN events e ON e.id = r.event")
            try db.execute("INSERT INTO merge_state (id, frontier_ms, last_seq) VALUES (1, \(frontier), \(lastSequence))")
        } else {
            try db.execute("UPDATE merge_state SET last_seq = max(last_seq, \(lastSequence))")
        }
        let orphans = "FROM events WHERE id NOT IN (SELECT event FROM releases) AND id NOT IN (SELECT event FROM pending)"
        // Newer than the frontier: certainly never released.
        try db.execute("INSERT OR IGNORE INTO pending (time_ms, dedup_key, event) SELECT time_ms, dedup_key, id \(orphans) AND time_ms > (SELECT frontier_ms FROM merge_state)")
        let ambiguous = Int(try count(db, "SELECT count(*) \(orphans)"))
        guard ambiguous > 0 else { return (0, 0) }
        let released = try count(db, "SELECT last_seq FROM merge_state")
        let slowest = try count(db, "SELECT coalesce(min(seq), 0) FROM output_positions")
        let positions = try count(db, "SELECT count(*) FROM output_positions")
        if pendingComplete, positions > 0, slowest >= released {
            // They keep a release record below every output's position (so retention can prune
            // them) that no output reads again.
            let below = try count(db, "SELECT min(0, coalesce(min(seq), 0)) FROM releases")
            try db.execute("INSERT INTO releases (seq, event, late) SELECT \(below) - row_number() OVER (ORDER BY id), id, 0 \(orphans)")
            return (0, ambiguous)
        }
        try db.execute("INSERT OR IGNORE INTO pending (time_ms, dedup_key, event) SELECT time_ms, dedup_key, id \(orphans)")
        return (ambiguous, 0)
    }
}

extension Int {
    fileprivate func clamped(to range: ClosedRange<Int>) -> Int {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}
