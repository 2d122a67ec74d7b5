/// The opaque `PageToken` in `next_page_url` / `previous_page_url`: a position in the
/// `(event_date, sid)` order and a direction. Because it names a position rather than an
/// offset, paging stays stable while new events arrive (they only ever show up on page 0).
struct PageToken: Equatable, Sendable {
    enum Direction: UInt8, Sendable {
        /// Events strictly older than `key` (the next page).
        case after = 0x61  // "a"
        /// Events strictly newer than `key` (the previous page).
        case before = 0x62  // "b"
    }

    var direction: Direction
    var key: EventKey

    /// `PT` + base64url of `"<a|b>:<epoch seconds>:<32 hex>"`.
    var encoded: String {
        var text = [direction.rawValue, UInt8(ascii: ":")]
        text.append(contentsOf: String(key.date).utf8)
        text.append(UInt8(ascii: ":"))
        key.sid.appendHex(to: &text)
        return "PT" + Base64URL.encode(text)
    }

    init(direction: Direction, key: EventKey) {
        self.direction = direction
        self.key = key
    }

    /// Nil when the token was not made by this simulator.
    init?(decoding token: String) {
        guard token.hasPrefix("PT"), let raw = Base64URL.decode(token.dropFirst(2)) else { return nil }
        let parts = raw.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 1, let direction = Direction(rawValue: parts[0][parts[0].startIndex]),
              let date = Int64(String(decoding: parts[1], as: UTF8.self)),
              let sid = Sid128(parsing: "AE" + String(decoding: parts[2], as: UTF8.self), prefix: "AE")
        else { return nil }
        self.init(direction: direction, key: EventKey(date: date, sid: sid))
    }
}

/// Unpadded base64url (RFC 4648 §5).
enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(triple >> 18 & 63)])
            out.append(alphabet[Int(triple >> 12 & 63)])
            if index + 1 < bytes.count { out.append(alphabet[Int(triple >> 6 & 63)]) }
            if index + 2 < bytes.count { out.append(alphabet[Int(triple & 63)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: Substring) -> [UInt8]? {
        var values: [UInt32] = []
        for byte in text.utf8 {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            values.append(UInt32(value))
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < values.count {
            let chunk = values[index..<min(index + 4, values.count)]
            var triple: UInt32 = 0
            for (offset, value) in chunk.enumerated() { triple |= value << (18 - 6 * UInt32(offset)) }
            out.append(UInt8(triple >> 16 & 0xFF))
            if chunk.count > 2 { out.append(UInt8(triple >> 8 & 0xFF)) }
            if chunk.count > 3 { out.append(UInt8(triple & 0xFF)) }
            index += 4
        }
        return out
    }
}
