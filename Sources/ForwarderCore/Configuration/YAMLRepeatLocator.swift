/// Finds, in the text of a YAML file, the second occurrence of a mapping key whose first occurrence
/// Yams reported. Works on block mappings by indentation and on flow mappings by bracket depth.
enum ConfigRepeatLocator {
    /// Where the repeated key node starts, and the column of its first character inside any quotes.
    struct Found {
        var key: ConfigPosition
        var firstCharacterColumn: Int
    }

    static func findRepeat(of key: String, after first: ConfigPosition, in lines: [[Unicode.Scalar]]) -> Found? {
        let keyScalars = Array(key.unicodeScalars)
        guard !keyScalars.isEmpty, first.line >= 1, first.line <= lines.count else { return nil }
        let firstLine = lines[first.line - 1]
        let column = first.column - 1
        guard column < firstLine.count else { return nil }
        let prefix = firstLine[..<column]
        if prefix.allSatisfy({ $0 == " " || $0 == "-" || $0 == "?" }) {
            return findInBlock(keyScalars, indent: column, from: first.line, in: lines)
        }
        return findInFlow(keyScalars, after: first, in: lines)
    }

    /// Later lines at exactly the key's indentation, until a line that is indented less.
    private static func findInBlock(_ key: [Unicode.Scalar], indent: Int, from line: Int,
                                    in lines: [[Unicode.Scalar]]) -> Found? {
        for index in line..<lines.count {
            let text = lines[index]
            guard let contentStart = text.firstIndex(where: { $0 != " " && $0 != "\r" }), text[contentStart] != "#" else {
                continue
            }
            if contentStart < indent { return nil }
            if contentStart == indent, let column = matchKey(key, in: text, at: indent) {
                return Found(key: ConfigPosition(line: index + 1, column: indent + 1), firstCharacterColumn: column + 1)
            }
        }
        return nil
    }

    /// Later keys of the same flow mapping: depth 0 relative to the first key, after `{` or `,`.
    private static func findInFlow(_ key: [Unicode.Scalar], after first: ConfigPosition,
                                   in lines: [[Unicode.Scalar]]) -> Found? {
        var depth = 0
        var previous: Unicode.Scalar = ","
        var skipUntil = first.column - 1 + key.count
        for index in (first.line - 1)..<lines.count {
            let text = lines[index]
            var column = index == first.line - 1 ? skipUntil : 0
            skipUntil = 0
            while column < text.count {
                let scalar = text[column]
                if scalar == " " || scalar == "\t" || scalar == "\r" {
                    column += 1
                    continue
                }
                if scalar == "#", previous != "\"", previous != "'" { break }
                if depth == 0, previous == "," || previous == "{", let start = matchKey(key, in: text, at: column) {
                    return Found(key: ConfigPosition(line: index + 1, column: column + 1), firstCharacterColumn: start + 1)
                }
                switch scalar {
                case "{", "[": depth += 1
                case "}", "]":
                    depth -= 1
                    if depth < 0 { return nil }
                default: break
                }
                previous = scalar
                column += 1
            }
        }
        return nil
    }

    /// The column of the key's first character when `text` holds `key`, `"key"` or `'key'` at `column`
    /// followed by optional blanks and a colon.
    private static func matchKey(_ key: [Unicode.Scalar], in text: [Unicode.Scalar], at column: Int) -> Int? {
        var start = column
        var quote: Unicode.Scalar?
        if column < text.count, text[column] == "\"" || text[column] == "'" {
            quote = text[column]
            start += 1
        }
        var end = start + key.count
        guard end <= text.count, Array(text[start..<end]) == key else { return nil }
        if let quote {
            guard end < text.count, text[end] == quote else { return nil }
            end += 1
        }
        while end < text.count, text[end] == " " || text[end] == "\t" { end += 1 }
        guard end < text.count, text[end] == ":" else { return nil }
        return start
    }
}
