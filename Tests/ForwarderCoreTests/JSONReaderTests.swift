import ForwarderCore
import NIOCore
import Testing

@Suite("JSON reading and writing")
struct JSONReaderTests {
    @Test("parses every JSON type and keeps number text exactly")
    func parsesTypes() throws {
        let value = try JSONReader.parse(Array(#"{"a":[1,-2.5e+3,true,false,null],"b":{"c":"d"},"n":12345678901234567890}"#.utf8))
        #expect(value["a"] == .array([.number("1"), .number("-2.5e+3"), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("d"))
        #expect(value["n"] == .number("12345678901234567890"))
    }

    @Test("decodes escapes, surrogate pairs and raw UTF-8")
    func decodesStrings() throws {
        let value = try JSONReader.parse(Array(#"["a\"b\\c\/\n\t\u00e9\ud83d\ude00", "日本é"]"#.utf8))
        #expect(value == .array([.string("a\"b\\c/\n\té😀"), .string("日本é")]))
    }

    @Test("rejects malformed input with an offset instead of crashing", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "tru", "01", "1.", "\"\\x\"", "\"a", "[1] x",
        "\"\\ud800\"", "\"\\udc00x\"", "{\"a\":\"\u{01}\"}", "-", "[\"\\u12\"]",
    ])
    func rejects(text: String) {
        #expect(throws: JSONParseError.self) { try JSONReader.parse(Array(text.utf8)) }
    }

    @Test("rejects invalid UTF-8 inside strings")
    func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONReader.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONReader.parse([0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
    }

    @Test("limits nesting depth so hostile input cannot exhaust the stack")
    func depthLimit() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONReader.parse(Array(deep.utf8)) }
        let ok = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        _ = try JSONReader.parse(Array(ok.utf8))
    }

    @Test("value ranges give back the exact original bytes of each element")
    func ranges() throws {
        let text = #"{"events": [ {"x" : 1 ,"y":[ ] } , {"z":"\u0041"} ], "meta": {}}"#
        let bytes = Array(text.utf8)
        var slices: [String] = []
        try JSONReader.read(bytes) { (reader, buffer) throws(JSONParseError) in
            try reader.readObject { (key, reader) throws(JSONParseError) in
                if key == "events" {
                    try reader.readArray { (reader) throws(JSONParseError) in
                        let range = try reader.skipValue()
                        slices.append(String(decoding: buffer[range], as: UTF8.self))
                    }
                } else {
                    try reader.skipValue()
                }
            }
        }
        #expect(slices == [#"{"x" : 1 ,"y":[ ] }"#, #"{"z":"\u0041"}"#])
    }

    @Test("writer escapes what JSON requires and the result parses back to the same string")
    func writerRoundTrip() throws {
        let samples = ["plain", "quote\" backslash\\ slash/", "line\nbreak\r\ttab", "\u{01}\u{1F}", "日本語 é 😀", ""]
        for sample in samples {
            var buffer = ByteBuffer()
            buffer.writeJSONString(sample)
            let parsed = try JSONReader.parse(Array(buffer.readableBytesView))
            #expect(parsed == .string(sample))
        }
    }

    @Test("compacting removes whitespace between tokens and leaves strings untouched")
    func compacting() throws {
        let pretty = "{\n  \"a\" : \"x  y\\\" \\n z\",\n  \"b\" : [ 1 , 2 ]\n}"
        var buffer = ByteBuffer()
        Array(pretty.utf8).withUnsafeBytes { buffer.writeCompactJSON($0) }
        let compact = String(buffer: buffer)
        #expect(compact == "{\"a\":\"x  y\\\" \\n z\",\"b\":[1,2]}")
        #expect(try JSONReader.parse(Array(compact.utf8)) == JSONReader.parse(Array(pretty.utf8)))
    }
}
