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

    /// A document with a repeated key, the key, and the byte offset of its second occurrence.
    struct Duplicate: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var key: String
        var offset: Int
        var testDescription: String { name }
    }

    static let duplicates: [Duplicate] = [
        Duplicate(name: "top level", text: #"{"id":"A","id":"B"}"#, key: "id", offset: 10),
        Duplicate(name: "top level, not adjacent", text: #"{"id":"A","type":"t","source":"s","id":"B"}"#, key: "id", offset: 34),
        Duplicate(name: "nested object", text: #"{"id":"A","data":{"address":"1","x":2,"address":"3"}}"#, key: "address", offset: 38),
        Duplicate(name: "object inside an array", text: #"[{"a":1},{"b":1,"b":2}]"#, key: "b", offset: 16),
        Duplicate(name: "deep in arrays of objects", text: #"{"x":[[{"y":[{"z":1,"z":1}]}]]}"#, key: "z", offset: 20),
        Duplicate(name: "the same key spelled with an escape", text: #"{"id":"A","\u0069d":"B"}"#, key: "id", offset: 10),
        Duplicate(name: "whitespace around the repeat", text: "{ \"time\" : 1 ,\n  \"time\" : 2 }", key: "time", offset: 17),
        Duplicate(name: "empty key", text: #"{"":1,"":2}"#, key: "", offset: 6),
        Duplicate(name: "tenth member repeats the first of ten", text: "{" + (0..<9).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + #","k0":9}"#,
                  key: "k0", offset: 64),
        Duplicate(name: "last of 100 members repeats the fiftieth", text: "{" + (0..<100).map { #""k\#($0)":0"# }.joined(separator: ",") + #","k49":1}"#,
                  key: "k49", offset: 1 + (0..<100).map { #""k\#($0)":0"#.utf8.count + 1 }.reduce(0, +)),
    ]

    @Test("an object that repeats a key is refused at the second occurrence, at any depth", arguments: duplicates)
    func duplicateKey(row: Duplicate) {
        #expect(throws: JSONParseError(offset: row.offset, reason: #"duplicate key "\#(row.key)""#)) {
            try JSONReader.parse(Array(row.text.utf8))
        }
    }

    @Test("objects with distinct keys are read whole, small and large", arguments: [0, 1, 8, 9, 100, 5_000])
    func distinctKeys(count: Int) throws {
        let text = "{" + (0..<count).map { #""key-\#($0)":\#($0)"# }.joined(separator: ",") + "}"
        let value = try JSONReader.parse(Array(text.utf8))
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == (0..<count).map { "key-\($0)" })
        #expect(value["key-\(count - 1)"] == (count > 0 ? .number(String(count - 1)) : nil))
    }

    @Test("a large object with one repeat among 5,000 keys is refused; the repeat may be anywhere", arguments: [1, 8, 9, 2_500, 4_999])
    func largeObjectDuplicate(at position: Int) {
        var keys = (0..<5_000).map { "key-\($0)" }
        keys.insert(keys[position - 1], at: position)
        let text = "{" + keys.map { #""\#($0)":0"# }.joined(separator: ",") + "}"
        #expect(throws: JSONParseError.self) { try JSONReader.parse(Array(text.utf8)) }
        do {
            _ = try JSONReader.parse(Array(text.utf8))
        } catch {
            #expect(error.reason == #"duplicate key "\#(keys[position])""#)
            #expect(error.offset == 1 + keys[..<position].map { $0.utf8.count + 5 }.reduce(0, +))
        }
    }

    @Test("keys that differ only in Unicode normalisation are different keys, as other readers see them")
    func canonicallyEquivalentKeys() throws {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        for count in [2, 20] {
            let filler = (0..<(count - 2)).map { #""f\#($0)":0,"# }.joined()
            let text = "{" + filler + #""\#(composed)":1,"\#(decomposed)":2}"#
            let value = try JSONReader.parse(Array(text.utf8))
            guard case .object(let members) = value else {
                Issue.record("not an object")
                return
            }
            #expect(members.count == count)
        }
    }

    @Test("a key longer than 64 characters is cut in the error")
    func longDuplicateKey() {
        let key = String(repeating: "k", count: 1_000)
        do {
            _ = try JSONReader.parse(Array(#"{"\#(key)":1,"\#(key)":2}"#.utf8))
            Issue.record("a repeated key was accepted")
        } catch {
            #expect(error.reason == #"duplicate key ""# + String(repeating: "k", count: 64) + #"…""#)
        }
    }

    @Test("walking an object with readObject sees every member, repeats included, for callers that keep none")
    func walkingSeesRepeats() throws {
        let keys = try JSONReader.read(Array(#"{"a":1,"a":2}"#.utf8)) { (reader, _) throws(JSONParseError) in
            var keys: [String] = []
            try reader.readObject { (key, reader) throws(JSONParseError) in
                keys.append(key)
                try reader.skipValue()
            }
            return keys
        }
        #expect(keys == ["a", "a"])
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
