/// Walks a composed pipeline file and collects every problem with its position and key path.
///
/// Scalars are read as text, `${…}` expanded, then typed by the caller, so a value coming from the
/// environment is typed exactly like one written in the file.
final class ConfigReader {
    let file: String
    let environment: [String: String]
    let readFile: (String) throws -> String
    private let repeatedKeys: [ConfigPosition: ConfigRepeatedKey]
    private var reportedRepeats: Set<ConfigPosition> = []
    private(set) var problems: [ConfigProblem] = []

    init(file: String, environment: [String: String], repeatedKeys: [ConfigPosition: ConfigRepeatedKey],
         readFile: @escaping (String) throws -> String) {
        self.file = file
        self.environment = environment
        self.repeatedKeys = repeatedKeys
        self.readFile = readFile
    }

    // MARK: Problems

    func report(_ message: String, at position: ConfigPosition?, key: String) {
        problems.append(ConfigProblem(file: file, line: position?.line ?? 0, column: position?.column ?? 0,
                                      key: key, message: message))
    }

    func report(_ message: String, at node: ConfigNode, key: String) {
        report(message, at: node.position, key: key)
    }

    /// The repeated key set aside at `position`, reported once, or nil when the key there is an ordinary one.
    func takeRepeatedKey(at position: ConfigPosition?) -> ConfigRepeatedKey? {
        guard let position, let repeated = repeatedKeys[position] else { return nil }
        reportedRepeats.insert(position)
        return repeated
    }

    /// Repeated keys in parts of the file that were never walked (for example under an unknown key).
    func reportUnwalkedRepeats() {
        for (position, repeated) in repeatedKeys where !reportedRepeats.contains(position) {
            report(Self.repeatMessage(repeated), at: position, key: "")
        }
    }

    static func repeatMessage(_ repeated: ConfigRepeatedKey) -> String {
        "key \"\(repeated.key)\" is given more than once in this mapping "
            + "(first at line \(repeated.first.line), column \(repeated.first.column))"
    }

    // MARK: Nodes

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }

    /// How a node reads in a message: `"abc"`, `a mapping`, `a list`.
    static func describe(_ node: ConfigNode) -> String {
        switch node.content {
        case let .scalar(text, _): node.isNull ? "nothing" : quoted(text)
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    static func quoted(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default:
                // C0, DEL, C1 and the Unicode line and paragraph separators: a message stays on one line.
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    escaped += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return "\"" + escaped + "\""
    }

    /// The scalar's text with `${…}` expanded; nil (and a problem) when it is not a scalar or cannot be expanded.
    func text(_ node: ConfigNode, path: String, expected: String) -> String? {
        guard let text = node.scalarText else {
            report("expected \(expected), got \(Self.describe(node))", at: node, key: path)
            return nil
        }
        do {
            return try ConfigInterpolation.expand(text, environment: environment)
        } catch {
            report(error.message, at: node, key: path)
            return nil
        }
    }

    /// The entries of a list; nil (and a problem) when the node is not a list.
    func list(_ node: ConfigNode, path: String) -> [ConfigNode]? {
        guard case let .sequence(entries) = node.content else {
            report("expected a list, got \(Self.describe(node))", at: node, key: path)
            return nil
        }
        return entries
    }

    /// A mapping that accepts exactly `keys`; nil (and a problem) when the node is not a mapping.
    /// A null node reads as an empty mapping at `nullPosition` (or its own position).
    func mapping(_ node: ConfigNode, path: String, keys: [String], keyContext: String = "",
                 nullPosition: ConfigPosition? = nil) -> ConfigMapping? {
        if node.isNull {
            return ConfigMapping(reader: self, path: path, position: nullPosition ?? node.position,
                                 pairs: [], keys: keys, keyContext: keyContext)
        }
        guard case let .mapping(pairs) = node.content else {
            report("expected a mapping, got \(Self.describe(node))", at: node, key: path)
            return nil
        }
        return ConfigMapping(reader: self, path: path, position: node.position, pairs: pairs, keys: keys,
                             keyContext: keyContext)
    }
}
