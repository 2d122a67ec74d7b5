import OutputFormats
import TestSupport
import ForwarderCore
import Foundation
import Gzip
import Journal
import NIOCore
import Outputs
import Testing

/// File outputs on a real, tiny file system that fills up or turns read-only under them, driven
/// through the real output service and journal: every case ends with each record exactly once
/// in the files, the output reported failing while the fault lasted, and delivery resumed
/// without a restart once it cleared.
@Suite("Storage faults under file outputs", .serialized)
struct StorageFaultTests {
    /// Records of about 700 bytes that compress to roughly half: a few thousand fill a megabyte.
    static let encoder = TestSyslogEncoder(noise: 600)

    static func gzipSink(_ directory: String, maxBytes: Int64 = 1 << 20, maxAge: Duration = .seconds(3600)) -> RotatingFileSink {
        RotatingFileSink(settings: .init(
            template: FileNameTemplate(directory + "/t-{seq}.ndjson.gz"), gzipLevel: 6,
            rotation: RotationPolicy(maxBytes: maxBytes, maxAge: maxAge)
        ))
    }

    /// Every record id in the complete gzip files of `directory`, in file order, duplicates kept.
    static func gzipIDs(_ directory: String) throws -> [Int] {
        try gzipLines(in: directory).flatMap { $0 }.map { line in
            guard let range = line.range(of: "id=\"E"), let end = line[range.upperBound...].firstIndex(of: "\"") else { return -1 }
            return Int(line[range.upperBound..<end]) ?? -1
        }
    }

    /// Every record id in a plain file of lines.
    static func appendIDs(_ path: String) throws -> [Int] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.isEmpty || text.hasSuffix("\n"), "no torn last line")
        return text.split(separator: "\n").map { line in
            guard let range = line.range(of: "id=\"E"), let end = line[range.upperBound...].firstIndex(of: "\"") else { return -1 }
            return Int(line[range.upperBound..<end]) ?? -1
        }
    }

    static func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw SmallFileSystemError.timedOut(what) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func hasPart(_ directory: String) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).contains { $0.hasSuffix(".part") }
    }

    static func failing(_ health: HealthRegistry) async -> Bool {
        await health.snapshot()[.output("siem")]?.healthy == false
    }

    @Test("disk full while a gzip .part is open: the retry writes a new file, nothing is committed that is in no file")
    func diskFullWhileWriting() async throws {
        guard let fs = try SmallFileSystem.mount(bytes: 2 << 20) else {
            print("skipped: mounting a small file system needs root")
            return
        }
        let dir = TestDirectory()
        let health = HealthRegistry()
        let out = fs.path + "/out"
        let output = try await OutputHarness(sink: Self.gzipSink(out), directory: dir.path + "/state", encoder: Self.encoder,
                                             framer: NewlineDelimitedFramer(), batchSize: 200, health: health)
        try await output.publish(1...100)
        try await Self.waitUntil("the first file is open") { Self.hasPart(out) }
        try fs.fill()
        try await output.publish(101...2500)
        try await Self.waitUntil("the output reports the full disk") { await Self.failing(health) }
        #expect(await output.service.committedSequence() == 0, "nothing is committed while no file could be written")
        fs.free()
        try await Self.waitUntil("the output is healthy again") { await !Self.failing(health) }
        try await output.shutdown()

        #expect(exactlyOnceProblem(try Self.gzipIDs(out), expected: Array(1...2500)) == nil)
        #expect(try await output.journal.outputPosition("siem")?.sequence == 2500)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).allSatisfy { !$0.hasSuffix(".part") })
        #expect(try await output.journal.outputFiles("siem").isEmpty)
        await output.journal.close()
    }

    @Test("disk full while a gzip file is sealed (rotation, then shutdown): the retry seals a fresh copy and the sink is not left stuck")
    func diskFullWhileSealing() async throws {
        guard let fs = try SmallFileSystem.mount(bytes: 1 << 20) else {
            print("skipped: mounting a small file system needs root")
            return
        }
        let dir = TestDirectory()
        let health = HealthRegistry()
        let out = fs.path + "/out"
        // Fewer records than one 256 KiB write: they sit in memory until the seal writes them.
        let output = try await OutputHarness(sink: Self.gzipSink(out, maxAge: .milliseconds(500)), directory: dir.path + "/state",
                                             encoder: Self.encoder, framer: NewlineDelimitedFramer(), batchSize: 200,
                                             drainOnStop: .seconds(1), health: health)
        try await output.publish(1...300)
        try await Self.waitUntil("the first file is sealed") { await output.service.committedSequence() == 300 }
        try await output.publish(301...600)
        try await Self.waitUntil("the second file is open") { Self.hasPart(out) }
        try fs.fill()
        try await Self.waitUntil("the age rotation fails on the full disk") { await Self.failing(health) }
        #expect(await output.service.committedSequence() == 300)
        fs.free()
        try await Self.waitUntil("the second file is sealed after all", timeout: .seconds(60)) { await output.service.committedSequence() == 600 }
        #expect(await !Self.failing(health))

        // The same at shutdown: the final seal fails, the stop ends, and the next start delivers the rest once.
        try await output.publish(601...700)
        try await Self.waitUntil("the third file is open") { Self.hasPart(out) }
        try fs.fill()
        try await output.shutdown()
        fs.free()
        await output.journal.close()
        let restarted = try await OutputHarness(sink: Self.gzipSink(out, maxAge: .milliseconds(500)), directory: dir.path + "/state",
                                                encoder: Self.encoder, framer: NewlineDelimitedFramer(), batchSize: 200)
        #expect(try await restarted.committed(700, within: .seconds(30)))
        try await restarted.shutdown()

        #expect(exactlyOnceProblem(try Self.gzipIDs(out), expected: Array(1...700)) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).allSatisfy { !$0.hasSuffix(".part") })
        await restarted.journal.close()
    }

    @Test("the journal's disk full while an output commits: the position stays where the data is, and delivery resumes")
    func diskFullWhileCommitting() async throws {
        guard let fs = try SmallFileSystem.mount(bytes: 3 << 20) else {
            print("skipped: mounting a small file system needs root")
            return
        }
        let dir = TestDirectory()
        let health = HealthRegistry()
        let path = dir.path + "/out/siem.log"
        // The journal lives on the small file system; the output file does not.
        let gated = GatedSink(AppendFileSink(settings: .init(template: FileNameTemplate(path), rotation: nil)))
        let output = try await OutputHarness(sink: gated, directory: fs.path + "/state", encoder: Self.encoder,
                                             framer: NewlineDelimitedFramer(), batchSize: 50, health: health)
        try await output.publish(1...200)
        #expect(try await output.committed(200, within: .seconds(30)))
        // The next batch waits at the gate while the disk fills: only its commit hits the full disk.
        await gated.close()
        try await output.publish(201...400)
        try await Self.waitUntil("a write waits at the gate") { await gated.waiting }
        try fs.fill()
        await gated.open()
        try await Self.waitUntil("the output reports the failing commit") { await Self.failing(health) }
        #expect(await output.service.committedSequence() < 400)
        fs.free()
        #expect(try await output.committed(400, within: .seconds(30)))
        try await output.shutdown()
        #expect(exactlyOnceProblem(try Self.appendIDs(path), expected: Array(1...400)) == nil)
        await output.journal.close()
    }

    @Test("an output directory remounted read-only and back: writes fail while it lasts, then every record arrives once")
    func readOnlyAndBack() async throws {
        guard let fs = try SmallFileSystem.mount(bytes: 4 << 20) else {
            print("skipped: mounting a small file system needs root")
            return
        }
        let dir = TestDirectory()
        let health = HealthRegistry()
        let out = fs.path + "/out"
        let output = try await OutputHarness(sink: Self.gzipSink(out, maxAge: .milliseconds(200)), directory: dir.path + "/state",
                                             encoder: Self.encoder, framer: NewlineDelimitedFramer(), batchSize: 100, health: health)
        try await output.publish(1...200)
        // Remounting read-only needs a moment with no file open for writing: after a seal.
        #expect(try await output.committed(200, within: .seconds(30)))
        try fs.remount(readOnly: true)
        try await output.publish(201...400)
        try await Self.waitUntil("the output reports the read-only file system") { await Self.failing(health) }
        #expect(await output.service.committedSequence() == 200)
        try fs.remount(readOnly: false)
        #expect(try await output.committed(400, within: .seconds(30)))
        try await output.shutdown()
        #expect(exactlyOnceProblem(try Self.gzipIDs(out), expected: Array(1...400)) == nil)
        await output.journal.close()
    }
}

/// A sink whose writes wait while the test holds its gate closed (to line a fault up with a write).
actor GatedSink: RecordSink {
    private let inner: any RecordSink
    private var closed = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private(set) var waiting = false

    init(_ inner: any RecordSink) {
        self.inner = inner
    }

    func close() { closed = true }

    func open() {
        closed = false
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }

    func recover(position: OutputPosition, files: [OutputFile], commit: OutputCommitter) async throws -> OutputPosition {
        try await inner.recover(position: position, files: files, commit: commit)
    }

    func write(_ batch: RecordBatch, now: Timestamp, commit: OutputCommitter) async throws {
        if closed {
            waiting = true
            await withCheckedContinuation { waiters.append($0) }
            waiting = false
        }
        try await inner.write(batch, now: now, commit: commit)
    }

    func tick(now: Timestamp, commit: OutputCommitter) async throws {
        try await inner.tick(now: now, commit: commit)
    }

    func nextDeadline() async -> Timestamp? {
        await inner.nextDeadline()
    }

    func finish(now: Timestamp, commit: OutputCommitter) async throws {
        try await inner.finish(now: now, commit: commit)
    }
}

extension SmallFileSystemError {
    static func timedOut(_ what: String) -> SmallFileSystemError {
        SmallFileSystemError(description: "timed out waiting until \(what)")
    }
}
