import TestSupport
import ForwarderCore
import Foundation
import Journal
import NIOCore
@testable import Outputs
import Testing

@Suite("Append files")
struct AppendFileSinkTests {
    func records(_ range: ClosedRange<Int>) -> RecordBatch {
        RecordBatch.lines(range) { "{\"n\":\($0)}" }
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
        try await first.write(records(1...5), now: t0, commit: commit)
        try await first.write(records(6...8), now: t0, commit: commit)
        // A crash mid-write: half a line reaches the file after the last commit, and the
        // process's descriptors (with the file's lock) close.
        try await first.finish(now: t0, commit: commit)
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
        try await second.write(records(9...12), now: t0, commit: commit)
        try await second.finish(now: t0, commit: commit)

        // A clean restart appends to the same file.
        let third = AppendFileSink(settings: settings)
        let again = try #require(try await journal.outputPosition("file"))
        _ = try await third.recover(position: again, files: try await journal.outputFiles("file"), commit: commit)
        try await third.write(records(13...13), now: t0, commit: commit)
        #expect(try lines(path) == (1...13).map { "{\"n\":\($0)}" })
    }

    @Test("reopen after copytruncate: the truncated file's length is what a crash cuts back to, so nothing written after it is lost or doubled")
    func reopenAfterCopyTruncate() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path + "/state")
        let path = dir.path + "/twilio.ndjson"
        let commit = journalCommitter(journal, "file")
        let settings = AppendFileSink.Settings(template: FileNameTemplate(path), rotation: nil)
        let sink = AppendFileSink(settings: settings)
        _ = try await sink.recover(position: OutputPosition(), files: [], commit: commit)
        try await sink.write(records(1...5), now: t0, commit: commit)
        // logrotate copytruncate: copy, then cut the file to zero under the open descriptor.
        try FileManager.default.copyItem(atPath: path, toPath: path + ".1")
        #expect(truncate(path, 0) == 0)
        try await sink.reopen(now: t0, commit: commit)
        try await sink.write(records(6...7), now: t0, commit: commit)
        #expect(try lines(path) == ["{\"n\":6}", "{\"n\":7}"], "no hole of NULs where the old bytes were")
        #expect(try lines(path + ".1") == (1...5).map { "{\"n\":\($0)}" })

        // A crash (its descriptors close): the next start cuts back to what was committed after
        // the reopen, no further.
        try await sink.finish(now: t0, commit: commit)
        let stored = try #require(try await journal.outputPosition("file"))
        let next = AppendFileSink(settings: settings)
        let resumed = try await next.recover(position: stored, files: try await journal.outputFiles("file"), commit: commit)
        #expect(resumed.sequence == 7)
        try await next.write(records(8...8), now: t0, commit: commit)
        #expect(try lines(path) == (6...8).map { "{\"n\":\($0)}" })
    }

    @Test("reopen after logrotate create: the renamed file keeps its lines, the new one at the path gets the next")
    func reopenAfterCreate() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path + "/state")
        let path = dir.path + "/twilio.ndjson"
        let commit = journalCommitter(journal, "file")
        let sink = AppendFileSink(settings: AppendFileSink.Settings(template: FileNameTemplate(path), rotation: nil))
        _ = try await sink.recover(position: OutputPosition(), files: [], commit: commit)
        try await sink.write(records(1...3), now: t0, commit: commit)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try await sink.reopen(now: t0, commit: commit)
        try await sink.write(records(4...4), now: t0, commit: commit)
        try await sink.finish(now: t0, commit: commit)
        #expect(try lines(path + ".1") == (1...3).map { "{\"n\":\($0)}" })
        #expect(try lines(path) == ["{\"n\":4}"])
        // A clean restart goes on appending to the new file.
        let next = AppendFileSink(settings: AppendFileSink.Settings(template: FileNameTemplate(path), rotation: nil))
        _ = try await next.recover(position: try #require(try await journal.outputPosition("file")), files: try await journal.outputFiles("file"), commit: commit)
        try await next.write(records(5...5), now: t0, commit: commit)
        #expect(try lines(path) == ["{\"n\":4}", "{\"n\":5}"])
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
            try await sink.write(records(n...n + 2), now: t0, commit: commit)
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
        try await sink.write(records(1...2), now: t0, commit: commit)
        #expect(await sink.nextDeadline() == t0.adding(.seconds(10)))
        try await sink.tick(now: t0.adding(.seconds(11)), commit: commit)
        try await sink.write(records(3...4), now: t0.adding(.seconds(12)), commit: commit)
        #expect(try lines(dir.path + "/out-000001.log") == ["{\"n\":1}", "{\"n\":2}"])
        #expect(try lines(dir.path + "/out-000002.log") == ["{\"n\":3}", "{\"n\":4}"])
    }

    /// A first run that wrote 1…5, then (crashing) half a record more; returns the journal's view.
    func crashedRun(_ journal: Journal, path: String) async throws -> (OutputPosition, [OutputFile]) {
        let commit = journalCommitter(journal, "file")
        let first = AppendFileSink(settings: .init(template: FileNameTemplate(path), rotation: nil))
        _ = try await first.recover(position: OutputPosition(), files: [], commit: commit)
        try await first.write(records(1...5), now: t0, commit: commit)
        try await first.finish(now: t0, commit: commit)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"n\":6".utf8))
        try handle.close()
        return (try #require(try await journal.outputPosition("file")), try await journal.outputFiles("file"))
    }

    @Test("a changed path leaves the file the journal names untouched and continues in the configured one")
    func changedPath() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path + "/state")
        let old = dir.path + "/old.log"
        let (position, files) = try await crashedRun(journal, path: old)
        let before = try String(contentsOfFile: old, encoding: .utf8)

        let configured = dir.path + "/new.log"
        let sink = AppendFileSink(settings: .init(template: FileNameTemplate(configured), rotation: nil))
        let commit = journalCommitter(journal, "file")
        _ = try await sink.recover(position: position, files: files, commit: commit)
        try await sink.write(records(6...7), now: t0, commit: commit)
        #expect(try String(contentsOfFile: old, encoding: .utf8) == before, "the old file is not cut back")
        #expect(try lines(configured) == ["{\"n\":6}", "{\"n\":7}"])
        #expect(try await journal.outputFiles("file").map(\.partPath) == [configured])
    }

    @Test("a file replaced at the same path (or a state dir restored where another file has that name) is not cut back")
    func replacedFile() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path + "/state")
        let path = dir.path + "/siem.log"
        let (position, files) = try await crashedRun(journal, path: path)
        // Someone else's file now has the name, longer than the committed length.
        try FileManager.default.removeItem(atPath: path)
        let foreign = String(repeating: "{\"other\":true}\n", count: 10)
        try foreign.write(toFile: path, atomically: false, encoding: .utf8)

        let sink = AppendFileSink(settings: .init(template: FileNameTemplate(path), rotation: nil))
        let commit = journalCommitter(journal, "file")
        _ = try await sink.recover(position: position, files: files, commit: commit)
        try await sink.write(records(6...6), now: t0, commit: commit)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == foreign + "{\"n\":6}\n", "appended after what was there")
    }

    @Test("a second sink on the same file is refused while the first holds it")
    func secondWriterRefused() async throws {
        let dir = TestDirectory()
        let journal = try Journal(directory: dir.path + "/state")
        let other = try Journal(directory: dir.path + "/copy")
        let path = dir.path + "/siem.log"
        let first = AppendFileSink(settings: .init(template: FileNameTemplate(path), rotation: nil))
        _ = try await first.recover(position: OutputPosition(), files: [], commit: journalCommitter(journal, "file"))
        try await first.write(records(1...2), now: t0, commit: journalCommitter(journal, "file"))
        let second = AppendFileSink(settings: .init(template: FileNameTemplate(path), rotation: nil))
        _ = try await second.recover(position: OutputPosition(), files: [], commit: journalCommitter(other, "file"))
        await #expect(throws: AppendFileInUse.self) {
            try await second.write(records(1...1), now: t0, commit: journalCommitter(other, "file"))
        }
        #expect(try lines(path).count == 2)
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

    @Test("a template recognises the paths it produces, and only those", arguments: [
        ("/out/t-{seq}.log", "/out/t-000042.log", true),
        ("/out/t-{seq}.log", "/out/t-1234567.log", true),
        ("/out/t-{seq}.log", "/out/t-42.log", false),
        ("/out/t-{seq}.log", "/elsewhere/t-000042.log", false),
        ("/out/twilio-{yyyy}{MM}{dd}.ndjson", "/out/twilio-20261120.ndjson", true),
        ("/out/twilio-{yyyy}{MM}{dd}.ndjson", "/out/twilio-20261120-000003.ndjson", true),
        ("/out/twilio-{yyyy}{MM}{dd}.ndjson", "/out/twilio-2026112.ndjson", false),
        ("/out/a+b (1).log", "/out/a+b (1).log", true),
        ("/out/a+b (1).log", "/out/aab (1).log", false),
        ("./rel/x-{HH}{mm}{ss}.log", "./rel/x-235959.log", true),
    ])
    func matches(template: String, path: String, expected: Bool) {
        #expect(FileNameTemplate(template).matches(path) == expected)
    }
}
