import CZlib

/// A heap-allocated `z_stream` (zlib keeps a back pointer to it, so it must never move)
/// plus a reusable output scratch buffer.
struct ZStream {
    static let scratchSize = 64 * 1024
    /// Largest input slice handed to zlib at once (`avail_in` is 32-bit).
    static let maxChunk = 1 << 30

    let stream: UnsafeMutablePointer<z_stream>
    let scratch: UnsafeMutablePointer<UInt8>

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        scratch = .allocate(capacity: Self.scratchSize)
    }

    /// Frees memory; the zlib state must already be ended (or never initialised).
    func deallocate() {
        stream.deinitialize(count: 1)
        stream.deallocate()
        scratch.deallocate()
    }

    /// Points zlib's output at the scratch buffer.
    func prepareOutput() {
        stream.pointee.next_out = scratch
        stream.pointee.avail_out = UInt32(Self.scratchSize)
    }

    /// Appends what zlib wrote into the scratch buffer since `prepareOutput()`.
    func drainOutput(into output: inout [UInt8]) {
        let produced = Self.scratchSize - Int(stream.pointee.avail_out)
        if produced > 0 {
            output.append(contentsOf: UnsafeBufferPointer(start: scratch, count: produced))
        }
    }

    /// Sets zlib's input; `count` must be at most `maxChunk`. zlib only reads through `next_in`.
    func setInput(_ base: UnsafeRawPointer, count: Int) {
        stream.pointee.next_in = UnsafeMutableRawPointer(mutating: base).assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = UInt32(count)
    }

    /// Forgets the caller's input pointer so nothing dangles between calls.
    func clearInput() {
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
    }
}
