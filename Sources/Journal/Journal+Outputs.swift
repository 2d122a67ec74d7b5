import ForwarderCore
import SQLite

extension Journal {
    /// An output's committed position; a new output starts at the beginning of the journal.
    package func outputPosition(_ output: String) throws(JournalError) -> OutputPosition? {
        try read("read the position of output \(output)") {
            let query = try statement("SELECT seq, byte_offset, file_counter FROM output_positions WHERE output = ?1")
            try query.bind(output, at: 1)
            guard try query.step() else { return nil }
            return OutputPosition(sequence: query.int64(at: 0), byteOffset: query.int64(at: 1), fileCounter: query.int64(at: 2))
        }
    }

    /// Every output's committed position, for `checkpoint show` and retention.
    package func outputPositions() throws(JournalError) -> [String: OutputPosition] {
        try read("read output positions") {
            let query = try statement("SELECT output, seq, byte_offset, file_counter FROM output_positions ORDER BY output")
            var result: [String: OutputPosition] = [:]
            while try query.step() {
                result[query.string(at: 0) ?? ""] = OutputPosition(sequence: query.int64(at: 1), byteOffset: query.int64(at: 2), fileCounter: query.int64(at: 3))
            }
            return result
        }
    }

    /// How far an output is behind the merged stream: released events it has not delivered, and
    /// when the forwarder received the oldest of them (its delivery delay).
    package func backlog(of output: String) throws(JournalError) -> OutputBacklog {
        try read("read the backlog of output \(output)") {
            let released = try loadMergeProgress().lastSequence
            let position = try statement("SELECT seq FROM output_positions WHERE output = ?1")
            try position.bind(output, at: 1)
            let committed = try position.step() ? position.int64(at: 0) : 0
            position.reset()
            var oldest: Timestamp?
            if committed < released {
                let next = try statement("""
                    SELECT e.received_ms FROM releases r JOIN events e ON e.id = r.event WHERE r.seq > ?1 ORDER BY r.seq LIMIT 1
                    """)
                try next.bind(committed, at: 1)
                if try next.step() { oldest = Timestamp(epochMilliseconds: next.int64(at: 0)) }
                next.reset()
            }
            return OutputBacklog(committed: committed, released: released, oldestReceived: oldest)
        }
    }

    /// Commits an output's position (the data up to it is durable at the output).
    package func commitOutput(_ output: String, position: OutputPosition, at now: Timestamp) throws(JournalError) {
        try write("commit the position of output \(output)") {
            try storePosition(output, position, now)
        }
    }

    /// Records that a `.part` file is about to be created, so recovery can remove it if the
    /// process dies before the file is sealed.
    package func openFile(_ output: String, file: OutputFile) throws(JournalError) {
        try write("record file \(file.partPath) of output \(output)") {
            try storeFile(output, file, state: "open")
        }
    }

    /// Records a finished `.part` file and commits the output position that includes it, in one
    /// transaction. After this the file must become visible: `completeFile` once renamed, and
    /// recovery renames any sealed file left behind by a crash.
    package func sealFile(_ output: String, file: OutputFile, position: OutputPosition, at now: Timestamp) throws(JournalError) {
        try write("commit file \(file.finalPath) of output \(output)") {
            try storeFile(output, file, state: "sealed")
            try storePosition(output, position, now)
        }
    }

    /// Forgets a file record once the file is renamed (sealed) or removed (open).
    package func completeFile(_ output: String, partPath: String) throws(JournalError) {
        try write("complete a file of output \(output)") {
            let delete = try statement("DELETE FROM output_files WHERE output = ?1 AND part_path = ?2")
            try delete.bind(output, at: 1)
            try delete.bind(partPath, at: 2)
            _ = try delete.step()
        }
    }

    /// File records of an output left from an earlier run: open ones must be discarded, sealed
    /// ones renamed.
    package func outputFiles(_ output: String) throws(JournalError) -> [OutputFile] {
        try read("list files of output \(output)") {
            let query = try statement("SELECT part_path, final_path, first_seq, last_seq, state, device, inode, birth_ns FROM output_files WHERE output = ?1 ORDER BY first_seq")
            try query.bind(output, at: 1)
            var result: [OutputFile] = []
            while try query.step() {
                result.append(OutputFile(
                    partPath: query.string(at: 0) ?? "", finalPath: query.string(at: 1) ?? "",
                    firstSequence: query.int64(at: 2), lastSequence: query.int64(at: 3),
                    sealed: query.string(at: 4) == "sealed",
                    identity: query.isNull(at: 5) || query.isNull(at: 6)
                        ? nil : FileIdentity(device: UInt64(bitPattern: query.int64(at: 5)), inode: UInt64(bitPattern: query.int64(at: 6)),
                                             birth: query.isNull(at: 7) ? nil : query.int64(at: 7))
                ))
            }
            return result
        }
    }

    private func storeFile(_ output: String, _ file: OutputFile, state: String) throws {
        let upsert = try statement("""
            INSERT OR REPLACE INTO output_files (output, part_path, final_path, first_seq, last_seq, state, device, inode, birth_ns)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """)
        try upsert.bind(output, at: 1)
        try upsert.bind(file.partPath, at: 2)
        try upsert.bind(file.finalPath, at: 3)
        try upsert.bind(file.firstSequence, at: 4)
        try upsert.bind(file.lastSequence, at: 5)
        try upsert.bind(state, at: 6)
        if let identity = file.identity {
            try upsert.bind(Int64(bitPattern: identity.device), at: 7)
            try upsert.bind(Int64(bitPattern: identity.inode), at: 8)
            if let birth = identity.birth { try upsert.bind(birth, at: 9) } else { try upsert.bindNull(at: 9) }
        } else {
            try upsert.bindNull(at: 7)
            try upsert.bindNull(at: 8)
            try upsert.bindNull(at: 9)
        }
        _ = try upsert.step()
    }

    /// Moves an output's position (`checkpoint reset`); nil forgets it (start from the beginning).
    package func resetOutput(_ output: String, to position: OutputPosition?, at now: Timestamp) throws(JournalError) {
        try write("reset output \(output)") {
            if let position {
                try storePosition(output, position, now)
            } else {
                let delete = try statement("DELETE FROM output_positions WHERE output = ?1")
                try delete.bind(output, at: 1)
                _ = try delete.step()
            }
        }
    }

    private func storePosition(_ output: String, _ position: OutputPosition, _ now: Timestamp) throws {
        let upsert = try statement("""
            INSERT INTO output_positions (output, seq, byte_offset, file_counter, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT(output) DO UPDATE SET seq = excluded.seq, byte_offset = excluded.byte_offset,
                file_counter = excluded.file_counter, updated_ms = excluded.updated_ms
            """)
        try upsert.bind(output, at: 1)
        try upsert.bind(position.sequence, at: 2)
        try upsert.bind(position.byteOffset, at: 3)
        try upsert.bind(position.fileCounter, at: 4)
        try upsert.bind(now.epochMilliseconds, at: 5)
        _ = try upsert.step()
    }
}
