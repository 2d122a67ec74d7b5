/// Comparisons of secrets (signatures, passwords, tokens) whose time depends only on the lengths,
/// so a caller timing the answers learns nothing about how much of a guess was right.
package enum ConstantTime {
    /// Byte-wise equality whose time depends only on the lengths.
    package static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// The same for text, compared as UTF-8.
    package static func equal(_ a: String, _ b: String) -> Bool {
        equal(Array(a.utf8), Array(b.utf8))
    }
}
