import NIOCore

extension ByteBuffer {
    /// Writes `value` as a JSON string literal (quotes included), escaping `"`, `\` and control
    /// characters; everything else, non-ASCII included, is written as UTF-8.
    @inlinable
    package mutating func writeJSONString(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            writeJSONString(utf8: UnsafeRawBufferPointer(utf8))
        }
    }

    /// Writes raw UTF-8 bytes as a JSON string literal; see `writeJSONString(_:)`. Runs of bytes
    /// that need no escape are found eight at a time and copied in one write; a string with
    /// nothing to escape (nearly all of them) is one reservation and one copy.
    @usableFromInline
    package mutating func writeJSONString(utf8: UnsafeRawBufferPointer) {
        guard let base = utf8.baseAddress, !utf8.isEmpty else {
            writeStaticString("\"\"")
            return
        }
        let count = utf8.count
        var i = ByteScan.jsonStringEscape(base, from: 0, to: count)
        if i == count {
            writeWithUnsafeMutableBytes(minimumWritableBytes: count + 2) { target in
                let out = target.baseAddress!
                out.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
                (out + 1).copyMemory(from: base, byteCount: count)
                out.storeBytes(of: UInt8(ascii: "\""), toByteOffset: count + 1, as: UInt8.self)
                return count + 2
            }
            return
        }
        writeInteger(UInt8(ascii: "\""))
        var runStart = 0
        while i < count {
            if runStart < i { writeBytes(UnsafeRawBufferPointer(start: base + runStart, count: i - runStart)) }
            let c = base.load(fromByteOffset: i, as: UInt8.self)
            switch c {
            case 0x22: writeStaticString("\\\"")
            case 0x5C: writeStaticString("\\\\")
            case 0x0A: writeStaticString("\\n")
            case 0x0D: writeStaticString("\\r")
            case 0x09: writeStaticString("\\t")
            case 0x08: writeStaticString("\\b")
            case 0x0C: writeStaticString("\\f")
            default:
                writeStaticString("\\u00")
                writeInteger(Self.hexDigit(c >> 4))
                writeInteger(Self.hexDigit(c & 0xF))
            }
            i += 1
            runStart = i
            i = ByteScan.jsonStringEscape(base, from: i, to: count)
        }
        if runStart < count { writeBytes(UnsafeRawBufferPointer(start: base + runStart, count: count - runStart)) }
        writeInteger(UInt8(ascii: "\""))
    }

    /// Writes `"key":` for an object member.
    @inlinable
    package mutating func writeJSONKey(_ key: StaticString) {
        writeInteger(UInt8(ascii: "\""))
        writeStaticString(key)
        writeStaticString("\":")
    }

    /// Writes a JSON text with the whitespace between tokens removed (strings untouched), so a
    /// pretty-printed original fits on one NDJSON line with every value unchanged. The text is
    /// scanned eight bytes at a time and copied in runs, so an already compact original is one
    /// scan and one copy.
    package mutating func writeCompactJSON(_ raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress, !raw.isEmpty else { return }
        let count = raw.count
        // Compacting never grows the text.
        writeWithUnsafeMutableBytes(minimumWritableBytes: count) { target in
            let out = target.baseAddress!
            var o = 0
            var runStart = 0
            var i = 0
            while i < count {
                // Outside a string: up to its next quote or whitespace byte.
                i = ByteScan.quoteOrSpaceOrControl(base, from: i, to: count)
                guard i < count else { break }
                let c = base.load(fromByteOffset: i, as: UInt8.self)
                if c == 0x22 {
                    // Inside the string: up to its closing quote, stepping over escapes.
                    i += 1
                    while true {
                        i = ByteScan.quoteOrBackslash(base, from: i, to: count)
                        guard i < count else { break }
                        if base.load(fromByteOffset: i, as: UInt8.self) == 0x5C {
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                } else if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                    (out + o).copyMemory(from: base + runStart, byteCount: i - runStart)
                    o += i - runStart
                    i += 1
                    runStart = i
                } else {
                    i += 1  // another control byte outside strings (invalid JSON): kept
                }
            }
            if runStart < count {
                (out + o).copyMemory(from: base + runStart, byteCount: count - runStart)
                o += count - runStart
            }
            return o
        }
    }

    /// Writes a JSON value (used for values the forwarder builds itself, not for originals).
    package mutating func writeJSONValue(_ value: JSONValue) {
        switch value {
        case .null: writeStaticString("null")
        case .bool(let b): writeStaticString(b ? "true" : "false")
        case .number(let n): writeString(n)
        case .string(let s): writeJSONString(s)
        case .array(let elements):
            writeInteger(UInt8(ascii: "["))
            for (k, element) in elements.enumerated() {
                if k > 0 { writeInteger(UInt8(ascii: ",")) }
                writeJSONValue(element)
            }
            writeInteger(UInt8(ascii: "]"))
        case .object(let members):
            writeInteger(UInt8(ascii: "{"))
            for (k, member) in members.enumerated() {
                if k > 0 { writeInteger(UInt8(ascii: ",")) }
                writeJSONString(member.key)
                writeInteger(UInt8(ascii: ":"))
                writeJSONValue(member.value)
            }
            writeInteger(UInt8(ascii: "}"))
        }
    }

    @usableFromInline
    static func hexDigit(_ v: UInt8) -> UInt8 {
        v < 10 ? 48 + v : 87 + v
    }
}

extension JSONValue {
    /// The value as compact JSON text, members in their order, as `ByteBuffer.writeJSONValue` writes it.
    package var jsonBytes: [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeJSONValue(self)
        return Array(buffer.readableBytesView)
    }
}
