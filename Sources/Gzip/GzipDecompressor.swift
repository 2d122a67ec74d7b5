import CZlib

/// Streaming gzip decompressor; accepts concatenated members (like `gzip -d`) and, via `finish()`,
/// rejects input that stops mid-member. After an error it keeps throwing until `reset()`.
package final class GzipDecompressor {
    private let z: ZStream
    /// Some bytes of the current member were consumed but its trailer has not been seen.
    private var inMember = false
    /// zlib reported the end of a member; reset it before feeding more bytes.
    private var memberEnded = false
    private var members = 0
    private var failure: GzipError?

    package init() throws(GzipError) {
        let z = ZStream()
        let rc = czlib_inflate_init2(z.stream, 15 + 16)  // gzip wrapper only
        guard rc == Z_OK else {
            let error = GzipError(code: rc, stream: z.stream)
            z.deallocate()
            throw error
        }
        self.z = z
    }

    deinit {
        inflateEnd(z.stream)
        z.deallocate()
    }

    /// Appends the bytes decoded from `input`. On error `output` may already hold part of the data.
    package func decompress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(GzipError) {
        if let failure { throw failure }
        guard let base = input.baseAddress, !input.isEmpty else { return }
        defer { z.clearInput() }
        var offset = 0
        while offset < input.count {
            let count = min(input.count - offset, ZStream.maxChunk)
            z.setInput(base + offset, count: count)
            do {
                try inflateAvailable(into: &output)
            } catch {
                failure = error
                throw error
            }
            offset += count
        }
    }

    package func decompress(_ input: [UInt8], into output: inout [UInt8]) throws(GzipError) {
        try input.withUnsafeBufferPointer { (buffer) throws(GzipError) in
            try decompress(UnsafeRawBufferPointer(buffer), into: &output)
        }
    }

    /// Declares the end of input: throws if it stopped inside a member, or if no member was seen at all.
    package func finish() throws(GzipError) {
        if let failure { throw failure }
        if inMember {
            throw GzipError(code: Z_BUF_ERROR, message: "truncated gzip stream: input ended inside a member")
        }
        if members == 0 {
            throw GzipError(code: Z_BUF_ERROR, message: "no gzip data: input was empty")
        }
    }

    /// Forgets all state (including a previous error) so the instance can decode a new stream.
    package func reset() throws(GzipError) {
        let rc = inflateReset(z.stream)
        guard rc == Z_OK else { throw GzipError(code: rc, stream: z.stream) }
        inMember = false
        memberEnded = false
        members = 0
        failure = nil
    }

    /// Inflates until the current input is consumed and no output is pending.
    private func inflateAvailable(into output: inout [UInt8]) throws(GzipError) {
        let stream = z.stream
        while true {
            if stream.pointee.avail_in > 0 {
                if memberEnded {
                    let rc = inflateReset(stream)
                    guard rc == Z_OK else { throw GzipError(code: rc, stream: stream) }
                    memberEnded = false
                }
                inMember = true
            }
            z.prepareOutput()
            let rc = inflate(stream, Z_NO_FLUSH)
            z.drainOutput(into: &output)
            switch rc {
            case Z_STREAM_END:
                inMember = false
                memberEnded = true
                members += 1
                if stream.pointee.avail_in == 0 { return }
            case Z_OK:
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { return }
            case Z_BUF_ERROR where stream.pointee.avail_in == 0:
                return  // nothing pending and nothing left to read
            case Z_NEED_DICT:
                throw GzipError(code: Z_DATA_ERROR, message: "gzip member requires a preset dictionary")
            default:
                throw GzipError(code: rc, stream: stream)
            }
        }
    }
}
