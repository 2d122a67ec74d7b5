/// A 64-bit FNV-1a hash: stable across runs and platforms (unlike `Hasher`), used to derive a
/// deduplication key for an event that carries no id of its own.
package enum StableHash {
    package static func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            hash ^= UInt64(b)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// The hash as 16 lowercase hex digits.
    package static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let h = String(fnv1a64(bytes), radix: 16)
        return String(repeating: "0", count: 16 - h.count) + h
    }
}
