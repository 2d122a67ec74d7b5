import ForwarderCore
import SQLite

extension Journal {
    /// How many sink test events the journal keeps (the newest).
    package static let keptSinkTestEvents = 50

    /// Stores sink test events as they arrived, keeping only the newest `keptSinkTestEvents`.
    package func recordSinkTestEvents(_ tests: [SinkTestEvent]) throws(JournalError) {
        guard !tests.isEmpty else { return }
        try write("store \(tests.count) sink test events") {
            let insert = try statement("INSERT INTO sink_test_events (test_id, time_ms, received_ms) VALUES (?1, ?2, ?3)")
            for test in tests {
                try insert.bind(test.testID, at: 1)
                if let time = test.time { try insert.bind(time.epochMilliseconds, at: 2) } else { try insert.bindNull(at: 2) }
                try insert.bind(test.receivedAt.epochMilliseconds, at: 3)
                _ = try insert.step()
                insert.reset()
            }
            let prune = try statement("""
                DELETE FROM sink_test_events WHERE id <= (SELECT id FROM sink_test_events ORDER BY id DESC LIMIT 1 OFFSET ?1)
                """)
            try prune.bind(Self.keptSinkTestEvents, at: 1)
            _ = try prune.step()
        }
    }

    /// The sink test events received, newest first.
    package func sinkTestEvents(limit: Int = Journal.keptSinkTestEvents) throws(JournalError) -> [SinkTestEvent] {
        try read("read the sink test events") {
            let query = try statement("SELECT test_id, time_ms, received_ms FROM sink_test_events ORDER BY id DESC LIMIT ?1")
            try query.bind(limit, at: 1)
            var result: [SinkTestEvent] = []
            while try query.step() {
                result.append(SinkTestEvent(
                    testID: query.string(at: 0) ?? "",
                    time: query.isNull(at: 1) ? nil : Timestamp(epochMilliseconds: query.int64(at: 1)),
                    receivedAt: Timestamp(epochMilliseconds: query.int64(at: 2))))
            }
            return result
        }
    }
}
