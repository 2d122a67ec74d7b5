/// Dates and timestamps accepted by `start_from`: `YYYY-MM-DD` (UTC midnight) or RFC 3339
/// (`2026-11-01T08:15:00Z`, `2026-11-01T08:15:00.250+02:00`).
enum ConfigDateText {
    /// Unix epoch milliseconds, or nil when the text is neither form or names an impossible date or time.
    static func epochMilliseconds(_ text: String) -> Int64? {
        let chars = Array(text.unicodeScalars)
        guard chars.count >= 10, let year = number(chars, 0, 4), chars[4] == "-", let month = number(chars, 5, 2),
              chars[7] == "-", let day = number(chars, 8, 2), (1...12).contains(month),
              (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        let midnight = Int64(daysSinceEpoch(year: year, month: month, day: day)) * 86_400_000
        if chars.count == 10 { return midnight }

        guard chars.count >= 20, ["T", "t"].contains(chars[10]), let hour = number(chars, 11, 2), chars[13] == ":",
              let minute = number(chars, 14, 2), chars[16] == ":", let second = number(chars, 17, 2),
              hour < 24, minute < 60, second <= 60 else { return nil }
        var index = 19
        var millisecond = 0
        if chars[index] == "." {
            let digitsStart = index + 1
            index = digitsStart
            while index < chars.count, let digit = digitValue(chars[index]) {
                if index - digitsStart < 3 { millisecond = millisecond * 10 + digit }
                index += 1
            }
            let digitCount = index - digitsStart
            guard digitCount > 0 else { return nil }
            for _ in digitCount..<max(digitCount, 3) { millisecond *= 10 }
        }
        guard index < chars.count, let offsetMinutes = offset(chars[index...]) else { return nil }
        let secondsOfDay = Int64(hour * 3_600 + minute * 60 + second - offsetMinutes * 60)
        return midnight + secondsOfDay * 1_000 + Int64(millisecond)
    }

    /// Minutes east of UTC for `Z` or `±HH:MM`, or nil.
    private static func offset(_ chars: ArraySlice<Unicode.Scalar>) -> Int? {
        let rest = Array(chars)
        if rest == ["Z"] || rest == ["z"] { return 0 }
        guard rest.count == 6, rest[0] == "+" || rest[0] == "-", let hours = number(rest, 1, 2), rest[3] == ":",
              let minutes = number(rest, 4, 2), hours < 24, minutes < 60 else { return nil }
        return (rest[0] == "-" ? -1 : 1) * (hours * 60 + minutes)
    }

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        ("0"..."9").contains(scalar) ? Int(scalar.value - 48) : nil
    }

    private static func number(_ chars: [Unicode.Scalar], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= chars.count else { return nil }
        var value = 0
        for scalar in chars[start..<(start + count)] {
            guard let digit = digitValue(scalar) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's days_from_civil).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
