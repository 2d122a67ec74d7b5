import CZlib

/// Streaming gzip (RFC 1952) compressor; one instance produces one gzip member at a time
/// and can be `reset()` to start another, reusing its zlib state.
package final class GzipCompressor {
    private let z: ZStream
    private var finished = false

    /// Uncompressed bytes consumed since init or the last `reset()`.
    package var totalIn: Int { Int(z.stream.pointee.total_in) }
    /// Compressed bytes produced since init or the last `reset()`, header and trailer included.
    package var totalOut: Int { Int(z.stream.pointee.total_out) }

    /// `level` 0 (store) ... 9 (best); gzip wrapper, 32 KiB window, memLevel 8.
    package init(level: Int = 6) throws(GzipError) {
        guard (0...9).contains(level) else {
            throw GzipError(code: Z_STREAM_ERROR, message: "compression level must be 0...9, got \(level)")
        }
        let z = ZStream()
        let rc = czlib_deflate_init2(z.stream, Int32(level), 15 + 16, 8)
        guard rc == Z_OK else {
            let error = GzipError(code: rc, stream: z.stream)
            z.deallocate()
            throw error
        }
        self.z = z
    }

    deinit {
        deflateEnd(z.stream)
        z.deallocate()
    }

    /// Feeds `input` (Z_NO_FLUSH) and appends whatever compressed bytes zlib emits, possibly none.
    package func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(GzipError) {
        guard !finished else {
            throw GzipError(code: Z_STREAM_ERROR, message: "compress() after finish(); call reset() first")
        }
        guard let base = input.baseAddress, !input.isEmpty else { return }
        defer { z.clearInput() }
        var offset = 0
        while offset < input.count {
            let count = min(input.count - offset, ZStream.maxChunk)
            z.setInput(base + offset, count: count)
            repeat {
                z.prepareOutput()
                let rc = deflate(z.stream, Z_NO_FLUSH)
                z.drainOutput(into: &output)
                // Z_BUF_ERROR only means "no progress possible": the input is used up.
                guard rc == Z_OK || rc == Z_BUF_ERROR else { throw GzipError(code: rc, stream: z.stream) }
            } while z.stream.pointee.avail_out == 0
            offset += count
        }
    }

    package func compress(_ input: [UInt8], into output: inout [UInt8]) throws(GzipError) {
        try input.withUnsafeBufferPointer { (buffer) throws(GzipError) in
            try compress(UnsafeRawBufferPointer(buffer), into: &output)
        }
    }

    /// Appends the remaining compressed bytes and the gzip trailer. A second call appends nothing.
    package func finish(into output: inout [UInt8]) throws(GzipError) {
        guard !finished else { return }
        while true {
            z.prepareOutput()
            let rc = deflate(z.stream, Z_FINISH)
            z.drainOutput(into: &output)
            if rc == Z_STREAM_END { break }
            guard rc == Z_OK else { throw GzipError(code: rc, stream: z.stream) }
        }
        finished = true
    }

    /// Starts a new gzip member with the same settings (`deflateReset`); totals restart at zero.
    package func reset() throws(GzipError) {
        let rc = deflateReset(z.stream)
        guard rc == Z_OK else { throw GzipError(code: rc, stream: z.stream) }
        finished = false
    }

    /// Upper bound of the output for `count` more input bytes, when nothing is pending.
    func bound(for count: Int) -> Int {
        Int(deflateBound(z.stream, UInt(count)))
    }
}
