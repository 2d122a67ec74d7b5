import TestSupport
import ForwarderCore
import Foundation
import Journal
import SQLite
import Testing

func event(_ id: String, at ms: Int64, origin: EventOrigin = .monitor, type: String = "phone-number.created") -> TwilioEvent {
    TwilioEvent(
        id: id, dedupKey: id, time: Timestamp(epochMilliseconds: ms), origin: origin, type: type,
        accountSid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", raw: Array("{\"sid\":\"\(id)\"}".utf8)
    )
}

@Suite("Journal")
struct JournalTests {
    @Test("events are unique by dedup key and the checkpoint commits with them")
    func dedupAndCheckpoint() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        let first = try await journal.append([event("AE1", at: 1000), event("AE2", at: 2000)], receivedAt: Timestamp(epochMilliseconds: 5000),
                                            checkpoint: SourceCheckpoint(source: .monitor, state: Array("c1".utf8)))
        #expect(first == AppendResult(inserted: 2, duplicates: 0))
        let second = try await journal.append([event("AE2", at: 2000), event("AE3", at: 3000)], receivedAt: Timestamp(epochMilliseconds: 6000))
        #expect(second == AppendResult(inserted: 1, duplicates: 1))
        #expect(try await journal.checkpoint(of: .monitor) == Array("c1".utf8))
        #expect(try await journal.stats().events == 3)
        await journal.close()

        // Reopening finds the same state: it is on disk, in WAL mode, at the current schema.
        let reopened = try Journal(directory: dir.path)
        #expect(try await reopened.stats().events == 3)
        #expect(try await reopened.checkpoint(of: .monitor) == Array("c1".utf8))
        await reopened.close()
        let db = try SQLiteConnection(path: dir.path + "/journal.sqlite")
        #expect(try db.userVersion == 5)
    }

    @Test("an event is its key at its own time: a key at another own time is another event; one received without a time is unique by key")
    func dedupIdentity() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        var receipt = event("ce:a", at: 7000)
        receipt.timeSource = .receipt
        var redelivered = receipt
        redelivered.time = Timestamp(epochMilliseconds: 9000)
        let first = try await journal.append([event("AE1", at: 1000), receipt], receivedAt: Timestamp(epochMilliseconds: 7000))
        #expect(first == AppendResult(inserted: 2, duplicates: 0))
        #expect(try await journal.contains(event("AE1", at: 1000)))
        #expect(try await !journal.contains(event("AE1", at: 2000)))
        #expect(try await journal.contains(redelivered))
        let second = try await journal.append([event("AE1", at: 1000), event("AE1", at: 2000), redelivered], receivedAt: Timestamp(epochMilliseconds: 9000))
        #expect(second == AppendResult(inserted: 1, duplicates: 2))
        #expect(try await journal.stats().events == 3)
        await journal.close()
    }

    @Test("a version 1 journal (release state in the event rows) migrates with every row, release and position intact")
    func migrationFromVersion1() async throws {
        let dir = TestDirectory()
        // The v1 schema as the first release created it, with two released rows and one pending.
        do {
            let db = try SQLiteConnection(path: dir.path + "/journal.sqlite")
            try db.execute(String(Self.version1Schema))
            try db.execute("""
                INSERT INTO events (dedup_key, event_id, origin, time_ms, time_source, received_ms, type, raw, seq, late)
                VALUES ('a', 'a', 0, 1000, 0, 50, 't', x'7B7D', 1, 0), ('b', 'b', 0, 2000, 0, 60, 't', x'7B7D', 2, 1),
                       ('c', 'c', 0, 3000, 0, 70, 't', x'7B7D', NULL, 0);
                UPDATE merge_state SET frontier_ms = 2000, last_seq = 2;
                INSERT INTO output_positions (output, seq, updated_ms) VALUES ('files', 1, 0);
                PRAGMA user_version = 1;
                """)
        }
        let journal = try Journal(directory: dir.path)
        let stats = try await journal.stats()
        #expect(stats.events == 3 && stats.pending == 1 && stats.lastSequence == 2)
        let released = try await journal.events(after: 0, limit: 10)
        #expect(released.map(\.event.id) == ["a", "b"] && released.map(\.late) == [false, true])
        #expect(try await journal.outputPosition("files")?.sequence == 1)
        _ = try await journal.release(upTo: Timestamp(epochMilliseconds: 9000), lateAtOrBefore: .distantPast, limit: 10)
        #expect(try await journal.events(after: 2, limit: 10).map(\.event.id) == ["c"])
        #expect(try await journal.stats().pending == 0)
        #expect(try await journal.append([event("a", at: 1000)], receivedAt: Timestamp(epochMilliseconds: 0)).duplicates == 1)
        await journal.close()
    }

    /// Version 1 of the schema, verbatim.
    static let version1Schema = """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY, dedup_key TEXT NOT NULL UNIQUE, event_id TEXT NOT NULL, origin INTEGER NOT NULL,
            time_ms INTEGER NOT NULL, time_source INTEGER NOT NULL, received_ms INTEGER NOT NULL, type TEXT NOT NULL,
            account_sid TEXT, actor_sid TEXT, actor_type TEXT, source TEXT, source_ip TEXT, resource_sid TEXT,
            resource_type TEXT, description TEXT, http_method TEXT, url_path TEXT, auth_method TEXT, request_sid TEXT,
            raw BLOB NOT NULL, seq INTEGER UNIQUE, late INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX events_pending ON events(time_ms, dedup_key) WHERE seq IS NULL;
        CREATE INDEX events_time ON events(time_ms);
        CREATE TABLE source_state (source TEXT PRIMARY KEY, state BLOB NOT NULL, updated_ms INTEGER NOT NULL);
        CREATE TABLE merge_state (id INTEGER PRIMARY KEY CHECK (id = 1), frontier_ms INTEGER NOT NULL, last_seq INTEGER NOT NULL);
        INSERT INTO merge_state (id, frontier_ms, last_seq) VALUES (1, -4611686018427387904, 0);
        CREATE TABLE output_positions (output TEXT PRIMARY KEY, seq INTEGER NOT NULL, byte_offset INTEGER NOT NULL DEFAULT 0,
            file_counter INTEGER NOT NULL DEFAULT 0, updated_ms INTEGER NOT NULL);
        CREATE TABLE output_files (output TEXT NOT NULL, part_path TEXT NOT NULL, final_path TEXT NOT NULL,
            first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN ('open', 'sealed')),
            PRIMARY KEY (output, part_path));
        """

    @Test("release assigns sequences in (time, key) order up to the target and flags late rows")
    func release() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        try await journal.append([event("b", at: 2000), event("a", at: 2000), event("c", at: 1000), event("d", at: 9000)], receivedAt: Timestamp(epochMilliseconds: 0))
        let batch = try await journal.release(upTo: Timestamp(epochMilliseconds: 5000), lateAtOrBefore: .distantPast, limit: 100)
        #expect(batch == ReleaseBatch(released: 3, late: 0, lastSequence: 3, complete: true))
        let released = try await journal.events(after: 0, limit: 10)
        #expect(released.map(\.event.id) == ["c", "a", "b"])
        #expect(released.map(\.sequence) == [1, 2, 3])
        #expect(try await journal.mergeProgress().frontier == Timestamp(epochMilliseconds: 5000))

        // A row older than the frontier arrives: it is released next, flagged late.
        try await journal.append([event("e", at: 1500)], receivedAt: Timestamp(epochMilliseconds: 0))
        let next = try await journal.release(upTo: Timestamp(epochMilliseconds: 9000), lateAtOrBefore: Timestamp(epochMilliseconds: 5000), limit: 100)
        #expect(next.released == 2 && next.late == 1)
        let tail = try await journal.events(after: 3, limit: 10)
        #expect(tail.map(\.event.id) == ["e", "d"])
        #expect(tail.map(\.late) == [true, false])
        await journal.close()
    }

    @Test("a release larger than the batch limit completes over several steps without moving the frontier early")
    func batchedRelease() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        try await journal.append((0..<25).map { event("e\($0)", at: Int64($0)) }, receivedAt: Timestamp(epochMilliseconds: 0))
        let target = Timestamp(epochMilliseconds: 100)
        let first = try await journal.release(upTo: target, lateAtOrBefore: .distantPast, limit: 10)
        #expect(!first.complete)
        #expect(try await journal.mergeProgress().frontier == .distantPast)
        _ = try await journal.release(upTo: target, lateAtOrBefore: .distantPast, limit: 10)
        let last = try await journal.release(upTo: target, lateAtOrBefore: .distantPast, limit: 10)
        #expect(last.complete && last.lastSequence == 25)
        #expect(try await journal.mergeProgress().frontier == target)
        await journal.close()
    }

    @Test("the original bytes and every interpreted field survive the journal unchanged")
    func fieldsRoundTrip() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        let original = TwilioEvent(
            id: "NO1", dedupKey: "AB1 NO1", time: Timestamp(epochMilliseconds: 1_756_056_832_164), timeSource: .dataTimestamp,
            origin: .eventStreams, type: "com.twilio.iam.ip.blocked", accountSid: "AC1", actorSid: "SK1", actorType: nil,
            source: "AB1", sourceIP: "172.253.115.138", resourceSid: nil, resourceType: nil, description: "é \"q\"\n",
            httpMethod: "POST", urlPath: "/v1/Sinks", authMethod: "API Key", requestSid: "RQ1",
            raw: Array("{\n  \"id\" : \"NO1\", \"x\": \"\u{00}\"\n}".utf8)
        )
        try await journal.append([original], receivedAt: Timestamp(epochMilliseconds: 0))
        _ = try await journal.release(upTo: .distantFuture, lateAtOrBefore: .distantPast, limit: 10)
        let back = try await journal.events(after: 0, limit: 1)
        #expect(back.first?.event == original)
        await journal.close()
    }

    @Test("output positions and file records commit and survive reopening")
    func outputState() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        #expect(try await journal.outputPosition("splunk") == nil)
        let file = OutputFile(partPath: "/x/a.gz.part", finalPath: "/x/a.gz", firstSequence: 1, lastSequence: 10)
        try await journal.openFile("splunk", file: file)
        var sealed = file
        sealed.sealed = true
        try await journal.sealFile("splunk", file: sealed, position: OutputPosition(sequence: 10, fileCounter: 1), at: Timestamp(epochMilliseconds: 0))
        await journal.close()
        let reopened = try Journal(directory: dir.path)
        #expect(try await reopened.outputPosition("splunk") == OutputPosition(sequence: 10, fileCounter: 1))
        #expect(try await reopened.outputFiles("splunk") == [sealed])
        try await reopened.completeFile("splunk", partPath: file.partPath)
        #expect(try await reopened.outputFiles("splunk").isEmpty)
        await reopened.close()
    }

    @Test("retention prunes only old rows every output has delivered")
    func retention() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        try await journal.append((1...10).map { event("e\($0)", at: Int64($0) * 1000) }, receivedAt: Timestamp(epochMilliseconds: 0))
        _ = try await journal.release(upTo: Timestamp(epochMilliseconds: 8000), lateAtOrBefore: .distantPast, limit: 100)
        try await journal.commitOutput("a", position: OutputPosition(sequence: 6), at: Timestamp(epochMilliseconds: 0))
        try await journal.commitOutput("b", position: OutputPosition(sequence: 3), at: Timestamp(epochMilliseconds: 0))
        // Older than 9s: e1...e8; delivered by both: seq <= 3.
        #expect(try await journal.prune(olderThan: Timestamp(epochMilliseconds: 9000), outputs: ["a", "b"]) == 3)
        #expect(try await journal.prune(olderThan: Timestamp(epochMilliseconds: 9000), outputs: ["a", "b", "new"]) == 0)
        #expect(try await journal.stats().events == 7)
        await journal.close()
    }

    @Test("an output's backlog: released events it has not delivered, and when the oldest arrived")
    func backlog() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path)
        try await journal.append((1...3).map { event("e\($0)", at: Int64($0) * 1000) }, receivedAt: Timestamp(epochMilliseconds: 50_000))
        try await journal.append([event("e4", at: 4000)], receivedAt: Timestamp(epochMilliseconds: 60_000))
        _ = try await journal.release(upTo: Timestamp(epochMilliseconds: 9000), lateAtOrBefore: .distantPast, limit: 100)
        let fresh = try await journal.backlog(of: "new")
        #expect(fresh.pending == 4 && fresh.oldestReceived == Timestamp(epochMilliseconds: 50_000))
        try await journal.commitOutput("siem", position: OutputPosition(sequence: 3), at: Timestamp(epochMilliseconds: 0))
        let behind = try await journal.backlog(of: "siem")
        #expect(behind.pending == 1)
        #expect(behind.lagSeconds(now: Timestamp(epochMilliseconds: 72_500)) == 12.5)
        try await journal.commitOutput("siem", position: OutputPosition(sequence: 4), at: Timestamp(epochMilliseconds: 0))
        let caughtUp = try await journal.backlog(of: "siem")
        #expect(caughtUp.pending == 0 && caughtUp.lagSeconds(now: Timestamp(epochMilliseconds: 99_000)) == 0)
        await journal.close()
    }
}

@Suite("Journal across connections")
struct JournalConcurrencyTests {
    @Test("a second journal on the same file sees every later commit (no statement keeps an old snapshot)")
    func freshSnapshots() async throws {
        let dir = TestDirectory()
        let writer = try Journal(directory: dir.path)
        let reader = try Journal(directory: dir.path)
        for round in 1...3 {
            try await writer.append([event("e\(round)", at: Int64(round))], receivedAt: Timestamp(epochMilliseconds: 0))
            _ = try await writer.release(upTo: .distantFuture, lateAtOrBefore: .distantPast, limit: 10)
            try await writer.commitOutput("o", position: OutputPosition(sequence: Int64(round)), at: Timestamp(epochMilliseconds: 0))
            #expect(try await reader.stats().events == Int64(round))
            #expect(try await reader.outputPosition("o")?.sequence == Int64(round))
            #expect(try await reader.events(after: 0, limit: 10).count == round)
        }
        await writer.close()
        await reader.close()
    }
}
