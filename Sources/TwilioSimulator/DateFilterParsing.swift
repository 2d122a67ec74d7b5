/// Parses the `StartDate` / `EndDate` forms real clients send and turns them into inclusive
/// bounds on `event_date` under either ``FilterPrecision``.
///
/// Accepted: `YYYY-MM-DD`; `YYYY-MM-DDTHH:MM:SS[.fraction]` followed by `Z`, `±HH:MM` or `±HHMM`
/// (the separator may also be `t` or a space, `Z` may be `z`). A space where the offset's sign
/// belongs is read as `+`: it is what an unencoded `+` becomes in a query string.
enum DateFilterParsing {
    /// One parsed value: an instant, and whether it was a bare date.
    struct ParsedDate: Equatable, Sendable {
        var epochMilliseconds: Int64
        var isDateOnly: Bool
    }

    static func parse(_ text: String) -> ParsedDate? {
        var parser = ByteParser(Array(text.utf8))
        guard let year = parser.digits(4), parser.consume(UInt8(ascii: "-")),
              let month = parser.digits(2), parser.consume(UInt8(ascii: "-")),
              let day = parser.digits(2),
              (1...12).contains(month), day >= 1, day <= CivilTime.daysInMonth(year: year, month: month)
        else { return nil }
        let days = CivilTime.daysFromCivil(year: year, month: month, day: day)
        if parser.atEnd {
            return ParsedDate(epochMilliseconds: days * CivilTime.secondsPerDay * 1000, isDateOnly: true)
        }
        guard parser.consume(oneOf: [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")]),
              let hour = parser.digits(2), parser.consume(UInt8(ascii: ":")),
              let minute = parser.digits(2), parser.consume(UInt8(ascii: ":")),
              let second = parser.digits(2),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var millis: Int64 = 0
        if parser.consume(UInt8(ascii: ".")) {
            guard let fraction = parser.fractionMilliseconds() else { return nil }
            millis = fraction
        }
        guard let offsetSeconds = parser.offset(), parser.atEnd else { return nil }
        let local = (days * CivilTime.secondsPerDay + hour * 3600 + minute * 60 + second) * 1000 + millis
        return ParsedDate(epochMilliseconds: local - offsetSeconds * 1000, isDateOnly: false)
    }

    /// Lowest `event_date` (epoch seconds) a `StartDate` admits.
    static func lowerBound(_ date: ParsedDate, precision: FilterPrecision) -> Int64 {
        switch precision {
        case .day:
            return CivilTime.startOfDay(CivilTime.floorDiv(date.epochMilliseconds, 1000))
        case .second:
            return -CivilTime.floorDiv(-date.epochMilliseconds, 1000)  // ceiling
        }
    }

    /// Highest `event_date` (epoch seconds) an `EndDate` admits.
    static func upperBound(_ date: ParsedDate, precision: FilterPrecision) -> Int64 {
        switch precision {
        case .day:
            return CivilTime.startOfDay(CivilTime.floorDiv(date.epochMilliseconds, 1000)) + CivilTime.secondsPerDay - 1
        case .second:
            return CivilTime.floorDiv(date.epochMilliseconds, 1000)
        }
    }
}

/// A cursor over ASCII bytes for the date grammar.
private struct ByteParser {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var atEnd: Bool { position == bytes.count }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    mutating func consume(oneOf options: [UInt8]) -> Bool {
        guard position < bytes.count, options.contains(bytes[position]) else { return false }
        position += 1
        return true
    }

    mutating func digits(_ count: Int) -> Int64? {
        guard position + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for offset in 0..<count {
            let byte = bytes[position + offset]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        position += count
        return value
    }

    /// One or more fraction digits (at most 9), as whole milliseconds (truncated).
    mutating func fractionMilliseconds() -> Int64? {
        var count = 0
        var millis: Int64 = 0
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            if count < 3 { millis = millis * 10 + Int64(bytes[position] - UInt8(ascii: "0")) }
            count += 1
            position += 1
        }
        guard (1...9).contains(count) else { return nil }
        var scale = count
        while scale < 3 {
            millis *= 10
            scale += 1
        }
        return millis
    }

    /// `Z`, `±HH:MM`, `±HHMM` (a space counts as `+`), in seconds east of UTC.
    mutating func offset() -> Int64? {
        if consume(UInt8(ascii: "Z")) || consume(UInt8(ascii: "z")) { return 0 }
        let sign: Int64
        if consume(UInt8(ascii: "+")) || consume(UInt8(ascii: " ")) {
            sign = 1
        } else if consume(UInt8(ascii: "-")) {
            sign = -1
        } else {
            return nil
        }
        guard let hours = digits(2) else { return nil }
        _ = consume(UInt8(ascii: ":"))
        guard let minutes = digits(2), hours <= 23, minutes <= 59 else { return nil }
        return sign * (hours * 3600 + minutes * 60)
    }
}
