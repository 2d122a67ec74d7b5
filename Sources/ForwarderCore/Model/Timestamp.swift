/// An instant with millisecond precision, counted from the Unix epoch in UTC.
///
/// Event times, watermarks and cursors all use it, so ordering and equality never depend on
/// `Date`'s floating point or a formatter's locale.
package struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    package var epochMilliseconds: Int64

    package init(epochMilliseconds: Int64) {
        self.epochMilliseconds = epochMilliseconds
    }

    package static let distantPast = Timestamp(epochMilliseconds: Int64.min / 2)
    package static let distantFuture = Timestamp(epochMilliseconds: Int64.max / 2)

    package static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.epochMilliseconds < rhs.epochMilliseconds
    }

    /// This instant moved by a duration (negative durations move it back).
    package func adding(_ duration: Duration) -> Timestamp {
        let (sum, overflow) = epochMilliseconds.addingReportingOverflow(duration.milliseconds)
        return Timestamp(epochMilliseconds: overflow ? (duration < .zero ? .min : .max) : sum)
    }

    package func subtracting(_ duration: Duration) -> Timestamp {
        let (difference, overflow) = epochMilliseconds.subtractingReportingOverflow(duration.milliseconds)
        return Timestamp(epochMilliseconds: overflow ? (duration < .zero ? .max : .min) : difference)
    }

    /// The duration from `other` to `self`.
    package func duration(since other: Timestamp) -> Duration {
        let (difference, overflow) = epochMilliseconds.subtractingReportingOverflow(other.epochMilliseconds)
        return .milliseconds(overflow ? (other.epochMilliseconds < 0 ? Int64.max : Int64.min) : difference)
    }

    /// Midnight UTC of the day this instant falls on.
    package var startOfUTCDay: Timestamp {
        let day = Self.floorDiv(epochMilliseconds, Self.millisecondsPerDay)
        return Timestamp(epochMilliseconds: day * Self.millisecondsPerDay)
    }

    /// Milliseconds since midnight UTC of this instant's day.
    package var millisecondOfDay: Int64 {
        Self.floorMod(epochMilliseconds, Self.millisecondsPerDay)
    }

    /// The UTC calendar date of this instant.
    package var utcDate: CivilDate {
        CivilDate(daysSinceEpoch: Self.floorDiv(epochMilliseconds, Self.millisecondsPerDay))
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-20T08:15:00.000Z`.
    package var rfc3339: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendRFC3339(to: &bytes, fractionDigits: 3)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// RFC 3339 in UTC without fractional seconds, e.g. `2026-11-20T08:15:00Z`.
    package var rfc3339Seconds: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        appendRFC3339(to: &bytes, fractionDigits: 0)
        return String(decoding: bytes, as: UTF8.self)
    }

    package var description: String { rfc3339 }

    /// Appends RFC 3339 text in UTC (`fractionDigits` 0 or 3) without allocating a String.
    package func appendRFC3339(to bytes: inout [UInt8], fractionDigits: Int = 3) {
        let ms = Self.floorMod(epochMilliseconds, Self.millisecondsPerDay)
        let date = utcDate
        Self.appendDigits(date.year, count: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.appendDigits(date.month, count: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.appendDigits(date.day, count: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        let seconds = ms / 1000
        Self.appendDigits(Int(seconds / 3600), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.appendDigits(Int(seconds / 60 % 60), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.appendDigits(Int(seconds % 60), count: 2, to: &bytes)
        if fractionDigits > 0 {
            bytes.append(UInt8(ascii: "."))
            Self.appendDigits(Int(ms % 1000), count: 3, to: &bytes)
        }
        bytes.append(UInt8(ascii: "Z"))
    }

    static let millisecondsPerDay: Int64 = 86_400_000

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        a - floorDiv(a, b) * b
    }

    static func appendDigits(_ value: Int, count: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var v = max(0, value)
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(v / divisor % 10))
            v %= divisor
            divisor /= 10
        }
    }
}

extension Duration {
    /// Whole milliseconds in this duration (sub-millisecond parts are dropped), saturating at
    /// `Int64.min` / `Int64.max` instead of wrapping for durations beyond ±292 million years.
    package var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflowAdd) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        if overflowAdd { return attoseconds < 0 ? .min : .max }
        return total
    }

    /// Seconds as a floating-point number, for metrics and logs.
    package var secondsDouble: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
