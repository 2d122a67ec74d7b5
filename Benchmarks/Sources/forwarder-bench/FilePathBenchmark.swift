import ForwarderCore
import Foundation
import NIOCore
import OutputFormats
import Outputs

/// FNV-1a (64 bit) of `bytes`: printed next to each encoder's numbers so a change to an encoder
/// that alters a single output byte shows as a different digest between two runs.
func digest(_ bytes: ByteBuffer) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes.readableBytesView {
        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    return String(hash, radix: 16)
}

/// The NDJSON.gz file path as an output drives it: batches of 1000 records (encoded and framed,
/// as `OutputService` does) handed to a real `RotatingFileSink` in a temporary directory at gzip
/// level 6, timed until `finish` made the last file durable and renamed it. Printed next to zlib
/// alone on the same bytes, which is the bound the issue compares it with.
func benchmarkFilePath(_ events: [ForwardedEvent], zlibSeconds: Double, ndjsonBytes: Int) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("forwarder-bench-\(getpid())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let noCommit = OutputCommitter { _ in }
    let now = Timestamp(epochMilliseconds: 0)

    // Pre-encoded batches: the sink alone (compression, writes, fsync, rename).
    var batches: [RecordBatch] = []
    var batchEncoder = RecordBatchEncoder(encoder: NDJSONEncoder(), framer: NewlineDelimitedFramer())
    for start in stride(from: 0, to: events.count, by: 1000) {
        let end = min(events.count, start + 1000)
        batches.append(batchEncoder.batch(Array(events[start..<end]), through: Int64(end)))
    }
    let sinkOnly = RotatingFileSink(settings: .init(template: FileNameTemplate(directory + "/sink-{seq}.ndjson.gz"),
                                                    rotation: RotationPolicy(maxBytes: 64 << 20, maxAge: nil)))
    let sinkStart = ContinuousClock.now
    for batch in batches {
        try await sinkOnly.write(batch, now: now, commit: noCommit)
    }
    try await sinkOnly.finish(now: now, commit: noCommit)
    let sinkSeconds = (ContinuousClock.now - sinkStart).secondsDouble
    report("gzip file sink alone, level 6", events: events.count, bytes: ndjsonBytes, seconds: sinkSeconds, zlibSeconds: zlibSeconds)

    // Encode + frame + sink, what an output does with each batch it read from the journal.
    let full = RotatingFileSink(settings: .init(template: FileNameTemplate(directory + "/path-{seq}.ndjson.gz"),
                                                rotation: RotationPolicy(maxBytes: 64 << 20, maxAge: nil)))
    var pathEncoder = RecordBatchEncoder(encoder: NDJSONEncoder(), framer: NewlineDelimitedFramer())
    let pathStart = ContinuousClock.now
    for start in stride(from: 0, to: events.count, by: 1000) {
        let end = min(events.count, start + 1000)
        try await full.write(pathEncoder.batch(Array(events[start..<end]), through: Int64(end)), now: now, commit: noCommit)
    }
    try await full.finish(now: now, commit: noCommit)
    let pathSeconds = (ContinuousClock.now - pathStart).secondsDouble
    report("NDJSON.gz path (encode + sink)", events: events.count, bytes: ndjsonBytes, seconds: pathSeconds, zlibSeconds: zlibSeconds)

    let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("path-") }
    let size = try files.reduce(0) { $0 + ((try FileManager.default.attributesOfItem(atPath: directory + "/" + $1)[.size] as? Int) ?? 0) }
    print(String(format: "  %d file(s), compressed to %.1f%%", files.count, Double(size) * 100 / Double(ndjsonBytes)))
}

private func report(_ label: String, events: Int, bytes: Int, seconds: Double, zlibSeconds: Double) {
    print(String(format: "%-34@ %9.0f events/s  %7.1f MB/s  (%.3f s, %.2fx zlib alone level 6)", label as NSString,
                 Double(events) / seconds, Double(bytes) / seconds / 1e6, seconds, zlibSeconds / seconds))
}
