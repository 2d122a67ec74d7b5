// libyaml, as the Yams package builds it; it comes with the Yams product (it is not a product of its own,
// so Package.swift cannot name it).
internal import CYaml
import Foundation
import Yams

/// The node tree of a pipeline file and the keys given twice in it, or the syntax problem that stopped it.
///
/// Yams' composer refuses a mapping with a repeated key and names only the first one, which would hide
/// every other problem in the file. So the tree is composed here, in one pass over the events of the
/// libyaml parser that Yams bundles (Yams keeps its own event reader private), following Yams'
/// `compose(yaml:)` in everything else: the same anchors and aliases, the same single document, the same
/// errors. A repeated key stays in its mapping and is recorded with where the key was first given.
struct ConfigDocument {
    var root: ConfigNode?
    var syntaxError: (position: ConfigPosition, message: String)?
    var repeatedKeys: [ConfigPosition: ConfigRepeatedKey] = [:]

    static func compose(_ yaml: String) -> ConfigDocument {
        var document = ConfigDocument()
        let composer = ConfigComposer(yaml: yaml)
        var text = yaml
        let composed = text.withUTF8 { input in
            Result { () throws(ConfigSyntaxError) in try composer.singleRoot(of: input) }
        }
        switch composed {
        case let .success(root): document.root = root
        case let .failure(error): document.syntaxError = (error.position, error.message)
        }
        document.repeatedKeys = composer.repeatedKeys
        return document
    }
}

/// Why the file could not be composed, located and worded for the user.
struct ConfigSyntaxError: Error {
    var position: ConfigPosition
    var message: String
}

/// Builds `ConfigNode`s from libyaml's events as Yams' `Parser` builds its nodes, recording repeated
/// keys instead of refusing them.
private final class ConfigComposer {
    /// What the composer needs of one event; the event itself is freed as soon as it is read.
    private struct Event {
        var type: yaml_event_type_t
        var position: ConfigPosition
        var anchor: String?
        var tag: String?
        var text = ""
        var isPlain = false
    }

    private let yaml: String
    private var parser = yaml_parser_t()
    private var anchors: [String: ConfigNode] = [:]
    private(set) var repeatedKeys: [ConfigPosition: ConfigRepeatedKey] = [:]

    init(yaml: String) {
        self.yaml = yaml
        yaml_parser_initialize(&parser)
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
    }

    deinit {
        yaml_parser_delete(&parser)
    }

    /// The root of the file's only document, or nil when the file holds none; `input` must stay valid meanwhile.
    func singleRoot(of input: UnsafeBufferPointer<UInt8>) throws(ConfigSyntaxError) -> ConfigNode? {
        yaml_parser_set_input_string(&parser, input.baseAddress, input.count)
        _ = try next()  // stream start
        guard try next().type != YAML_STREAM_END_EVENT else { return nil }
        let root = try node(from: next())
        _ = try next()  // document end
        let after = try next()
        guard after.type == YAML_STREAM_END_EVENT else {
            throw ConfigSyntaxError(position: after.position,
                                    message: "YAML syntax error: a pipeline file holds one document, but another one starts here")
        }
        return root
    }

    // MARK: Nodes

    private func node(from event: Event) throws(ConfigSyntaxError) -> ConfigNode {
        let composed: ConfigNode
        switch event.type {
        case YAML_ALIAS_EVENT:
            guard let anchor = event.anchor, let target = anchors[anchor] else {
                throw syntaxError("found undefined alias", at: event.position, context: nil)
            }
            return target
        case YAML_SCALAR_EVENT:
            composed = ConfigNode(content: .scalar(text: event.text, isPlain: event.isPlain), tag: event.tag,
                              position: event.position)
        case YAML_SEQUENCE_START_EVENT:
            var entries: [ConfigNode] = []
            var entry = try next()
            while entry.type != YAML_SEQUENCE_END_EVENT {
                entries.append(try node(from: entry))
                entry = try next()
            }
            composed = ConfigNode(content: .sequence(entries), tag: event.tag, position: event.position)
        case YAML_MAPPING_START_EVENT:
            var pairs: [ConfigPair] = []
            var key = try next()
            while key.type != YAML_MAPPING_END_EVENT {
                let keyNode = try node(from: key)
                let value = try node(from: next())
                pairs.append(ConfigPair(key: keyNode, value: value))
                key = try next()
            }
            try recordRepeats(among: pairs.map(\.key))
            composed = ConfigNode(content: .mapping(pairs), tag: event.tag, position: event.position)
        default:
            throw syntaxError("did not find expected node content", at: event.position, context: nil)
        }
        // As in Yams, an anchor names its node once the node is complete, so a node cannot contain itself.
        if let anchor = event.anchor { anchors[anchor] = composed }
        return composed
    }

    /// Records every key of a just-completed mapping that repeats an earlier one; keys are the same when Yams
    /// would call them the same (same text and resolved tag, so `1` and `'1'` differ). A repeated key that is
    /// not a scalar stops the file, as it does in Yams, which cannot name it.
    private func recordRepeats(among keys: [ConfigNode]) throws(ConfigSyntaxError) {
        var seenComplex: [Node: ConfigPosition] = [:]
        for key in keys where key.scalarText == nil {
            let identity = Self.identity(key)
            if let first = seenComplex[identity] {
                throw ConfigSyntaxError(position: first, message: "key \"<uncovertable>\" is given more than once in one mapping")
            }
            seenComplex[identity] = key.position
        }
        // Only keys with the same text can be the same key; then their tags decide, resolved as Yams resolves them.
        var earlierByText: [String: [(key: ConfigNode, identity: Node?)]] = [:]
        for key in keys {
            guard let text = key.scalarText else { continue }
            guard var earlier = earlierByText[text] else {
                earlierByText[text] = [(key, nil)]
                continue
            }
            let identity = Self.identity(key)
            var first: ConfigPosition?
            for index in earlier.indices {
                let earlierIdentity = earlier[index].identity ?? Self.identity(earlier[index].key)
                earlier[index].identity = earlierIdentity
                if earlierIdentity == identity {
                    first = earlier[index].key.position
                    break
                }
            }
            if let first {
                repeatedKeys[key.position] = ConfigRepeatedKey(key: text, first: first)
            } else {
                earlier.append((key, identity))
            }
            earlierByText[text] = earlier
        }
    }

    /// The node as a Yams node without a position, for comparing keys the way Yams compares them.
    private static func identity(_ node: ConfigNode) -> Node {
        let tag = Tag(node.tag.map(Tag.Name.init(rawValue:)) ?? .implicit)
        switch node.content {
        case let .scalar(text, isPlain):
            return .scalar(.init(text, tag, isPlain ? .plain : .any))
        case let .mapping(pairs):
            return .mapping(.init(pairs.map { (identity($0.key), identity($0.value)) }, tag))
        case let .sequence(entries):
            return .sequence(.init(entries.map(identity), tag))
        }
    }

    // MARK: Events

    private func next() throws(ConfigSyntaxError) -> Event {
        var raw = yaml_event_t()
        guard yaml_parser_parse(&parser, &raw) == 1 else { throw parserError() }
        defer { yaml_event_delete(&raw) }
        var event = Event(type: raw.type, position: ConfigPosition(raw.start_mark), anchor: nil, tag: nil)
        switch raw.type {
        case YAML_ALIAS_EVENT:
            event.anchor = Self.string(raw.data.alias.anchor)
        case YAML_SCALAR_EVENT:
            let scalar = raw.data.scalar
            event.anchor = Self.string(scalar.anchor)
            event.tag = scalar.quoted_implicit == 1 ? Tag.Name.str.rawValue : Self.string(scalar.tag)
            // Decoded with Foundation, as Yams decodes it: a byte order mark that starts a scalar is dropped.
            let bytes = UnsafeBufferPointer(start: UnsafePointer(scalar.value), count: scalar.length)
            event.text = String(bytes: bytes, encoding: .utf8) ?? String(decoding: bytes, as: UTF8.self)
            event.isPlain = scalar.style == YAML_PLAIN_SCALAR_STYLE
        case YAML_SEQUENCE_START_EVENT:
            let start = raw.data.sequence_start
            event.anchor = Self.string(start.anchor)
            event.tag = start.implicit != 0 ? nil : Self.string(start.tag)
        case YAML_MAPPING_START_EVENT:
            let start = raw.data.mapping_start
            event.anchor = Self.string(start.anchor)
            event.tag = start.implicit != 0 ? nil : Self.string(start.tag)
        default:
            break
        }
        return event
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    // MARK: Errors

    /// The parser's error, worded as Yams words it, located as Yams locates it.
    private func parserError() -> ConfigSyntaxError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        switch parser.error {
        case YAML_READER_ERROR:
            // Yams turns the byte offset into a character offset; an offset inside a character has none.
            let index = yaml.utf8.index(yaml.utf8.startIndex, offsetBy: parser.problem_offset, limitedBy: yaml.utf8.endIndex)?
                .samePosition(in: yaml)
            return ConfigSyntaxError(position: Self.position(of: index ?? yaml.startIndex, in: yaml),
                                     message: "YAML syntax error: \(problem)")
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR, YAML_COMPOSER_ERROR:
            let context = parser.context.map { (text: String(cString: $0), position: ConfigPosition(parser.context_mark)) }
            return syntaxError(problem, at: ConfigPosition(parser.problem_mark), context: context)
        case YAML_MEMORY_ERROR:
            return ConfigSyntaxError(position: ConfigPosition(line: 1, column: 1), message: "cannot read the YAML: Memory error")
        default:
            return ConfigSyntaxError(position: ConfigPosition(line: 1, column: 1), message: "cannot read the YAML: \(problem)")
        }
    }

    private func syntaxError(_ problem: String, at position: ConfigPosition,
                             context: (text: String, position: ConfigPosition)?) -> ConfigSyntaxError {
        var message = "YAML syntax error: \(problem)"
        if let context {
            message += " (\(context.text) that starts at line \(context.position.line), column \(context.position.column))"
        }
        let inFlow = context?.text.contains("flow") == true
        return ConfigSyntaxError(position: position, message: message + hint(line: position.line, flow: inFlow))
    }

    /// A likely cause in the offending line: a tab used for indentation, or `${…}` unquoted inside `{ }` or `[ ]`.
    private func hint(line: Int, flow: Bool) -> String {
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

    private static func position(of index: String.Index, in text: String) -> ConfigPosition {
        var position = ConfigPosition(line: 1, column: 1)
        for character in text[..<index] {
            if character == "\n" || character == "\r\n" {
                position = ConfigPosition(line: position.line + 1, column: 1)
            } else {
                position.column += character.unicodeScalars.count
            }
        }
        return position
    }
}

extension ConfigPosition {
    /// libyaml counts lines and columns from 0, columns in Unicode scalars.
    fileprivate init(_ mark: yaml_mark_t) {
        self.init(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}
