import ForwarderCore
import Foundation
import TestSupport

/// What the webhook contract says about one delivery, worked out from how it was built.
enum ExpectedAnswer: Sendable, Equatable {
    /// 200: these events are stored (dedup key → the element's exact bytes, first occurrence),
    /// out of `elements` CloudEvents in the body.
    case stored(events: [String: [UInt8]], elements: Int)
    /// 400: not a CloudEvent or a batch of them; nothing is stored.
    case refused
    /// 413: larger than max_body_bytes; nothing is stored.
    case tooLarge

    var status: Int {
        switch self {
        case .stored: 200
        case .refused: 400
        case .tooLarge: 413
        }
    }
}

/// One generated webhook delivery: its body, what was done to it, and the answer it must get.
struct GeneratedDelivery: Sendable {
    var index: Int
    var body: [UInt8]
    /// The mutations applied, for failure messages and the tally.
    var mutations: [String]
    var expected: ExpectedAnswer
}

/// Builds webhook deliveries by grammar-based mutation of Twilio's four reference IAM
/// CloudEvents: attributes dropped, repeated, retyped or filled with control characters, deep
/// nesting, huge strings, broken strings and numbers, batches mixing valid and invalid elements,
/// and byte-level damage (truncation, invalid bytes) of the printed text. Every delivery's
/// expected answer follows from the mutations and the rules in `GeneratedJSON`, never from the
/// code under test. Deterministic for a given seed.
struct DeliveryGenerator {
    let maxBodyBytes: Int
    /// The reader's nesting limit (`CloudEventDecoder.maxDepth`), part of the contract: deeper is 400.
    let maxDepth = 64
    private var random: SeededRandom
    private let examples: [GeneratedJSON]

    init(seed: UInt64, maxBodyBytes: Int) throws {
        random = SeededRandom(seed: seed)
        self.maxBodyBytes = maxBodyBytes
        examples = try IAMExamples.all.map { GeneratedJSON(try JSONReader.parse(Array($0.utf8))) }
    }

    /// The `index`th delivery; its event ids all start with `gen-<index>-`, so no two deliveries
    /// share an event.
    mutating func delivery(_ index: Int) -> GeneratedDelivery {
        var mutations: [String] = []
        var (body, expected) = shapedBody(index, &mutations)
        if random.percent(12) {
            body = damage(body, &mutations)
            expected = .refused
        }
        if random.percent(5) {
            let space = random.pick([" ", "\n", "\r\n", "\t", " \n\t "])
            body = Array(space.utf8) + body + Array(random.pick(["", "\n", " "]).utf8)
            mutations.append("surrounding whitespace")
        }
        if body.count > maxBodyBytes { expected = .tooLarge }
        return GeneratedDelivery(index: index, body: body, mutations: mutations, expected: expected)
    }

    // MARK: Shapes

    private mutating func shapedBody(_ index: Int, _ mutations: inout [String]) -> ([UInt8], ExpectedAnswer) {
        if random.below(1_000) < 2 {
            // Just over max_body_bytes: refused while streaming, whatever the JSON is.
            var members = random.pick(examples).members ?? []
            set("id", to: .text("gen-\(index)-0"), in: &members)
            set("subject", to: .text(String(repeating: "x", count: maxBodyBytes + random.below(64 * 1024))), in: &members)
            mutations.append("larger than max_body_bytes")
            return (GeneratedJSON.object(members).printed(), .tooLarge)
        }
        let roll = random.below(100)
        switch roll {
        case 0..<10:
            // A reference example exactly as published (pretty-printed), alone or as a one-element batch.
            let example = random.below(IAMExamples.all.count)
            let id = "gen-\(index)-0"
            let text = IAMExamples.all[example].replacingOccurrences(of: "NO00000000000000000000000001", with: id)
            let key = "ce:AB00000000000000000000000001\n" + id
            mutations.append("reference example \(example) unchanged")
            if random.percent(50) {
                return (Array(text.utf8), .stored(events: [key: Array(text.utf8)], elements: 1))
            }
            mutations.append("as a one-element batch")
            return (Array(("[\n" + text + "\n]").utf8), .stored(events: [key: Array(text.utf8)], elements: 1))
        case 10..<40:
            let event = mutatedEvent(id: "gen-\(index)-0", &mutations)
            let spaced = random.percent(30)
            let bytes = event.printed(spaced: spaced)
            return (bytes, expectation(root: event, elements: [(event, bytes)]))
        case 40..<88:
            var elements: [(GeneratedJSON, [UInt8])] = []
            let count = random.percent(5) ? 10 + random.below(40) : 1 + random.below(8)
            for k in 0..<count {
                var eventMutations: [String] = []
                let event = mutatedEvent(id: "gen-\(index)-\(k)", &eventMutations)
                mutations += eventMutations.map { "[\(k)] " + $0 }
                elements.append((event, event.printed(spaced: random.percent(20))))
            }
            if random.percent(8), let copy = elements.randomElement(using: &random) {
                elements.insert(copy, at: random.below(elements.count + 1))
                mutations.append("one event twice in the batch")
            }
            if random.percent(10) {
                let intruder = random.pick([GeneratedJSON.number("5"), .literal("null"), .text("event"), .literal("true"),
                                            .array([]), .array([elements[0].0])])
                let bytes = intruder.printed()
                elements.insert((intruder, bytes), at: random.below(elements.count + 1))
                mutations.append("a non-object element in the batch")
            }
            return batch(elements, &mutations)
        case 88..<92:
            mutations.append("empty batch")
            return (Array(random.pick(["[]", "[ ]", "[\n]"]).utf8), .refused)
        case 92..<96:
            let scalar = random.pick(["42", "null", "true", #""com.twilio.iam.ip.blocked""#, "-0.5e3", "{}", "[[]]"])
            mutations.append("top-level \(scalar)")
            return (Array(scalar.utf8), .refused)
        default:
            let event = mutatedEvent(id: "gen-\(index)-0", &mutations)
            mutations.append("a batch inside a batch")
            let root = GeneratedJSON.array([.array([event])])
            return (root.printed(), expectation(root: root, elements: []))
        }
    }

    private mutating func batch(_ elements: [(GeneratedJSON, [UInt8])], _ mutations: inout [String]) -> ([UInt8], ExpectedAnswer) {
        let separator = random.pick([",", ", ", ",\n  ", " ,\n\t"])
        var body: [UInt8] = Array("[".utf8)
        for (k, element) in elements.enumerated() {
            if k > 0 { body += Array(separator.utf8) }
            body += element.1
        }
        body += Array("]".utf8)
        mutations.append("batch of \(elements.count)")
        let root = GeneratedJSON.array(elements.map(\.0))
        return (body, expectation(root: root, elements: elements))
    }

    /// The answer for a body printed from `root` whose CloudEvent candidates are `elements`.
    private func expectation(root: GeneratedJSON, elements: [(GeneratedJSON, [UInt8])]) -> ExpectedAnswer {
        guard root.isAcceptableJSON(maxDepth: maxDepth) else { return .refused }
        switch root {
        case .object: break
        case .array(let items) where !items.isEmpty && items.allSatisfy({ $0.members != nil }): break
        default: return .refused
        }
        var stored: [String: [UInt8]] = [:]
        for (element, bytes) in elements {
            guard let key = Self.dedupKey(of: element) else { return .refused }
            if stored[key] == nil { stored[key] = bytes }
        }
        return .stored(events: stored, elements: elements.count)
    }

    /// `ce:<source>\n<id>` when `event` has what the contract requires: `id`, `type` and `source`
    /// as strings without control characters, `id` not empty.
    static func dedupKey(of event: GeneratedJSON) -> String? {
        guard event.members != nil,
              let id = event["id"]?.stringValue, !id.isEmpty, !hasControl(id),
              let type = event["type"]?.stringValue, !hasControl(type),
              let source = event["source"]?.stringValue, !hasControl(source) else { return nil }
        return "ce:" + source + "\n" + id
    }

    static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    // MARK: Event mutations

    private static let attributes = ["id", "type", "source", "time", "data", "specversion", "dataschema", "datacontenttype"]
    private static let dataFields = ["timestamp", "account_sid", "request_sid", "address", "action", "resource",
                                     "authentication_method", "auth_sid"]

    /// A reference example with `id`, then none to four mutations.
    private mutating func mutatedEvent(id: String, _ mutations: inout [String]) -> GeneratedJSON {
        var members = random.pick(examples).members ?? []
        set("id", to: .text(id), in: &members)
        let count = random.percent(35) ? 0 : 1 + random.below(random.percent(20) ? 4 : 2)
        for _ in 0..<count {
            mutate(&members, id: id, &mutations)
        }
        return .object(members)
    }

    private mutating func mutate(_ members: inout [GeneratedMember], id: String, _ mutations: inout [String]) {
        switch random.below(17) {
        case 0:
            let key = random.pick(Self.attributes)
            members.removeAll { $0.key.decoded == key }
            mutations.append("drop \(key)")
        case 1:
            guard let member = members.randomElement(using: &random) else { return }
            let again = random.percent(50) ? member.value : randomScalar()
            let style = random.pick(GeneratedString.Style.allCases)
            members.insert(GeneratedMember(key: .text(member.key.decoded ?? "k", style), value: again),
                           at: random.below(members.count + 1))
            mutations.append("\(member.key.decoded ?? "?") twice (\(style))")
        case 2, 3:
            let key = random.pick(Self.attributes)
            let value = random.pick([GeneratedJSON.number("12"), .literal("null"), .literal("false"), .object([]),
                                     .array([.text(id)]), .text(""), .number("1.0")])
            set(key, to: value, in: &members)
            mutations.append("\(key) as \(String(decoding: value.printed(), as: UTF8.self))")
        case 4:
            let key = random.pick(["id", "type", "source"])
            let control = random.pick(Self.controls)
            let value = (members.first { $0.key.decoded == key }?.value.stringValue ?? "x")
            let at = random.below(value.unicodeScalars.count + 1)
            var scalars = Array(value.unicodeScalars)
            scalars.insert(control, at: at)
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars)
            set(key, to: .string(.text(String(text), random.pick(GeneratedString.Style.allCases))), in: &members)
            mutations.append("U+\(String(control.value, radix: 16)) in \(key)")
        case 5:
            let field = random.pick(Self.dataFields)
            let control = random.pick(Self.controls)
            setData(field, to: .text("a" + String(control) + "b"), in: &members)
            mutations.append("U+\(String(control.value, radix: 16)) in data.\(field)")
        case 6:
            let key = random.pick(["id", "type", "source", "time"])
            let suffix = random.pick([" é日本🙂", " ", "\u{FEFF}", "\u{10FFFF}", "\u{200B}", "\\ \"quoted\" /"])
            let value = (members.first { $0.key.decoded == key }?.value.stringValue ?? "") + suffix
            set(key, to: .string(.text(value, random.pick(GeneratedString.Style.allCases))), in: &members)
            mutations.append("unicode in \(key)")
        case 7:
            set("id", to: .text(id + String(repeating: "x", count: 100 + random.below(5_000))), in: &members)
            mutations.append("long id")
        case 8:
            let depth = random.percent(70) ? 55 + random.below(16) : 1 + random.below(200)
            var value = members.first { $0.key.decoded == "data" }?.value ?? .object([])
            for level in 0..<depth {
                value = level % 3 == 2 ? .object([GeneratedMember(key: .text("n", .plain), value: value)]) : .array([value])
            }
            set("data", to: value, in: &members)
            mutations.append("data nested \(depth) deeper")
        case 9:
            let roll = random.below(100)
            let size = roll < 94 ? 100 + random.below(5_000) : roll < 99 ? 5_000 + random.below(50_000) : 100_000 + random.below(800_000)
            let unit = random.pick(["x", "é", "日", "🙂", "\\"])
            let text = String(repeating: unit, count: size / unit.utf8.count)
            setData(random.pick(Self.dataFields), to: .text(text), in: &members)
            mutations.append("huge string (\(text.utf8.count) bytes)")
        case 10:
            let number = random.pick(Self.validNumbers + Self.invalidNumbers)
            setData(random.pick(["timestamp", "count", "address"]), to: .number(number), in: &members)
            mutations.append("number \(number)")
        case 11:
            let literal = random.pick(["true", "false", "null", "True", "nul", "NULL", "tru", "nulll", "undefined"])
            setData("flag", to: .literal(literal), in: &members)
            mutations.append("literal \(literal)")
        case 12:
            let broken = random.pick(Self.brokenStrings)
            let field = random.pick(Self.dataFields + ["@key"] + Self.attributes.prefix(3))
            if field == "@key" {
                members.append(GeneratedMember(key: .broken(prefix: "k", bytes: broken), value: .literal("true")))
            } else if Self.attributes.contains(field) {
                set(field, to: .string(.broken(prefix: "x", bytes: broken)), in: &members)
            } else {
                setData(field, to: .string(.broken(prefix: "x", bytes: broken)), in: &members)
            }
            mutations.append("broken string \(broken) in \(field)")
        case 13:
            let key = random.pick(["subject", "traceparent", "x-twilio-extra", "ÿ", ""])
            members.append(GeneratedMember(key: .text(key, .plain), value: randomScalar()))
            mutations.append("extra attribute \"\(key)\"")
        case 14:
            let time = random.pick(["2026-11-20T08:15:00.123Z", "not a time", "2026-13-45T99:99:99Z", "2999-01-01T00:00:00Z",
                                    "1970-01-01T00:00:00Z", "2026-11-20T08:15:00+14:00", ""])
            set("time", to: .text(time), in: &members)
            mutations.append("time \(time)")
        case 15:
            let data = members.first { $0.key.decoded == "data" }?.value ?? .object([])
            let field = random.pick(Self.dataFields)
            if case .object(var fields) = data, let member = fields.first(where: { $0.key.decoded == field }) {
                fields.insert(GeneratedMember(key: member.key, value: randomScalar()), at: random.below(fields.count + 1))
                set("data", to: .object(fields), in: &members)
                mutations.append("data.\(field) twice")
            }
        default:
            members.shuffle(using: &random)
            mutations.append("attributes reordered")
        }
    }

    private static let controls: [Unicode.Scalar] = [
        "\u{0}", "\u{1}", "\u{7}", "\u{8}", "\t", "\n", "\u{B}", "\u{C}", "\r", "\u{1B}", "\u{1F}", "\u{7F}",
    ]
    private static let validNumbers = ["0", "-0", "1e308", "1E+308", "1e-400", "1e999", "-1.5e-10", "0.000000000000001",
                                       "123456789012345678901234567890", "9007199254740993", "1756056832164",
                                       "1756056832164.999", "-1756056832164"]
    private static let invalidNumbers = ["01", "1.", ".5", "+1", "1e", "1e+", "-", "NaN", "Infinity", "-Infinity",
                                         "0x1F", "1_000", "1.2.3", "--1", "1e5.5", "00"]
    /// Raw bytes that, right before a closing quote, make a JSON string invalid.
    private static let brokenStrings: [[UInt8]] = [
        [0xFF], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80],
        Array(#"\ud800"#.utf8), Array(#"\udfff"#.utf8), Array(#"\ud83d\u0041"#.utf8), Array(#"\ude00\ud83d"#.utf8),
        [0x00], [0x01], [0x0A], [0x09], [0x1F],
        Array(#"\x41"#.utf8), Array(#"\u12"#.utf8), Array(#"\uZZZZ"#.utf8), Array(#"\U0041"#.utf8), Array(#"\'"#.utf8),
    ]

    private mutating func randomScalar() -> GeneratedJSON {
        random.pick([.text("other"), .number("7"), .literal("null"), .literal("true"), .object([]), .array([.number("1")])])
    }

    private func set(_ key: String, to value: GeneratedJSON, in members: inout [GeneratedMember]) {
        if let index = members.firstIndex(where: { $0.key.decoded == key }) {
            members[index].value = value
        } else {
            members.append(GeneratedMember(key: .text(key, .plain), value: value))
        }
    }

    private func setData(_ field: String, to value: GeneratedJSON, in members: inout [GeneratedMember]) {
        var fields = members.first { $0.key.decoded == "data" }?.value.members ?? []
        set(field, to: value, in: &fields)
        set("data", to: .object(fields), in: &members)
    }

    // MARK: Byte-level damage

    /// The printed body damaged so that no reading of it is JSON: cut short, or with a byte that
    /// can be neither part of a token nor whitespace, or with something after the value.
    private mutating func damage(_ body: [UInt8], _ mutations: inout [String]) -> [UInt8] {
        var body = body
        switch random.below(4) {
        case 0:
            let cut = random.below(body.count)
            mutations.append("truncated at byte \(cut) of \(body.count)")
            body.removeSubrange(cut...)
        case 1:
            let byte = random.pick([0xFF, 0xFE, 0x80, 0xC0, 0xF8] as [UInt8])
            let at = random.below(body.count + 1)
            mutations.append("byte \(byte) inserted at \(at)")
            body.insert(byte, at: at)
        case 2:
            let byte = random.pick([0x00, 0x01, 0x07, 0x08, 0x0B, 0x0C, 0x1B, 0x1F] as [UInt8])
            let at = random.below(body.count + 1)
            mutations.append("control byte \(byte) inserted at \(at)")
            body.insert(byte, at: at)
        default:
            let garbage = random.pick(["x", "{}", ",", "]", "\"", "null", "[]"])
            mutations.append("\(garbage) appended")
            body += Array(garbage.utf8)
        }
        return body
    }
}
