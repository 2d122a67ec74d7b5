/// Whole-buffer gzip helpers built on `GzipCompressor` and `GzipDecompressor`.
package enum Gzip {
    /// Compresses `data` into a single gzip member.
    package static func compress(_ data: [UInt8], level: Int = 6) throws(GzipError) -> [UInt8] {
        let compressor = try GzipCompressor(level: level)
        var output: [UInt8] = []
        output.reserveCapacity(compressor.bound(for: data.count))
        try compressor.compress(data, into: &output)
        try compressor.finish(into: &output)
        return output
    }

    /// Decompresses one or more concatenated gzip members; throws on truncation or corruption.
    package static func decompress(_ data: [UInt8]) throws(GzipError) -> [UInt8] {
        let decompressor = try GzipDecompressor()
        var output: [UInt8] = []
        output.reserveCapacity(sizeHint(data))
        try decompressor.decompress(data, into: &output)
        try decompressor.finish()
        return output
    }

    /// The trailer's ISIZE (length mod 2^32 of the last member), clamped to what deflate can expand to.
    private static func sizeHint(_ data: [UInt8]) -> Int {
        guard data.count >= 18 else { return 0 }
        let n = data.count
        let isize = Int(data[n - 4]) | Int(data[n - 3]) << 8 | Int(data[n - 2]) << 16 | Int(data[n - 1]) << 24
        return min(isize, data.count * 1032, 1 << 30)
    }
}
