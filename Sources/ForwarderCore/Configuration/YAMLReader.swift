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
    /// Every problem with where it goes in the order of finding: its slot, then its place in the slot.
    private var found: [(slot: Int, index: Int, problem: ConfigProblem)] = []
    private var nextSlot = 0
    private var mappings: [ConfigMapping] = []

    init(file: String, environment: [String: String], repeatedKeys: [ConfigPosition: ConfigRepeatedKey],
         readFile: @escaping (String) throws -> String) {
        self.file = file
        self.environment = environment
        self.repeatedKeys = repeatedKeys
        self.readFile = readFile
    }

    // MARK: Problems

    /// A place among the problems kept for ones that are found later, such as a mapping's unknown keys.
    struct ProblemSlot {
        fileprivate var slot: Int
    }

    /// The problems in the order they were found, those of a reserved slot where the slot was reserved.
    var problems: [ConfigProblem] {
        found.sorted { ($0.slot, $0.index) < ($1.slot, $1.index) }.map(\.problem)
    }

    func report(_ message: String, at position: ConfigPosition?, key: String) {
        report(message, at: position, key: key, in: reserveProblemSlot())
    }

    func report(_ message: String, at position: ConfigPosition?, key: String, in slot: ProblemSlot) {
        found.append((slot.slot, found.count, ConfigProblem(file: file, line: position?.line ?? 0,
                                                            column: position?.column ?? 0, key: key, message: message)))
    }

    func reserveProblemSlot() -> ProblemSlot {
        defer { nextSlot += 1 }
        return ProblemSlot(slot: nextSlot)
    }

    /// Reports what can only be known once the whole file has been read: keys nobody asked for, and
    /// repeated keys in parts that were never walked.
    func finish() {
        for mapping in mappings { mapping.reportUnknownKeys() }
        reportUnwalkedRepeats()
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
    private func reportUnwalkedRepeats() {
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

    /// The node as a mapping, whose unknown keys are reported by `finish()`; nil (and a problem) when the
    /// node is not a mapping. A null node reads as an empty mapping at `nullPosition` (or its own position).
    func mapping(_ node: ConfigNode, path: String, keyContext: String = "",
                 nullPosition: ConfigPosition? = nil) -> ConfigMapping? {
        let mapping: ConfigMapping
        if node.isNull {
            mapping = ConfigMapping(reader: self, path: path, position: nullPosition ?? node.position, pairs: [],
                                    keyContext: keyContext)
        } else if case let .mapping(pairs) = node.content {
            mapping = ConfigMapping(reader: self, path: path, position: node.position, pairs: pairs, keyContext: keyContext)
        } else {
            report("expected a mapping, got \(Self.describe(node))", at: node, key: path)
            return nil
        }
        mappings.append(mapping)
        return mapping
    }
}
