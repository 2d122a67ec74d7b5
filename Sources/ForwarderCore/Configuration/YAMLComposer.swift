import Yams

/// A 1-based line and column in the pipeline file.
struct ConfigPosition: Hashable {
    var line: Int
    var column: Int

    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    init(_ mark: Mark) {
        self.init(line: mark.line, column: mark.column)
    }
}

/// A key that was given again in the same mapping, set aside so the rest of the file can still be read.
struct ConfigRepeatedKey {
    var key: String
    var first: ConfigPosition
}

/// The node tree of a pipeline file as Yams composes it, or the syntax problem that stopped it.
///
/// Yams refuses a mapping with a repeated key and names only the first occurrence, which would hide every
/// other problem. So the composer finds the repeat in the text, neutralises its key with a private-use
/// character (keeping every column where it was), records it, and composes again.
struct ConfigDocument {
    var root: Node?
    var syntaxError: (position: ConfigPosition, message: String)?
    var repeatedKeys: [ConfigPosition: ConfigRepeatedKey] = [:]

    static func compose(_ yaml: String) -> ConfigDocument {
        var document = ConfigDocument()
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        for attempt in 0..<200 {
            do {
                document.root = try Yams.compose(yaml: attempt == 0 ? yaml : join(lines))
                return document
            } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
                let first = ConfigPosition(context.mark)
                let key = duplicates.first ?? ""
                guard let found = ConfigRepeatLocator.findRepeat(of: key, after: first, in: lines) else {
                    document.syntaxError = (first, "key \"\(key)\" is given more than once in one mapping")
                    return document
                }
                document.repeatedKeys[found.key] = ConfigRepeatedKey(key: key, first: first)
                lines[found.key.line - 1][found.firstCharacterColumn - 1] = Unicode.Scalar(0xE000 + UInt32(attempt))!
            } catch {
                document.syntaxError = syntaxProblem(error, yaml: yaml)
                return document
            }
        }
        document.syntaxError = (ConfigPosition(line: 1, column: 1), "too many repeated keys to read this file")
        return document
    }

    private static func join(_ lines: [[Unicode.Scalar]]) -> String {
        var scalars = String.UnicodeScalarView()
        for (index, line) in lines.enumerated() {
            if index > 0 { scalars.append("\n") }
            scalars.append(contentsOf: line)
        }
        return String(scalars)
    }

    private static func syntaxProblem(_ error: any Error, yaml: String) -> (ConfigPosition, String) {
        guard let yamlError = error as? YamlError else {
            return (ConfigPosition(line: 1, column: 1), "cannot read the YAML: \(error)")
        }
        switch yamlError {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            if problem == "but found another document" {
                return (ConfigPosition(mark),
                        "YAML syntax error: a pipeline file holds one document, but another one starts here")
            }
            var message = "YAML syntax error: \(problem)"
            if let context {
                message += " (\(context.text) that starts at line \(context.mark.line), column \(context.mark.column))"
            }
            let inFlow = context?.text.contains("flow") == true
            return (ConfigPosition(mark), message + hint(yaml: yaml, line: mark.line, flow: inFlow))
        case let .reader(problem, offset, _, _):
            return (position(ofCharacterOffset: offset ?? 0, in: yaml), "YAML syntax error: \(problem)")
        default:
            return (ConfigPosition(line: 1, column: 1), "cannot read the YAML: \(yamlError)")
        }
    }

    /// A likely cause in the offending line: a tab used for indentation, or `${…}` unquoted inside `{ }` or `[ ]`.
    private static func hint(yaml: String, line: Int, flow: Bool) -> String {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return "" }
        let text = lines[line - 1]
        if text.prefix(while: { $0 == " " || $0 == "\t" }).contains("\t") {
            return "; indent with spaces, YAML does not allow tabs there"
        }
        if flow || text.contains("{") || text.contains("["), text.contains("${") {
            return "; inside { } or [ ], put values that use ${…} in quotes"
        }
        return ""
    }

    private static func position(ofCharacterOffset offset: Int, in text: String) -> ConfigPosition {
        var position = ConfigPosition(line: 1, column: 1)
        for character in text.prefix(offset) {
            if character == "\n" || character == "\r\n" {
                position = ConfigPosition(line: position.line + 1, column: 1)
            } else {
                position.column += character.unicodeScalars.count
            }
        }
        return position
    }
}
