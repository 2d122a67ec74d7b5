/// Reads and writes byte sizes as they appear in pipeline files: `1048576`, `512KiB`, `64MiB`, `1GiB`,
/// and the powers of 1000 `KB`, `MB`, `GB`, `TB` (`B` alone means bytes).
package enum ByteSizeText {
    private static let binaryUnits: [(suffix: String, bytes: Int)] = [
        ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
    ]
    private static let decimalUnits: [(suffix: String, bytes: Int)] = [
        ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000),
    ]

    /// The number of bytes written in `text`, or nil when it is not a non-negative whole number with a known unit.
    package static func parse(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count)
        guard !digits.isEmpty, digits.count <= 18, let amount = Int(digits) else { return nil }
        if unit.isEmpty || unit == "B" { return amount }
        guard let perUnit = (binaryUnits + decimalUnits).first(where: { $0.suffix == unit })?.bytes else {
            return nil
        }
        let (bytes, overflow) = amount.multipliedReportingOverflow(by: perUnit)
        return overflow ? nil : bytes
    }

    /// The text for `bytes` in the largest unit that divides it exactly, binary units first: `64MiB`, `1MB`, `1500B`.
    package static func format(_ bytes: Int) -> String {
        guard bytes != 0 else { return "0B" }
        for unit in binaryUnits + decimalUnits where bytes % unit.bytes == 0 {
            return "\(bytes / unit.bytes)\(unit.suffix)"
        }
        return "\(bytes)B"
    }
}
