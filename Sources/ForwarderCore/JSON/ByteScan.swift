/// Finds the next byte of interest in a run of bytes eight at a time (SWAR: a 64-bit word is
/// tested for "some byte equals / is below" with the carry tricks of Hacker's Delight), so the
/// escaping and compacting writers copy long runs of ordinary bytes in one `memcpy` instead of
/// looking at them one by one. Every function returns the index of the first matching byte at or
/// after `start`, or `end` when there is none; the lowest flagged byte of each test is exact,
/// which is the only one used.
package enum ByteScan {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highs: UInt64 = 0x8080_8080_8080_8080

    /// A mask with the high bit set in the first byte of `word` that equals `byte` (and perhaps
    /// in later ones).
    @inline(__always) @usableFromInline
    static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (ones &* UInt64(byte))
        return (x &- ones) & ~x & highs
    }

    /// A mask with the high bit set in the first byte of `word` below `bound` (`bound` <= 128).
    @inline(__always) @usableFromInline
    static func below(_ word: UInt64, _ bound: UInt8) -> UInt64 {
        (word &- ones &* UInt64(bound)) & ~word & highs
    }

    @inline(__always) @usableFromInline
    static func word(_ base: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The first `"` or `\` (inside a JSON string: its end or an escape).
    @inlinable
    package static func quoteOrBackslash(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
        var i = start
        while i + 8 <= end {
            let w = word(base, i)
            let m = equal(w, 0x22) | equal(w, 0x5C)
            if m != 0 { return i + m.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < end {
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            if c == 0x22 || c == 0x5C { return i }
            i += 1
        }
        return end
    }

    /// The first `"` or byte up to 0x20 (outside JSON strings: a string's start or whitespace).
    @inlinable
    package static func quoteOrSpaceOrControl(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
        var i = start
        while i + 8 <= end {
            let w = word(base, i)
            let m = equal(w, 0x22) | below(w, 0x21)
            if m != 0 { return i + m.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < end {
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            if c == 0x22 || c <= 0x20 { return i }
            i += 1
        }
        return end
    }

    /// The first `"`, `\`, C0 control or DEL (inside a string on one line).
    @inlinable
    package static func quoteBackslashControlOrDEL(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
        var i = start
        while i + 8 <= end {
            let w = word(base, i)
            let m = equal(w, 0x22) | equal(w, 0x5C) | below(w, 0x20) | equal(w, 0x7F)
            if m != 0 { return i + m.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < end {
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            if c == 0x22 || c == 0x5C || c < 0x20 || c == 0x7F { return i }
            i += 1
        }
        return end
    }

    /// The first `"`, byte up to 0x20 or DEL (outside strings on one line).
    @inlinable
    package static func quoteSpaceControlOrDEL(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
        var i = start
        while i + 8 <= end {
            let w = word(base, i)
            let m = equal(w, 0x22) | below(w, 0x21) | equal(w, 0x7F)
            if m != 0 { return i + m.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < end {
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            if c == 0x22 || c <= 0x20 || c == 0x7F { return i }
            i += 1
        }
        return end
    }

    /// The first `"`, `\` or C0 control (what a JSON string literal must escape).
    @inlinable
    package static func jsonStringEscape(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
        var i = start
        while i + 8 <= end {
            let w = word(base, i)
            let m = equal(w, 0x22) | equal(w, 0x5C) | below(w, 0x20)
            if m != 0 { return i + m.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < end {
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            if c == 0x22 || c == 0x5C || c < 0x20 { return i }
            i += 1
        }
        return end
    }
}
