import TestSupport
import ForwarderCore
import Foundation
import Gzip
import Journal
import NIOCore
import Outputs
import Testing

/// Lines of every final (non-.part) gzip file in a directory, file by file in name order.
func gzipLines(in directory: String) throws -> [[String]] {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".ndjson.gz") }.sorted()
    return try names.map { name in
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        let text = String(decoding: try Gzip.decompress(Array(data)), as: UTF8.self)
        #expect(text.isEmpty || text.hasSuffix("\n"))
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}

/// Performs a file sink's commits in a real journal, as the output service does.
func journalCommitter(_ journal: Journal, _ name: String) -> OutputCommitter {
    OutputCommitter { commit in
        switch commit {
        case .openFile(let f): try await journal.openFile(name, file: f)
        case .position(let p): try await journal.commitOutput(name, position: p, at: Timestamp(epochMilliseconds: 0))
        case .sealFile(let f, let p): try await journal.sealFile(name, file: f, position: p, at: Timestamp(epochMilliseconds: 0))
        case .fileDone(let part): try await journal.completeFile(name, partPath: part)
        }
    }
}

@Suite("Rotating gzip files")
struct RotatingFileSinkTests {
    /// Records that compress poorly (a pseudo-random payload), so size rotation really happens.
    static func line(_ i: Int) -> String {
        var rng = SeededRandom(seed: UInt64(i))
        let noise = (0..<4).map { _ in String(rng.next(), radix: 16) }.joined()
        return "{\"n\":\(i),\"x\":\"\(noise)\"}"
    }

    func records(_ range: ClosedRange<Int>) -> RecordBatch {
        RecordBatch.lines(range) { Self.line($0) }
    }

    @Test("files rotate by size and age, become visible only when complete, and hold every record once")
    func rotation() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path + "/state")
        let out = dir.path + "/out"
        let sink = RotatingFileSink(settings: .init(
            template: FileNameTemplate(out + "/t-{yyyy}{MM}{dd}-{seq}.ndjson.gz"), gzipLevel: 6,
            rotation: RotationPolicy(maxBytes: 20_000, maxAge: .seconds(60))
        ))
        let commit = journalCommitter(journal, "o")
        var position = try await sink.recover(position: OutputPosition(), files: [], commit: commit)
        #expect(position.sequence == 0)
        let t0 = Timestamp(epochMilliseconds: 1_795_162_500_000)
        try await sink.write(records(1...10), now: t0, commit: commit)
        // Nothing is visible while the first file is open (unless size already rotated it).
        for start in stride(from: 11, to: 2950, by: 490) {
            try await sink.write(records(start...(start + 489)), now: t0, commit: commit)
        }
        try await sink.write(records(2951...2955), now: t0, commit: commit)
        try await sink.tick(now: t0.adding(.seconds(61)), commit: commit)
        try await sink.write(records(2956...2960), now: t0.adding(.seconds(62)), commit: commit)
        try await sink.finish(now: t0.adding(.seconds(63)), commit: commit)

        let files = try gzipLines(in: out)
        #expect(files.count >= 3)
        let all = files.flatMap { $0 }
        #expect(all == (1...2960).map { Self.line($0) })
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).allSatisfy { !$0.hasSuffix(".part") })
        position = try await journal.outputPosition("o") ?? OutputPosition()
        #expect(position.sequence == 2960)
        #expect(position.fileCounter == Int64(files.count))
        #expect(try await journal.outputFiles("o").isEmpty)
        await journal.close()
    }

    @Test("recovery renames sealed files and discards open ones")
    func recovery() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path + "/state")
        let out = dir.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let sealed = OutputFile(partPath: out + "/a.ndjson.gz.part", finalPath: out + "/a.ndjson.gz", firstSequence: 1, lastSequence: 5, sealed: true)
        let open = OutputFile(partPath: out + "/b.ndjson.gz.part", finalPath: out + "/b.ndjson.gz", firstSequence: 6, lastSequence: 6)
        _ = FileManager.default.createFile(atPath: sealed.partPath, contents: Data(try Gzip.compress(Array("{\"n\":1}\n".utf8))))
        _ = FileManager.default.createFile(atPath: open.partPath, contents: Data([0x1f, 0x8b]))
        try await journal.openFile("o", file: open)
        try await journal.sealFile("o", file: sealed, position: OutputPosition(sequence: 5, fileCounter: 2), at: Timestamp(epochMilliseconds: 0))

        let sink = RotatingFileSink(settings: .init(template: FileNameTemplate(out + "/c-{seq}.ndjson.gz"), rotation: RotationPolicy(maxBytes: 1 << 20, maxAge: .seconds(60))))
        let position = try await sink.recover(
            position: try await journal.outputPosition("o")!, files: try await journal.outputFiles("o"), commit: journalCommitter(journal, "o")
        )
        #expect(position.sequence == 5)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["a.ndjson.gz"])
        #expect(try await journal.outputFiles("o").isEmpty)
        await journal.close()
    }
}
