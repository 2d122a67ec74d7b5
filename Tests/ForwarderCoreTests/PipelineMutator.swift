import ForwarderCore
import Foundation
import TestSupport

/// Breaks valid pipeline files the ways people and editors break them: wrong types, unknown and
/// misspelt keys, bad durations, sizes, ports, URLs and enum values, broken `${…}`, invalid
/// YAML (tabs, unclosed quotes and brackets, bad indentation, stray list items, aliases, a second
/// document), repeated and missing keys, control characters, truncation, and an unset
/// environment variable. Works on the text line by line, so every mutation keeps the rest of the
/// file as it was. Deterministic for a given seed.
struct PipelineMutator {
    private var random: SeededRandom

    init(seed: UInt64) {
        random = SeededRandom(seed: seed)
    }

    /// One mutated file: its text, the environment to load it with, and what was done.
    struct Mutant {
        var text: String
        var environment: [String: String]
        var mutations: [String]
    }

    /// `text` with one to three mutations.
    mutating func mutate(_ text: String, environment: [String: String]) -> Mutant {
        var mutant = Mutant(text: text, environment: environment, mutations: [])
        for _ in 0..<(1 + below(random.percent(25) ? 3 : 1)) {
            mutate(&mutant)
        }
        return mutant
    }

    // MARK: Mutations

    private mutating func mutate(_ mutant: inout Mutant) {
        var lines = mutant.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let pairs = Self.pairs(in: lines)
        guard let pair = pairs.isEmpty ? nil : random.pick(pairs) else {
            mutant.mutations.append("nothing to mutate")
            return
        }
        switch below(22) {
        case 0, 1, 2, 3, 4, 5:
            let value = badValue(for: pair.key)
            lines[pair.line].replaceSubrange(pair.value, with: value)
            mutant.mutations.append("\(pair.key): \(value)")
        case 6:
            let value = random.pick(["{ a: 1 }", "[1, 2]", "true", "12", "~", "\"\"", "[]", "{}"])
            lines[pair.line].replaceSubrange(pair.value, with: value)
            mutant.mutations.append("\(pair.key) retyped as \(value)")
        case 7:
            let value = random.pick(["${UNSET_VARIABLE_Q}", "${UNCLOSED", "${A:-${B}}", "${}", "${1X}", "$${X}", "${X:-}"])
            lines[pair.line].replaceSubrange(pair.value, with: value)
            mutant.mutations.append("\(pair.key): \(value)")
        case 8:
            var key = Array(pair.key)
            let at = below(key.count)
            switch below(3) {
            case 0: key.remove(at: at)
            case 1: key.insert(key[at], at: at)
            default: key.insert(random.pick(Array("xyz_")), at: at)
            }
            lines[pair.line].replaceSubrange(pair.keyRange, with: String(key))
            mutant.mutations.append("\(pair.key) misspelt as \(String(key))")
        case 9 where !pair.inFlow:
            let indent = String(repeating: " ", count: pair.indent + (pair.listItem ? 2 : 0))
            lines.insert(indent + "unexpected_key_\(below(100)): 1", at: Self.blockEnd(of: pair.line, in: lines))
            mutant.mutations.append("unknown key after line \(pair.line + 1)")
        case 10 where !pair.inFlow:
            let indent = String(repeating: " ", count: pair.indent + (pair.listItem ? 2 : 0))
            let copy = indent + pair.key + ": " + String(lines[pair.line][pair.value])
            lines.insert(copy, at: Self.blockEnd(of: pair.line, in: lines))
            mutant.mutations.append("\(pair.key) given twice")
        case 11 where !pair.inFlow:
            lines.removeSubrange(pair.line..<Self.blockEnd(of: pair.line, in: lines))
            mutant.mutations.append("\(pair.key) removed with its block")
        case 12:
            let line = pair.line
            let spaces = lines[line].prefix { $0 == " " }.count
            lines[line] = random.pick(["\t", "\t  ", " \t"]) + lines[line].dropFirst(min(spaces, 2))
            mutant.mutations.append("tab indenting line \(line + 1)")
        case 13:
            let line = pair.line
            if random.percent(50), lines[line].hasPrefix(" ") {
                lines[line].removeFirst()
            } else {
                lines[line] = String(repeating: " ", count: 1 + below(3)) + lines[line]
            }
            mutant.mutations.append("indentation of line \(line + 1) changed")
        case 14:
            let value = random.pick([#""unclosed"#, "'unclosed", "{ a: 1", "[1, 2", "a: b", "\"a\" b", "*undefined_alias",
                                     "&anchor", "!!int abc", "- item", "]", "}", "| x", "@reserved", "`tick"])
            lines[pair.line].replaceSubrange(pair.value, with: value)
            mutant.mutations.append("\(pair.key): \(value)")
        case 15:
            lines.insert(random.pick(["- stray item", "---", "...", "  - x", "%YAML 1.1", "? complex", ": lonely"]),
                         at: below(lines.count + 1))
            mutant.mutations.append("stray line")
        case 16:
            var scalars = Array(lines.joined(separator: "\n").unicodeScalars)
            let control = random.pick(["\u{0}", "\u{7}", "\u{1B}", "\u{FEFF}", "\u{85}", "\u{2028}", "\u{7F}", "\r"] as [Unicode.Scalar])
            scalars.insert(control, at: below(scalars.count + 1))
            lines = [Self.string(scalars)]
            mutant.mutations.append("U+\(String(control.value, radix: 16)) inserted")
        case 17:
            let scalars = Array(lines.joined(separator: "\n").unicodeScalars)
            let cut = below(scalars.count)
            lines = [Self.string(scalars[..<cut])]
            mutant.mutations.append("truncated at character \(cut) of \(scalars.count)")
        case 18:
            let used = mutant.environment.keys.filter { mutant.text.contains("${" + $0 + "}") }.sorted()
            if used.isEmpty {
                lines[pair.line].replaceSubrange(pair.value, with: "${NEVER_SET}")
                mutant.mutations.append("\(pair.key): ${NEVER_SET}")
            } else {
                let name = random.pick(used)
                mutant.environment[name] = nil
                mutant.mutations.append("\(name) unset")
            }
        case 19:
            lines[pair.line].replaceSubrange(pair.value, with: "/run/secrets/missing-file")
            mutant.mutations.append("\(pair.key) names a missing file")
        case 20:
            lines = [lines.joined(separator: "\r\n")]
            mutant.mutations.append("CRLF line ends")
        default:
            lines[pair.line].replaceSubrange(pair.value, with: String(repeating: "v", count: 10_000))
            mutant.mutations.append("\(pair.key): a 10,000-character value")
        }
        mutant.text = lines.joined(separator: "\n")
    }

    /// A value that is wrong for `key` in particular.
    private mutating func badValue(for key: String) -> String {
        switch key {
        case "poll_interval", "lookback", "backfill", "retention", "allowed_delay", "max_hold", "connect_timeout",
             "initial", "max", "max_age", "ack_timeout":
            return random.pick(["10 minutes", "-5s", "5x", "1.5.2s", "99999999999999999999d", "s", "0x10s", "1h30",
                                "0s", "0", "-0ms", "1e3s", "PT5M"])
        case "max_bytes", "max_body_bytes", "max_datagram_bytes":
            return random.pick(["64 MB", "-1MiB", "lots", "1e3", "1.5.5MiB", "0", "99999999999999999999GiB", "MiB", "1KiBi"])
        case "port", "page_size", "gzip_level", "enterprise_id":
            return random.pick(["0", "65536", "-1", "99999", "http", "6514.5", "0x1F", "1e3", "4294967296", "-0"])
        case "listen", "host":
            return random.pick(["0.0.0.0:notaport", "300.1.1.1:80", "0.0.0.0:", ":8080:", "[::1", "0.0.0.0:70000",
                                "exa mple.com", "", "0.0.0.0:-1"])
        case "public_url", "base_url":
            return random.pick(["not a url", "ftp://x.example", "http://", "https://exa mple.com", "//x", "https://",
                                "mailto:a@b", "https://u:p:q@x.example/", "http://[::1"])
        case "format", "type", "framing", "level", "message", "facility":
            return random.pick(["xml", "carrier-pigeon", "crlf", "loud", "local9", "24", "HTML", "-1", "JSON "])
        case "syslog_header", "insecure_skip_signature", "gzip":
            return random.pick(["maybe", "2", "yes please", "TRUE!", "on"])
        case "start_from":
            return random.pick(["2026-13-01", "yesterday", "2026-02-30", "01/11/2026"])
        default:
            return random.pick(["", "~", "[x]", "{ y: 1 }", "-1", "123456789012345678901234567890"])
        }
    }

    // MARK: Reading the text

    /// A `key: value` pair on one line, in block style or inside a one-line `{ … }`.
    struct Pair {
        var line: Int
        var key: String
        var keyRange: Range<String.Index>
        var value: Range<String.Index>
        var indent: Int
        var listItem: Bool
        var inFlow: Bool
    }

    static func pairs(in lines: [String]) -> [Pair] {
        var pairs: [Pair] = []
        for (number, line) in lines.enumerated() {
            var i = line.startIndex
            var indent = 0
            while i < line.endIndex, line[i] == " " { i = line.index(after: i); indent += 1 }
            var listItem = false
            if line[i...].hasPrefix("- ") {
                listItem = true
                i = line.index(i, offsetBy: 2)
            }
            guard let pair = keyValue(in: line, from: i, end: line.endIndex) else { continue }
            pairs.append(Pair(line: number, key: pair.key, keyRange: pair.keyRange, value: pair.value, indent: indent,
                              listItem: listItem, inFlow: false))
            // A one-line flow mapping: its members too.
            let value = line[pair.value]
            if value.hasPrefix("{"), let close = value.lastIndex(of: "}") {
                var start = line.index(after: pair.value.lowerBound)
                while start < close {
                    let end = line[start..<close].firstIndex(of: ",") ?? close
                    var from = start
                    while from < end, line[from] == " " { from = line.index(after: from) }
                    if let member = keyValue(in: line, from: from, end: end) {
                        pairs.append(Pair(line: number, key: member.key, keyRange: member.keyRange, value: member.value,
                                          indent: indent, listItem: false, inFlow: true))
                    }
                    start = end < close ? line.index(after: end) : close
                }
            }
        }
        return pairs
    }

    /// `key: value` starting at `from`: the key is letters, digits and `_`; the value runs to a
    /// ` #` comment, the end of the range, and trailing spaces are left out.
    private static func keyValue(in line: String, from: String.Index, end: String.Index)
        -> (key: String, keyRange: Range<String.Index>, value: Range<String.Index>)? {
        var i = from
        while i < end, line[i].isLetter || line[i].isNumber || line[i] == "_" { i = line.index(after: i) }
        guard i > from, i < end, line[i] == ":" else { return nil }
        let keyRange = from..<i
        var valueStart = line.index(after: i)
        guard valueStart == end || line[valueStart] == " " else { return nil }
        while valueStart < end, line[valueStart] == " " { valueStart = line.index(after: valueStart) }
        var valueEnd = line.range(of: " #", range: valueStart..<end)?.lowerBound ?? end
        while valueEnd > valueStart, line[line.index(before: valueEnd)] == " " { valueEnd = line.index(before: valueEnd) }
        return (String(line[keyRange]), keyRange, valueStart..<valueEnd)
    }

    /// The index after the last line of the block that starts at `line` (lines indented deeper, blank lines and comments).
    static func blockEnd(of line: Int, in lines: [String]) -> Int {
        let indent = lines[line].prefix { $0 == " " }.count
        var end = line + 1
        while end < lines.count {
            let text = lines[end]
            let trimmed = text.drop { $0 == " " }
            if !trimmed.isEmpty, !trimmed.hasPrefix("#"), text.count - trimmed.count <= indent { break }
            end += 1
        }
        return end
    }

    private static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    private mutating func below(_ bound: Int) -> Int {
        random.below(bound)
    }
}
