import Foundation
import Gzip
import Testing

/// Deterministic SplitMix64, so failures reproduce.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// About `size` bytes of JSON-like lines with random ids and values.
private func jsonLines(size: Int, seed: UInt64 = 1) -> [UInt8] {
    var rng = SplitMix64(state: seed)
    let events = ["call.completed", "sms.sent", "login.failed", "webhook.retry", "api.request"]
    var out: [UInt8] = []
    out.reserveCapacity(size + 2048)
    while out.count < size {
        let id = String(rng.next(), radix: 16)
        let line = #"{"ts":\#(1_700_000_000 + rng.next() % 10_000_000),"event":"\#(events[Int(rng.next() % 5)])","# +
            #""sid":"SM\#(id)","ms":\#(rng.next() % 5000),"note":"ünïcode ✓ \#(rng.next() % 997)"}"# + "\n"
        out.append(contentsOf: Array(line.utf8))
    }
    return Array(out.prefix(size))
}

/// Splits `data` into slices of sizes cycling through `sizes`.
private func chunks(_ data: [UInt8], sizes: [Int]) -> [ArraySlice<UInt8>] {
    var result: [ArraySlice<UInt8>] = []
    var offset = 0
    var i = 0
    while offset < data.count {
        let end = min(offset + sizes[i % sizes.count], data.count)
        result.append(data[offset..<end])
        offset = end
        i += 1
    }
    return result
}

/// Runs /bin/gzip with `arguments`, stdin from `input`, returning stdout and the exit status.
private func runGzip(_ arguments: [String], input: [UInt8]) throws -> (output: [UInt8], status: Int32) {
    let dir = try TempDir()
    defer { dir.cleanup() }
    let inURL = dir.url.appendingPathComponent("in")
    let outURL = dir.url.appendingPathComponent("out")
    try Data(input).write(to: inURL)
    guard FileManager.default.createFile(atPath: outURL.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = arguments + [inURL.path]
    let stdout = try FileHandle(forWritingTo: outURL)
    process.standardOutput = stdout
    try process.run()
    process.waitUntilExit()
    try stdout.close()
    return ([UInt8](try Data(contentsOf: outURL)), process.terminationStatus)
}

@Suite struct GzipTests {
    @Test func emptyInputRoundTrips() throws {
        let compressor = try GzipCompressor()
        var out: [UInt8] = []
        try compressor.compress([], into: &out)
        #expect(out.isEmpty)
        try compressor.finish(into: &out)
        #expect(Array(out.prefix(2)) == [0x1F, 0x8B])
        #expect(out.count == 20)
        #expect(try Gzip.decompress(out) == [])
        #expect(try Gzip.decompress(Gzip.compress([])) == [])
    }

    @Test func oneByteRoundTrips() throws {
        let compressed = try Gzip.compress([0x42])
        #expect(Array(compressed.prefix(3)) == [0x1F, 0x8B, 0x08])
        #expect(try Gzip.decompress(compressed) == [0x42])
    }

    @Test func tenMegabytesInOddChunksRoundTrip() throws {
        let input = jsonLines(size: 10 << 20)
        let sizes = [1, 7, 4096, 65537]
        let compressor = try GzipCompressor()
        var compressed: [UInt8] = []
        for chunk in chunks(input, sizes: sizes) {
            try chunk.withUnsafeBytes { try compressor.compress($0, into: &compressed) }
        }
        try compressor.finish(into: &compressed)
        #expect(compressor.totalIn == input.count)
        #expect(compressor.totalOut == compressed.count)
        #expect(compressed.count < input.count / 3)

        let decompressor = try GzipDecompressor()
        var output: [UInt8] = []
        for chunk in chunks(compressed, sizes: sizes.reversed()) {
            try chunk.withUnsafeBytes { try decompressor.decompress($0, into: &output) }
        }
        try decompressor.finish()
        #expect(output.count == input.count)
        #expect(output == input)
        #expect(try Gzip.decompress(compressed) == input)
    }

    @Test(arguments: 0...9)
    func everyLevelRoundTrips(level: Int) throws {
        let input = jsonLines(size: 300_000, seed: UInt64(level))
        let compressed = try Gzip.compress(input, level: level)
        #expect(Array(compressed.prefix(2)) == [0x1F, 0x8B])
        #expect(try Gzip.decompress(compressed) == input)
        if level > 0 { #expect(compressed.count < input.count / 2) }
    }

    @Test func invalidLevelThrows() {
        #expect(throws: GzipError.self) { try GzipCompressor(level: 10) }
        #expect(throws: GzipError.self) { try GzipCompressor(level: -1) }
    }

    @Test func systemGzipDecodesOurOutput() throws {
        let input = jsonLines(size: 2 << 20, seed: 7)
        let (output, status) = try runGzip(["-dc"], input: try Gzip.compress(input))
        #expect(status == 0)
        #expect(output == input)
        let empty = try runGzip(["-dc"], input: try Gzip.compress([]))
        #expect(empty.status == 0 && empty.output.isEmpty)
    }

    @Test func weDecodeSystemGzipOutput() throws {
        let input = jsonLines(size: 2 << 20, seed: 8)
        for flags in [["-c"], ["-c", "-1"], ["-c", "-9"]] {
            let (compressed, status) = try runGzip(flags, input: input)
            #expect(status == 0)
            #expect(try Gzip.decompress(compressed) == input)
        }
        // `gzip -c` of a named file stores the name (FNAME flag); check the header path was exercised.
        let (named, _) = try runGzip(["-c"], input: [1, 2, 3])
        #expect(named[3] & 0x08 != 0)
        #expect(try Gzip.decompress(named) == [1, 2, 3])
    }

    @Test func concatenatedMembersDecodeToConcatenation() throws {
        let a = jsonLines(size: 100_000, seed: 1)
        let b = jsonLines(size: 5_000, seed: 2)
        let (fromSystem, _) = try runGzip(["-c"], input: b)
        let stream = try Gzip.compress(a) + Gzip.compress([]) + fromSystem + Gzip.compress([9])
        let expected = a + b + [9]
        #expect(try Gzip.decompress(stream) == expected)
        // Also through the streaming API with boundaries split at every chunk size.
        for size in [1, 7, 4096] {
            let decompressor = try GzipDecompressor()
            var output: [UInt8] = []
            for chunk in chunks(stream, sizes: [size]) {
                try chunk.withUnsafeBytes { try decompressor.decompress($0, into: &output) }
            }
            try decompressor.finish()
            #expect(output == expected)
        }
    }

    @Test func truncatedStreamThrows() throws {
        let small = try Gzip.compress(Array("hello, truncated world".utf8))
        for length in 0..<small.count {
            #expect(throws: GzipError.self, "prefix of \(length) bytes") {
                _ = try Gzip.decompress(Array(small.prefix(length)))
            }
        }
        let big = try Gzip.compress(jsonLines(size: 1 << 20))
        #expect(throws: GzipError.self) { _ = try Gzip.decompress(Array(big.dropLast(1))) }
        #expect(throws: GzipError.self) { _ = try Gzip.decompress(Array(big.prefix(big.count / 2))) }
        // A complete member followed by a partial one is truncated too.
        #expect(throws: GzipError.self) { _ = try Gzip.decompress(small + small.prefix(12)) }

        let decompressor = try GzipDecompressor()
        var out: [UInt8] = []
        try decompressor.decompress(Array(big.prefix(big.count - 8)), into: &out)
        let error = try #require(throws: GzipError.self) { try decompressor.finish() }
        #expect(error.message.contains("truncated"))
    }

    @Test func corruptedBytesThrowNeverCrash() throws {
        let input = jsonLines(size: 20_000, seed: 3)
        let good = try Gzip.compress(input)
        // Bytes 4...9 (MTIME, XFL, OS) are not checked by any gzip decoder; every other byte is.
        for position in Array(0..<4) + Array(10..<good.count) {
            var bad = good
            bad[position] ^= 0xFF
            #expect(throws: GzipError.self, "flipped byte \(position)") { _ = try Gzip.decompress(bad) }
        }
        #expect(throws: GzipError.self) { _ = try Gzip.decompress(Array("not gzip at all".utf8)) }
        #expect(throws: GzipError.self) { _ = try Gzip.decompress(good + Array("trailing garbage".utf8)) }
        // Random multi-byte damage: any outcome but a crash or wrong data passing silently.
        var rng = SplitMix64(state: 99)
        for _ in 0..<300 {
            var bad = good
            for _ in 0..<Int(rng.next() % 8 + 1) {
                bad[Int(rng.next() % UInt64(bad.count - 10)) + 10] = UInt8(truncatingIfNeeded: rng.next())
            }
            if let decoded = try? Gzip.decompress(bad) { #expect(decoded == input || bad == good) }
        }
    }

    @Test func decompressorStaysFailedUntilReset() throws {
        var bad = try Gzip.compress(Array("abc".utf8))
        bad[0] = 0
        let decompressor = try GzipDecompressor()
        var out: [UInt8] = []
        #expect(throws: GzipError.self) { try decompressor.decompress(bad, into: &out) }
        #expect(throws: GzipError.self) { try decompressor.decompress(try Gzip.compress([1]), into: &out) }
        #expect(throws: GzipError.self) { try decompressor.finish() }
        try decompressor.reset()
        out = []
        try decompressor.decompress(try Gzip.compress([1]), into: &out)
        try decompressor.finish()
        #expect(out == [1])
    }

    @Test func resetProducesASecondValidMember() throws {
        let first = jsonLines(size: 50_000, seed: 4)
        let second = jsonLines(size: 30_000, seed: 5)
        let compressor = try GzipCompressor(level: 9)
        var memberA: [UInt8] = []
        try compressor.compress(first, into: &memberA)
        try compressor.finish(into: &memberA)
        try compressor.finish(into: &memberA)  // idempotent
        #expect(throws: GzipError.self) { try compressor.compress([1], into: &memberA) }
        try compressor.reset()
        #expect(compressor.totalIn == 0 && compressor.totalOut == 0)
        var memberB: [UInt8] = []
        try compressor.compress(second, into: &memberB)
        try compressor.finish(into: &memberB)
        #expect(compressor.totalIn == second.count)
        #expect(Array(memberB.prefix(2)) == [0x1F, 0x8B])
        #expect(try Gzip.decompress(memberA) == first)
        #expect(try Gzip.decompress(memberB) == second)
        #expect(try Gzip.decompress(memberA + memberB) == first + second)
        let (system, status) = try runGzip(["-dc"], input: memberA + memberB)
        #expect(status == 0 && system == first + second)
    }
}

/// The whole-buffer members libdeflate makes for output files: valid gzip for zlib and gzip(1).
@Suite struct GzipMemberTests {
    @Test(arguments: 0...12)
    func everyLevelRoundTripsThroughZlib(level: Int) throws {
        let input = jsonLines(size: 300_000, seed: 20 + UInt64(level))
        let member = try GzipMember.compress(input, level: level)
        #expect(Array(member.prefix(3)) == [0x1F, 0x8B, 0x08])
        #expect(try Gzip.decompress(member) == input)
        if level > 0 { #expect(member.count < input.count / 2) }
    }

    @Test func membersOfBothCompressorsConcatenateAndGzipReadsThem() throws {
        let a = jsonLines(size: 1 << 20, seed: 30)
        let b = jsonLines(size: 70_000, seed: 31)
        let stream = try GzipMember.compress(a) + GzipMember.compress([]) + Gzip.compress(b) + GzipMember.compress([7])
        #expect(try Gzip.decompress(stream) == a + b + [7])
        let (system, status) = try runGzip(["-dc"], input: stream)
        #expect(status == 0 && system == a + b + [7])
    }

    @Test(arguments: [1, 6, 9, 12])
    func incompressibleInputFitsItsBound(level: Int) throws {
        var rng = SplitMix64(state: 9)
        let noise = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let member = try GzipMember.compress(noise, level: level)
        #expect(try Gzip.decompress(member) == noise)
        #expect(member.count <= noise.count + noise.count / 256 + 64)
    }

    @Test func levelOutsideTheRangeIsAnError() {
        #expect(throws: GzipError.self) { try GzipMember.compress([1], level: 13) }
        #expect(throws: GzipError.self) { try GzipMember.compress([1], level: -1) }
    }
}
