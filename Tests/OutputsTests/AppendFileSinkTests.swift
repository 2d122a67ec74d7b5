import TestSupport
import ForwarderCore
import Foundation
import Journal
import NIOCore
@testable import Outputs
import Testing

@Suite("Append files")
struct AppendFileSinkTests {
    func records(_ range: ClosedRange<Int>) -> ByteBuffer {
        var buffer = ByteBuffer()
        for i in range { buffer.writeString("{\"n\":\(i)}\n") }
        return buffer
    }

    func lines(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.isEmpty || text.hasSuffix("\n"), "no torn line")
        return text.split(separator: "\n").map(String.init)
    }

    let t0 = Timestamp(epochMilliseconds: 1_795_162_500_000)

    @Test("bytes written after the last commit are truncated away on restart, then written once")
    func truncateOnRestart() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path + "/state")
        let path = dir.path + "/twilio.ndjson"
        let commit = journalCommitter(journal, "file")
        let settings = AppendFileSink.Settings(template: FileNameTemplate(path), rotation: nil)

        let first = AppendFileSink(settings: settings)
        _ = try await first.recover(position: OutputPosition(), files: [], commit: commit)
        try await first.write(records(1...5), count: 5, through: 5, now: t0, commit: commit)
        try await first.write(records(6...8), count: 3, through: 8, now: t0, commit: commit)
        // A crash mid-write: half a line reaches the file after the last commit.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"n\":9}\n{\"n\":1".utf8))
        try handle.close()

        let stored = try #require(try await journal.outputPosition("file"))
        #expect(stored.sequence == 8)
        let second = AppendFileSink(settings: settings)
        let resumed = try await second.recover(position: stored, files: try await journal.outputFiles("file"), commit: commit)
        #expect(resumed.sequence == 8)
        #expect(try lines(path) == (1...8).map { "{\"n\":\($0)}" })
        try await second.write(records(9...12), count: 4, through: 12, now: t0, commit: commit)
        try await second.finish(now: t0, commit: commit)

        // A clean restart appends to the same file.
        let third = AppendFileSink(settings: settings)
        let again = try #require(try await journal.outputPosition("file"))
        _ = try await third.recover(position: again, files: try await journal.outputFiles("file"), commit: commit)
        try await third.write(records(13...13), count: 1, through: 13, now: t0, commit: commit)
        #expect(try lines(path) == (1...13).map { "{\"n\":\($0)}" })
    }

    @Test("a fixed path rotates logrotate-style by size, with no age timer; a crash after the committed rename is completed")
    func fixedPathRotation() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path + "/state")
        let path = dir.path + "/twilio.log"
        let commit = journalCommitter(journal, "file")
        let settings = AppendFileSink.Settings(
            template: FileNameTemplate(path), rotation: RotationPolicy(maxBytes: 40, maxAge: nil))
        let sink = AppendFileSink(settings: settings)
        _ = try await sink.recover(position: OutputPosition(), files: [], commit: commit)
        for n in stride(from: 1, through: 30, by: 3) {
            try await sink.write(records(n...n + 2), count: 3, through: Int64(n + 2), now: t0, commit: commit)
            #expect(await sink.nextDeadline() == nil, "a size-only policy never wakes the output by time")
        }
        try await sink.finish(now: t0, commit: commit)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("twilio.log") }.sorted()
        #expect(names.count > 3)
        // Rotated files in order, then the active one, hold 1...30 exactly once.
        let rotated = names.filter { $0 != "twilio.log" } + (names.contains("twilio.log") ? ["twilio.log"] : [])
        let all = try rotated.flatMap { try lines(dir.path + "/" + $0) }
        #expect(all == (1...30).map { "{\"n\":\($0)}" })
        #expect(try await journal.outputFiles("file").allSatisfy { !$0.sealed }, "no rotation left half done")

        // Simulate a crash between the committed seal and the rename.
        try await journal.sealFile("file", file: OutputFile(partPath: path, finalPath: path + ".999999", firstSequence: 31, lastSequence: 31, sealed: true),
                                   position: OutputPosition(sequence: 30, byteOffset: 0, fileCounter: 99), at: t0)
        try "{\"n\":31}\n".write(toFile: path, atomically: false, encoding: .utf8)
        let recovering = AppendFileSink(settings: settings)
        _ = try await recovering.recover(position: try #require(try await journal.outputPosition("file")),
                                         files: try await journal.outputFiles("file"), commit: commit)
        #expect(FileManager.default.fileExists(atPath: path + ".999999"))
        #expect(try await journal.outputFiles("file").isEmpty)
    }

    @Test("a path template opens a new file per rotation and never reuses a name")
    func templatedRotation() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path + "/state")
        let commit = journalCommitter(journal, "file")
        let sink = AppendFileSink(settings: .init(
            template: FileNameTemplate(dir.path + "/out-{seq}.log"), rotation: RotationPolicy(maxBytes: 1 << 30, maxAge: .seconds(10))))
        _ = try await sink.recover(position: OutputPosition(), files: [], commit: commit)
        try await sink.write(records(1...2), count: 2, through: 2, now: t0, commit: commit)
        #expect(await sink.nextDeadline() == t0.adding(.seconds(10)))
        try await sink.tick(now: t0.adding(.seconds(11)), commit: commit)
        try await sink.write(records(3...4), count: 2, through: 4, now: t0.adding(.seconds(12)), commit: commit)
        #expect(try lines(dir.path + "/out-000001.log") == ["{\"n\":1}", "{\"n\":2}"])
        #expect(try lines(dir.path + "/out-000002.log") == ["{\"n\":3}", "{\"n\":4}"])
    }
}

@Suite("File name templates")
struct FileNameTemplateTests {
    let t0 = Timestamp(epochMilliseconds: 1_795_162_500_000)

    @Test("a template without {seq} gets a numbered name instead of reusing or searching forever")
    func withoutSequence() {
        let template = FileNameTemplate("/out/twilio-{yyyy}{MM}{dd}.ndjson.gz")
        var taken: Set<String> = []
        var counter: Int64 = 1
        var names: [String] = []
        for _ in 0..<3 {
            let name = template.freshPath(openedAt: t0, counter: &counter) { taken.contains($0) }
            taken.insert(name)
            names.append(name)
        }
        #expect(names == ["/out/twilio-20261120.ndjson.gz", "/out/twilio-20261120-000002.ndjson.gz", "/out/twilio-20261120-000003.ndjson.gz"])
        #expect(FileNameTemplate.inserting(7, into: "/a.b/.hidden") == "/a.b/.hidden-000007")
        #expect(FileNameTemplate.inserting(7, into: "/a.b/plain") == "/a.b/plain-000007")
    }

    @Test("a template with {seq} moves the counter past taken names")
    func withSequence() {
        let template = FileNameTemplate("/out/t-{seq}.log")
        var counter: Int64 = 1
        let name = template.freshPath(openedAt: t0, counter: &counter) { $0 == "/out/t-000001.log" || $0 == "/out/t-000002.log" }
        #expect(name == "/out/t-000003.log" && counter == 3)
    }
}
