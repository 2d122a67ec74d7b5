/// UTC calendar arithmetic on epoch seconds (Howard Hinnant's algorithms): no Foundation
/// calendars on the serving path, and no time zones anywhere but in parsed offsets.
enum CivilTime {
    static let secondsPerDay: Int64 = 86_400

    /// Days since 1970-01-01 for a proleptic Gregorian date.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// (year, month, day) for days since 1970-01-01.
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        default:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        }
    }

    /// Start of the UTC day containing `seconds`.
    static func startOfDay(_ seconds: Int64) -> Int64 {
        floorDiv(seconds, secondsPerDay) * secondsPerDay
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Appends `YYYY-MM-DDTHH:MM:SSZ` (Twilio's `event_date` form).
    static func appendTimestamp(_ seconds: Int64, to bytes: inout [UInt8]) {
        appendDateTime(seconds, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    static func appendTimestamp(milliseconds: Int64, to bytes: inout [UInt8]) {
        let seconds = floorDiv(milliseconds, 1000)
        appendDateTime(seconds, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        let millis = milliseconds - seconds * 1000
        appendPadded(millis, width: 3, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }

    static func timestamp(_ seconds: Int64) -> String {
        var bytes: [UInt8] = []
        appendTimestamp(seconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func timestamp(milliseconds: Int64) -> String {
        var bytes: [UInt8] = []
        appendTimestamp(milliseconds: milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `YYYY-MM-DD` of the UTC day containing `seconds`.
    static func dateString(_ seconds: Int64) -> String {
        let (y, m, d) = civilFromDays(floorDiv(seconds, secondsPerDay))
        var bytes: [UInt8] = []
        appendPadded(y, width: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(m, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(d, width: 2, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendDateTime(_ seconds: Int64, to bytes: inout [UInt8]) {
        let days = floorDiv(seconds, secondsPerDay)
        let secondOfDay = seconds - days * secondsPerDay
        let (y, m, d) = civilFromDays(days)
        appendPadded(y, width: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(m, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(d, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendPadded(secondOfDay / 3600, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay / 60 % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay % 60, width: 2, to: &bytes)
    }

    @inline(__always)
    static func appendPadded(_ value: Int64, width: Int, to bytes: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var v = value < 0 ? 0 : value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            } while v > 0 && count < 8
            while count < width && count < 8 {
                buffer[count] = UInt8(ascii: "0")
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) {
                bytes.append(buffer[index])
            }
        }
    }
}
