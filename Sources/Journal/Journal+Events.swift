import ForwarderCore
import SQLite

extension Journal {
    static let insertSQL = """
        INSERT OR IGNORE INTO events (dedup_key, event_id, origin, time_ms, time_source, received_ms, type,
            account_sid, actor_sid, actor_type, source, source_ip, resource_sid, resource_type, description,
            http_method, url_path, auth_method, request_sid, raw)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
        """

    /// The event columns `forwardedEvent(from:)` reads, after `seq, late`.
    static let eventColumns = """
        e.dedup_key, e.event_id, e.origin, e.time_ms, e.time_source, e.type, e.account_sid, e.actor_sid,
        e.actor_type, e.source, e.source_ip, e.resource_sid, e.resource_type, e.description, e.http_method,
        e.url_path, e.auth_method, e.request_sid, e.raw
        """

    /// Stores events (ignoring any already present: the same dedup key at the same own time) and, in the same transaction,
    /// the source checkpoint that covers them. When this returns, both are durable.
    @discardableResult
    package func append(_ events: [TwilioEvent], receivedAt: Timestamp, checkpoint: SourceCheckpoint? = nil) throws(JournalError) -> AppendResult {
        try write("store \(events.count) events") {
            let insert = try statement(Self.insertSQL)
            let pend = try statement("INSERT INTO pending (time_ms, dedup_key, event) VALUES (?1, ?2, ?3)")
            var inserted = 0
            for event in events {
                try bind(event, receivedAt: receivedAt, to: insert)
                _ = try insert.step()
                insert.reset()
                guard db.changes == 1 else { continue }
                inserted += 1
                try pend.bind(event.time.epochMilliseconds, at: 1)
                try pend.bind(event.dedupKey, at: 2)
                try pend.bind(db.lastInsertRowID, at: 3)
                _ = try pend.step()
                pend.reset()
            }
            if let checkpoint {
                try storeCheckpoint(checkpoint, at: receivedAt)
            }
            return AppendResult(inserted: inserted, duplicates: events.count - inserted)
        }
    }

    /// Stores a source checkpoint on its own (a poll that found nothing new still moves on).
    package func saveCheckpoint(_ checkpoint: SourceCheckpoint, at now: Timestamp) throws(JournalError) {
        try write("store the \(checkpoint.source) checkpoint") {
            try storeCheckpoint(checkpoint, at: now)
        }
    }

    /// The last stored checkpoint of a source, nil before its first one.
    package func checkpoint(of source: SourceID) throws(JournalError) -> [UInt8]? {
        try read("read the \(source) checkpoint") {
            let query = try statement("SELECT state FROM source_state WHERE source = ?1")
            try query.bind(source.rawValue, at: 1)
            return try query.step() ? query.blob(at: 0) : nil
        }
    }

    /// Released events after `sequence`, in release order.
    package func events(after sequence: Int64, limit: Int) throws(JournalError) -> [ForwardedEvent] {
        try read("read released events") {
            let query = try statement("""
                SELECT r.seq, r.late, \(Self.eventColumns) FROM releases r JOIN events e ON e.id = r.event
                WHERE r.seq > ?1 ORDER BY r.seq LIMIT ?2
                """)
            try query.bind(sequence, at: 1)
            try query.bind(limit, at: 2)
            var result: [ForwardedEvent] = []
            result.reserveCapacity(min(limit, 4096))
            while try query.step() {
                result.append(Self.forwardedEvent(from: query))
            }
            return result
        }
    }

    /// Stored events whose time is in `[from, to)`, in time order, for a local replay.
    package func events(from: Timestamp, to: Timestamp, origin: EventOrigin?, afterKey: MergeKey?, limit: Int) throws(JournalError) -> [ForwardedEvent] {
        try read("read stored events by time") {
            var sql = "SELECT NULL, 0, \(Self.eventColumns) FROM events e WHERE e.time_ms >= ?1 AND e.time_ms < ?2"
            if origin != nil { sql += " AND e.origin = ?3" }
            if afterKey != nil { sql += " AND (e.time_ms, e.dedup_key) > (?4, ?5)" }
            sql += " ORDER BY e.time_ms, e.dedup_key LIMIT ?6"
            let query = try statement(sql)
            try query.bind(from.epochMilliseconds, at: 1)
            try query.bind(to.epochMilliseconds, at: 2)
            if let origin { try query.bind(origin.rawValue, at: 3) }
            if let afterKey {
                try query.bind(afterKey.time.epochMilliseconds, at: 4)
                try query.bind(afterKey.key, at: 5)
            }
            try query.bind(limit, at: 6)
            var result: [ForwardedEvent] = []
            while try query.step() {
                var event = Self.forwardedEvent(from: query)
                event.sequence = 0
                result.append(event)
            }
            return result
        }
    }

    /// Whether this event (its dedup key at its own time) is stored: what `append` would ignore.
    package func contains(_ event: TwilioEvent) throws(JournalError) -> Bool {
        try read("look up an event") {
            let query = try statement("SELECT 1 FROM events WHERE \(JournalSchema.dedupTime) = ?1 AND dedup_key = ?2")
            let identity = event.dedupIdentity
            try query.bind(identity.time, at: 1)
            try query.bind(identity.key, at: 2)
            return try query.step()
        }
    }

    /// Whether any event with this dedup key is stored, at any time. It scans the table: for
    /// tests and tools, not for a delivery path.
    package func contains(dedupKey: String) throws(JournalError) -> Bool {
        try read("look up an event by key") {
            let query = try statement("SELECT 1 FROM events WHERE dedup_key = ?1 LIMIT 1")
            try query.bind(dedupKey, at: 1)
            return try query.step()
        }
    }

    /// Counts for operators.
    package func stats() throws(JournalError) -> JournalStats {
        try read("count events") {
            let count = try statement("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM pending)")
            _ = try count.step()
            let events = count.int64(at: 0)
            let pending = count.int64(at: 1)
            let progress = try loadMergeProgress()
            return JournalStats(events: events, pending: pending, lastSequence: progress.lastSequence, frontier: progress.frontier)
        }
    }

    private func storeCheckpoint(_ checkpoint: SourceCheckpoint, at now: Timestamp) throws {
        let upsert = try statement("""
            INSERT INTO source_state (source, state, updated_ms) VALUES (?1, ?2, ?3)
            ON CONFLICT(source) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms
            """)
        try upsert.bind(checkpoint.source.rawValue, at: 1)
        try upsert.bind(blob: checkpoint.state, at: 2)
        try upsert.bind(now.epochMilliseconds, at: 3)
        _ = try upsert.step()
    }

    private func bind(_ e: TwilioEvent, receivedAt: Timestamp, to s: SQLiteStatement) throws {
        try s.bind(e.dedupKey, at: 1)
        try s.bind(e.id, at: 2)
        try s.bind(e.origin.rawValue, at: 3)
        try s.bind(e.time.epochMilliseconds, at: 4)
        try s.bind(e.timeSource.rawValue, at: 5)
        try s.bind(receivedAt.epochMilliseconds, at: 6)
        try s.bind(e.type, at: 7)
        try s.bind(e.accountSid, at: 8)
        try s.bind(e.actorSid, at: 9)
        try s.bind(e.actorType, at: 10)
        try s.bind(e.source, at: 11)
        try s.bind(e.sourceIP, at: 12)
        try s.bind(e.resourceSid, at: 13)
        try s.bind(e.resourceType, at: 14)
        try s.bind(e.description, at: 15)
        try s.bind(e.httpMethod, at: 16)
        try s.bind(e.urlPath, at: 17)
        try s.bind(e.authMethod, at: 18)
        try s.bind(e.requestSid, at: 19)
        try s.bind(blob: e.raw, at: 20)
    }

    static func forwardedEvent(from q: SQLiteStatement) -> ForwardedEvent {
        let event = TwilioEvent(
            id: q.string(at: 3) ?? "",
            dedupKey: q.string(at: 2) ?? "",
            time: Timestamp(epochMilliseconds: q.int64(at: 5)),
            timeSource: EventTimeSource(rawValue: Int(q.int64(at: 6))) ?? .event,
            origin: EventOrigin(rawValue: Int(q.int64(at: 4))) ?? .monitor,
            type: q.string(at: 7) ?? "unknown",
            accountSid: q.string(at: 8),
            actorSid: q.string(at: 9),
            actorType: q.string(at: 10),
            source: q.string(at: 11),
            sourceIP: q.string(at: 12),
            resourceSid: q.string(at: 13),
            resourceType: q.string(at: 14),
            description: q.string(at: 15),
            httpMethod: q.string(at: 16),
            urlPath: q.string(at: 17),
            authMethod: q.string(at: 18),
            requestSid: q.string(at: 19),
            raw: q.blob(at: 20)
        )
        return ForwardedEvent(sequence: q.isNull(at: 0) ? 0 : q.int64(at: 0), late: q.int64(at: 1) != 0, event: event)
    }
}

extension Journal {
    /// Proves the journal can take a write lock right now (readiness): BEGIN IMMEDIATE, ROLLBACK.
    package func checkWritable() throws(JournalError) {
        do {
            try db.execute("BEGIN IMMEDIATE; ROLLBACK;")
        } catch {
            throw JournalError("take a write lock", path: path, error)
        }
    }
}

extension Journal {
    /// The last release sequence of an event older than `time` (0 if none): an output reset to
    /// it re-delivers everything released from `time` on.
    package func lastSequence(before time: Timestamp) throws(JournalError) -> Int64 {
        try read("find a release sequence by time") {
            let query = try statement("SELECT min(r.seq) FROM releases r JOIN events e ON e.id = r.event WHERE e.time_ms >= ?1")
            try query.bind(time.epochMilliseconds, at: 1)
            guard try query.step(), !query.isNull(at: 0) else {
                return try loadMergeProgress().lastSequence
            }
            return query.int64(at: 0) - 1
        }
    }
}

extension Journal {
    /// Cheap running totals for the periodic summary: the highest event rowid (events stored so
    /// far, as rowids only grow) and the last release sequence.
    package func totals() throws(JournalError) -> (events: Int64, released: Int64) {
        try read("read the totals") {
            let query = try statement("SELECT coalesce(max(id), 0) FROM events")
            _ = try query.step()
            return (query.int64(at: 0), try loadMergeProgress().lastSequence)
        }
    }
}

extension Journal {
    /// Adds an index on `(time, dedup key)`, so `events(from:to:…)` reads in order without
    /// sorting a whole day in memory: for a replay job's journal, which is read back day by day.
    /// The live journal goes without it (every index costs each append).
    package func indexForTimeOrderedReads() throws(JournalError) {
        try write("index events by time and key") {
            try db.execute("CREATE INDEX IF NOT EXISTS events_time_key ON events(time_ms, dedup_key)")
        }
    }
}
