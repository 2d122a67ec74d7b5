import CDeflate

/// Compresses a whole buffer into one gzip member (RFC 1952) with libdeflate, which needs the
/// input at once but compresses it about twice as fast as zlib's streaming deflate at the same
/// level, to a slightly smaller member. For input that arrives piece by piece, `GzipCompressor`.
package enum GzipMember {
    /// Levels 0 (stored) … 12; 1–9 are close to zlib's scale, 6 the usual default.
    package static let levels = 0...12

    /// One gzip member of `input` at `level`.
    package static func compress(_ input: UnsafeRawBufferPointer, level: Int = 6) throws(GzipError) -> [UInt8] {
        guard levels.contains(level) else {
            throw GzipError(code: -2, message: "compression level must be \(levels.lowerBound)...\(levels.upperBound), got \(level)")
        }
        guard let compressor = libdeflate_alloc_compressor(Int32(level)) else {
            throw GzipError(code: -4, message: "libdeflate could not allocate a level \(level) compressor")
        }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_gzip_compress_bound(compressor, input.count)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: bound, alignment: 16)
        defer { scratch.deallocate() }
        let count = libdeflate_gzip_compress(compressor, input.baseAddress, input.count, scratch.baseAddress, bound)
        // Only a too-small output buffer makes libdeflate return 0, and the bound rules that out.
        guard count > 0 else {
            throw GzipError(code: -5, message: "libdeflate found no room for \(input.count) bytes in its own bound of \(bound)")
        }
        // Copied out at its size: the bound is the input's size, ten times what text compresses to.
        return Array(UnsafeRawBufferPointer(rebasing: scratch[..<count]))
    }

    package static func compress(_ input: [UInt8], level: Int = 6) throws(GzipError) -> [UInt8] {
        try input.withUnsafeBufferPointer { (buffer) throws(GzipError) in try compress(UnsafeRawBufferPointer(buffer), level: level) }
    }
}
