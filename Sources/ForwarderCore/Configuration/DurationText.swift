/// Reads and writes durations as they appear in pipeline files: `500ms`, `60s`, `10m`, `2h`, `7d`;
/// a bare integer means seconds. `us` and `ns` are accepted too so that `format` always round-trips.
package enum DurationText {
    private static let secondsPerUnit: [(suffix: String, seconds: Int64)] = [
        ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1),
    ]

    /// The duration written in `text`, or nil when it is not a non-negative whole number with a unit.
    package static func parse(_ text: String) -> Duration? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count)
        guard !digits.isEmpty, digits.count <= 18, let amount = Int64(digits) else { return nil }
        switch unit {
        case "": return .seconds(amount)
        case "ms": return .milliseconds(amount)
        case "us": return .microseconds(amount)
        case "ns": return .nanoseconds(amount)
        default:
            guard let perUnit = secondsPerUnit.first(where: { $0.suffix == unit })?.seconds else { return nil }
            let (seconds, overflow) = amount.multipliedReportingOverflow(by: perUnit)
            return overflow ? nil : .seconds(seconds)
        }
    }

    /// The shortest exact text for `duration` in the largest unit that divides it: `5m`, `1500ms`, `0s`.
    package static func format(_ duration: Duration) -> String {
        if duration < .zero { return "-" + format(.zero - duration) }
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 {
            if seconds == 0 { return "0s" }
            let unit = secondsPerUnit.first { seconds % $0.seconds == 0 }!
            return "\(seconds / unit.seconds)\(unit.suffix)"
        }
        let subUnits: [(suffix: String, attoseconds: Int64)] = [
            ("ms", 1_000_000_000_000_000), ("us", 1_000_000_000_000), ("ns", 1_000_000_000),
        ]
        for unit in subUnits where attoseconds % unit.attoseconds == 0 {
            let perSecond = 1_000_000_000_000_000_000 / unit.attoseconds
            let (whole, overflow) = seconds.multipliedReportingOverflow(by: perSecond)
            if !overflow { return "\(whole + attoseconds / unit.attoseconds)\(unit.suffix)" }
        }
        return duration.description
    }
}
