import ForwarderCore
import SQLite

/// The journal's schema and its migrations, versioned with `PRAGMA user_version`.
enum JournalSchema {
    /// Each entry migrates from version `index` to `index + 1`.
    static let migrations: [String] = [
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            dedup_key TEXT NOT NULL UNIQUE,
            event_id TEXT NOT NULL,
            origin INTEGER NOT NULL,
            time_ms INTEGER NOT NULL,
            time_source INTEGER NOT NULL,
            received_ms INTEGER NOT NULL,
            type TEXT NOT NULL,
            account_sid TEXT,
            actor_sid TEXT,
            actor_type TEXT,
            source TEXT,
            source_ip TEXT,
            resource_sid TEXT,
            resource_type TEXT,
            description TEXT,
            http_method TEXT,
            url_path TEXT,
            auth_method TEXT,
            request_sid TEXT,
            raw BLOB NOT NULL,
            seq INTEGER UNIQUE,
            late INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX events_pending ON events(time_ms, dedup_key) WHERE seq IS NULL;
        CREATE INDEX events_time ON events(time_ms);
        CREATE TABLE source_state (
            source TEXT PRIMARY KEY,
            state BLOB NOT NULL,
            updated_ms INTEGER NOT NULL
        );
        CREATE TABLE merge_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            frontier_ms INTEGER NOT NULL,
            last_seq INTEGER NOT NULL
        );
        INSERT INTO merge_state (id, frontier_ms, last_seq) VALUES (1, -4611686018427387904, 0);
        CREATE TABLE output_positions (
            output TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,
            byte_offset INTEGER NOT NULL DEFAULT 0,
            file_counter INTEGER NOT NULL DEFAULT 0,
            updated_ms INTEGER NOT NULL
        );
        CREATE TABLE output_files (
            output TEXT NOT NULL,
            part_path TEXT NOT NULL,
            final_path TEXT NOT NULL,
            first_seq INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'sealed')),
            PRIMARY KEY (output, part_path)
        );
        """,
        // v2: release state moves out of the event rows. Releasing used to rewrite each 1.5 KB
        // row (and its pages in the WAL) just to set `seq`; now it adds a 20-byte `releases` row
        // and removes a small `pending` row, and event rows are written once.
        """
        CREATE TABLE events_v2 (
            id INTEGER PRIMARY KEY,
            dedup_key TEXT NOT NULL UNIQUE,
            event_id TEXT NOT NULL,
            origin INTEGER NOT NULL,
            time_ms INTEGER NOT NULL,
            time_source INTEGER NOT NULL,
            received_ms INTEGER NOT NULL,
            type TEXT NOT NULL,
            account_sid TEXT,
            actor_sid TEXT,
            actor_type TEXT,
            source TEXT,
            source_ip TEXT,
            resource_sid TEXT,
            resource_type TEXT,
            description TEXT,
            http_method TEXT,
            url_path TEXT,
            auth_method TEXT,
            request_sid TEXT,
            raw BLOB NOT NULL
        );
        INSERT INTO events_v2 SELECT id, dedup_key, event_id, origin, time_ms, time_source, received_ms, type,
            account_sid, actor_sid, actor_type, source, source_ip, resource_sid, resource_type, description,
            http_method, url_path, auth_method, request_sid, raw FROM events;
        CREATE TABLE pending (
            time_ms INTEGER NOT NULL,
            dedup_key TEXT NOT NULL,
            event INTEGER NOT NULL,
            PRIMARY KEY (time_ms, dedup_key)
        ) WITHOUT ROWID;
        INSERT INTO pending SELECT time_ms, dedup_key, id FROM events WHERE seq IS NULL;
        CREATE TABLE releases (
            seq INTEGER PRIMARY KEY,
            event INTEGER NOT NULL UNIQUE,
            late INTEGER NOT NULL
        );
        INSERT INTO releases SELECT seq, id, late FROM events WHERE seq IS NOT NULL;
        DROP TABLE events;
        ALTER TABLE events_v2 RENAME TO events;
        CREATE INDEX events_time ON events(time_ms);
        """,
        // v3: append files remember which file they wrote (device and inode), so a state dir
        // restored elsewhere, or a file replaced at the same path, is never cut back.
        """
        ALTER TABLE output_files ADD COLUMN device INTEGER;
        ALTER TABLE output_files ADD COLUMN inode INTEGER;
        ALTER TABLE output_files ADD COLUMN birth_ns INTEGER;
        """,
        // v4: Event Streams sink test events, kept apart from the forwarded events (every one has
        // the same CloudEvent id), so `event-streams setup` and `status` can read their test ids.
        """
        CREATE TABLE sink_test_events (
            id INTEGER PRIMARY KEY,
            test_id TEXT NOT NULL,
            time_ms INTEGER,
            received_ms INTEGER NOT NULL
        );
        """,
        // v5: an event is unique by its key *and its own time* (0 when it has none, so those stay
        // unique by key). The index on the key alone was ordered by random sids: every append
        // touched one page of it per event and wrote it to the WAL, more than twice the bytes of
        // the events themselves. Ordered by time first, a page of events touches a few pages.
        """
        CREATE TABLE events_v5 (
            id INTEGER PRIMARY KEY,
            dedup_key TEXT NOT NULL,
            event_id TEXT NOT NULL,
            origin INTEGER NOT NULL,
            time_ms INTEGER NOT NULL,
            time_source INTEGER NOT NULL,
            received_ms INTEGER NOT NULL,
            type TEXT NOT NULL,
            account_sid TEXT,
            actor_sid TEXT,
            actor_type TEXT,
            source TEXT,
            source_ip TEXT,
            resource_sid TEXT,
            resource_type TEXT,
            description TEXT,
            http_method TEXT,
            url_path TEXT,
            auth_method TEXT,
            request_sid TEXT,
            raw BLOB NOT NULL
        );
        INSERT INTO events_v5 SELECT id, dedup_key, event_id, origin, time_ms, time_source, received_ms, type,
            account_sid, actor_sid, actor_type, source, source_ip, resource_sid, resource_type, description,
            http_method, url_path, auth_method, request_sid, raw FROM events;
        DROP TABLE events;
        ALTER TABLE events_v5 RENAME TO events;
        CREATE INDEX events_time ON events(time_ms);
        CREATE UNIQUE INDEX events_dedup ON events(\(dedupTime), dedup_key);
        """,
    ]

    /// ``DedupIdentity/time`` in SQL: the event's own time, or 0 when it has none. Queries must
    /// spell it exactly so, for SQLite to use the `events_dedup` index.
    static let dedupTime = "CASE time_source WHEN \(EventTimeSource.receipt.rawValue) THEN 0 ELSE time_ms END"


    static var currentVersion: Int32 { Int32(migrations.count) }

    /// Brings the database to `currentVersion`, one transaction per step; refuses a database
    /// written by a newer forwarder.
    static func migrate(_ db: SQLiteConnection, path: String) throws(JournalError) {
        do {
            let version = try db.userVersion
            guard version <= currentVersion else {
                throw JournalError(
                    operation: "open",
                    path: path,
                    underlying: "its schema version \(version) is newer than this forwarder understands (\(currentVersion)); run a newer release or point state.dir elsewhere"
                )
            }
            for step in Int(version)..<migrations.count {
                try db.transaction(.exclusive) {
                    try db.execute(migrations[step])
                    try db.setUserVersion(Int32(step + 1))
                }
            }
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError("migrate its schema", path: path, error)
        }
    }
}
