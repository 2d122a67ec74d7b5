import ForwarderCore
import Foundation
import Gzip
import NIOCore
@testable import Outputs
import TestSupport
import Testing

/// The gzip file written as independent members compressed on the thread pool: what is cut into
/// members, in which order they are handed out, and that the members read back as one text.
@Suite("Gzip members")
struct GzipMembersTests {
    static func records(_ range: Range<Int>) -> ByteBuffer {
        var buffer = ByteBuffer()
        for i in range { buffer.writeString(RotatingFileSinkTests.line(i) + "\n") }
        return buffer
    }

    @Test("input is cut into members of about a megabyte, handed out in order, and they read back as the input")
    func membersInOrder() async throws {
        var members = GzipMembers(level: 6)
        var expected: [UInt8] = []
        var written: [UInt8] = []
        for start in stride(from: 0, to: 120_000, by: 4_000) {
            let batch = Self.records(start..<(start + 4_000))
            expected += Array(batch.readableBytesView)
            members.add(batch)
            while let job = members.takeOldestOverLimit() { written += try await job.output.get() }
            #expect(members.inFlightCount <= GzipMembers.maxInFlight)
        }
        let started = members.membersStarted
        for job in members.finish() { written += try await job.output.get() }
        #expect(started >= 3, "several members for several megabytes")
        #expect(members.membersStarted == started + 1, "the rest becomes the last member")
        #expect(try Gzip.decompress(written) == expected)
    }

    @Test("a file with no input still gets one (empty) member, so it is a valid gzip file")
    func emptyFile() async throws {
        var members = GzipMembers(level: 6)
        let jobs = members.finish()
        #expect(jobs.count == 1)
        var written: [UInt8] = []
        for job in jobs { written += try await job.output.get() }
        #expect(try Gzip.decompress(written).isEmpty)
    }

    @Test("draining hands out what compresses and the input not yet cut, and the bound covers both")
    func drainForExactSizes() async throws {
        var members = GzipMembers(level: 1)
        members.add(Self.records(0..<30_000))   // over a megabyte: cut
        members.add(Self.records(30_000..<30_010))  // a little more: waits
        #expect(members.inFlightCount == 1)
        #expect(members.unwrittenOutputBound >= members.unwrittenInputBytes)
        let (jobs, rest) = members.drain()
        #expect(jobs.count == 1)
        #expect(rest.count == 1 && members.unwrittenInputBytes == 0 && members.inFlightCount == 0)
    }

    @Test("a file much larger than a member holds every record once, in order, whatever the level", arguments: [1, 6, 9])
    func sinkWritesMembersInOrder(level: Int) async throws {
        let dir = TestDirectory()
        let sink = RotatingFileSink(settings: .init(template: FileNameTemplate(dir.path + "/m-{seq}.ndjson.gz"), gzipLevel: level,
                                                    rotation: RotationPolicy(maxBytes: nil, maxAge: .seconds(3600))))
        let commit = OutputCommitter { _ in }
        let now = Timestamp(epochMilliseconds: 0)
        for start in stride(from: 0, to: 100_000, by: 2_500) {
            try await sink.write(RecordBatch.lines((start + 1)...(start + 2_500)) { RotatingFileSinkTests.line($0 - 1) }, now: now, commit: commit)
        }
        try await sink.finish(now: now, commit: commit)
        let files = try gzipLines(in: dir.path)
        #expect(files.count == 1)
        #expect(files.flatMap { $0 } == (0..<100_000).map { RotatingFileSinkTests.line($0) })
    }

    @Test("size rotation still closes files near max_bytes once members would reach it")
    func sizeRotationWithMembers() async throws {
        let dir = TestDirectory()
        let maxBytes: Int64 = 3 << 20
        let sink = RotatingFileSink(settings: .init(template: FileNameTemplate(dir.path + "/s-{seq}.ndjson.gz"), gzipLevel: 6,
                                                    rotation: RotationPolicy(maxBytes: maxBytes, maxAge: .seconds(3600))))
        let commit = OutputCommitter { _ in }
        let now = Timestamp(epochMilliseconds: 0)
        var batches = 0
        for start in stride(from: 0, to: 400_000, by: 2_000) {
            try await sink.write(RecordBatch.lines((start + 1)...(start + 2_000)) { RotatingFileSinkTests.line($0 - 1) }, now: now, commit: commit)
            batches += 1
        }
        try await sink.finish(now: now, commit: commit)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".ndjson.gz") }.sorted()
        #expect(names.count >= 2)
        for name in names.dropLast() {
            let size = try FileManager.default.attributesOfItem(atPath: dir.path + "/" + name)[.size] as? Int ?? 0
            // Closed once it reached max_bytes, overshooting by at most one batch's compressed bytes.
            #expect(Int64(size) >= maxBytes && Int64(size) < maxBytes + (256 << 10), "\(name): \(size) bytes")
        }
        #expect(try gzipLines(in: dir.path).flatMap { $0 } == (0..<400_000).map { RotatingFileSinkTests.line($0) })
    }
}
