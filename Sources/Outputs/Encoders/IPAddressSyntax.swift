/// Syntax checks for IP address text, so CEF puts an address in the field of its family (`src` or
/// `c6a2`) and never a value a CEF consumer would refuse there.
enum IPAddressSyntax {
    /// Dotted-quad IPv4: four decimal parts 0–255, no leading zeros, nothing else.
    static func isIPv4(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isIPv4(UnsafeRawBufferPointer($0)) }
    }

    /// RFC 4291 §2.2 text: eight 16-bit hex groups, one `::` for a run of zero groups, and an
    /// optional dotted-quad IPv4 in the last 32 bits. Zone ids (`%eth0`) are not accepted.
    static func isIPv6(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isIPv6(UnsafeRawBufferPointer($0)) }
    }

    static func isIPv4(_ b: UnsafeRawBufferPointer) -> Bool {
        var parts = 0
        var i = 0
        let count = b.count
        while true {
            var value = 0
            var digits = 0
            while i < count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
                if digits == 1 && value == 0 { return false }
                value = value * 10 + Int(b[i] - UInt8(ascii: "0"))
                digits += 1
                i += 1
                if value > 255 { return false }
            }
            guard digits > 0 else { return false }
            parts += 1
            if parts == 4 { return i == count }
            guard i < count, b[i] == UInt8(ascii: ".") else { return false }
            i += 1
        }
    }

    static func isIPv6(_ b: UnsafeRawBufferPointer) -> Bool {
        let count = b.count
        guard count >= 2, count <= 45 else { return false }
        var groups = 0
        var compressed = false
        var i = 0
        if b[0] == UInt8(ascii: ":") {
            guard b[1] == UInt8(ascii: ":") else { return false }
            compressed = true
            i = 2
            if i == count { return true }
        }
        while i < count {
            let start = i
            var hexDigits = 0
            while i < count, hexValue(b[i]) != nil, hexDigits < 5 {
                hexDigits += 1
                i += 1
            }
            if i < count, b[i] == UInt8(ascii: ".") {
                guard isIPv4(UnsafeRawBufferPointer(rebasing: b[start..<count])) else { return false }
                groups += 2
                i = count
                break
            }
            guard hexDigits >= 1, hexDigits <= 4 else { return false }
            groups += 1
            if i == count { break }
            guard b[i] == UInt8(ascii: ":") else { return false }
            i += 1
            if i < count, b[i] == UInt8(ascii: ":") {
                guard !compressed else { return false }
                compressed = true
                i += 1
                if i == count { break }
            } else if i == count {
                return false
            }
        }
        return compressed ? groups <= 7 : groups == 8
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
