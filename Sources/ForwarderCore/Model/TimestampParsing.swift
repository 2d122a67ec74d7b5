extension Timestamp {
    /// Which date-time texts a parse accepts. Both take `YYYY-MM-DD` (UTC midnight) and RFC 3339
    /// (`2026-11-01T08:15:00Z`, `2026-11-01T08:15:00.250+02:00`, `t` and `z` in lower case); a time
    /// always needs a zone, and fractional seconds are kept to the millisecond.
    package enum TextForm: Sendable {
        /// RFC 3339 and nothing more: what the pipeline file's `start_from` takes.
        case rfc3339
        /// Also what Twilio and its clients send besides RFC 3339: ISO 8601 offsets without a colon
        /// (`+0000`), a space instead of `T`, minutes without seconds, `,` before the fraction, and a
        /// space where a `+` was (an offset that came through an unencoded query string).
        case lenient
    }

    /// Parses the date-time forms Twilio and its clients use (`TextForm.lenient`); nil for anything else.
    package init?(iso8601 text: some StringProtocol) {
        self.init(text, form: .lenient)
    }

    /// Parses `text` in `form`; nil for anything else, an impossible date or time included.
    package init?(_ text: some StringProtocol, form: TextForm) {
        var utf8 = Array(text.utf8)
        guard let value = utf8.withUnsafeMutableBufferPointer({ Timestamp.parse(UnsafeBufferPointer($0), form: form) }) else {
            return nil
        }
        self = value
    }

    /// Parses raw UTF-8 bytes; see `TextForm`. A leap second (`:60`) counts as `:59`.
    static func parse(_ b: UnsafeBufferPointer<UInt8>, form: TextForm) -> Timestamp? {
        let lenient = form == .lenient
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2),
              expect(UInt8(ascii: "-")), let day = digits(2)
        else { return nil }
        let date = CivilDate(year: year, month: month, day: day)
        guard date.isValid else { return nil }
        if i == b.count { return date.startOfDay }
        guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || (lenient && b[i] == UInt8(ascii: " ")) else {
            return nil
        }
        i += 1
        guard let hour = digits(2), hour < 24, expect(UInt8(ascii: ":")), let minute = digits(2), minute < 60 else {
            return nil
        }
        var second = 0
        if expect(UInt8(ascii: ":")) {
            guard let s = digits(2), s <= 60 else { return nil }
            second = min(s, 59)
        } else if !lenient {
            return nil
        }
        var millis = 0
        if i < b.count, b[i] == UInt8(ascii: ".") || (lenient && b[i] == UInt8(ascii: ",")) {
            i += 1
            var scale = 100
            var any = false
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                millis += Int(b[i] - 48) * scale
                scale /= 10
                i += 1
                any = true
            }
            guard any else { return nil }
        }
        var offsetMinutes = 0
        guard i < b.count else { return nil }  // a time without a zone is ambiguous
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: " "):
            guard lenient || b[i] != UInt8(ascii: " ") else { return nil }
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = digits(2), oh < 24 else { return nil }
            guard expect(UInt8(ascii: ":")) || lenient else { return nil }
            guard let om = digits(2), om < 60 else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
        default:
            return nil
        }
        guard i == b.count else { return nil }
        let seconds = Int64(hour * 3600 + minute * 60 + second - offsetMinutes * 60)
        return Timestamp(epochMilliseconds: date.startOfDay.epochMilliseconds + seconds * 1000 + Int64(millis))
    }
}
