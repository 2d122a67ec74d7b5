/// One mapping of the pipeline file: hands out typed values, reporting each wrong one at the value's
/// position, and records every key it is asked about.
///
/// The keys a mapping accepts are the keys its reader asks for: once the whole file has been read,
/// `reportUnknownKeys()` reports every key given that nobody asked about, listing the keys that were asked
/// for in the order they were first asked for. A reader therefore asks for each of its keys whatever the
/// file holds (a conditional key is looked up with `has` even when it turns out not to matter).
final class ConfigMapping {
    /// A key the file gives: where the key stands and its value.
    private struct Entry {
        var keyPosition: ConfigPosition?
        var value: ConfigNode
    }

    /// Not retained: the reader keeps its mappings until it has reported their unknown keys.
    unowned let reader: ConfigReader
    let path: String
    let position: ConfigPosition?
    /// Said after `unknown key "x"`, such as ` for transport type file`; set when the reader knows it.
    var keyContext: String
    private var entries: [String: Entry] = [:]
    /// The usable keys as given, in file order.
    private var givenKeys: [(name: String, position: ConfigPosition)] = []
    private var requestedKeys: [String] = []
    private var requestedSet: Set<String> = []
    /// Where this mapping's unknown keys go among the problems: at its creation, where a fixed list of keys found them.
    private let unknownKeySlot: ConfigReader.ProblemSlot

    init(reader: ConfigReader, path: String, position: ConfigPosition?, pairs: [ConfigPair], keyContext: String) {
        self.reader = reader
        self.path = path
        self.position = position
        self.keyContext = keyContext
        unknownKeySlot = reader.reserveProblemSlot()
        for pair in pairs {
            let keyNode = pair.key
            let keyPosition = keyNode.position
            if let repeated = reader.takeRepeatedKey(at: keyPosition) {
                reader.report(ConfigReader.repeatMessage(repeated), at: keyPosition, key: ConfigReader.join(path, repeated.key))
                continue
            }
            guard let name = keyNode.scalarText, !keyNode.isNull else {
                reader.report("a key must be plain text, got \(ConfigReader.describe(keyNode))", at: keyNode, key: path)
                continue
            }
            givenKeys.append((name, keyPosition))
            if entries[name] == nil {
                entries[name] = Entry(keyPosition: keyPosition, value: pair.value)
            }
        }
    }

    /// The keys `read` asks for, in order, of a mapping that holds none: what a reader accepts, for messages
    /// that list it before (or without) reading anything.
    static func keys(readBy read: (ConfigMapping) -> Void) -> [String] {
        let reader = ConfigReader(file: "", environment: [:], repeatedKeys: [:]) { _ in throw NothingToRead() }
        let mapping = ConfigMapping(reader: reader, path: "", position: nil, pairs: [], keyContext: "")
        read(mapping)
        return mapping.requestedKeys
    }

    /// Accepts `keys` without reading them: for a mapping that cannot be read (a transport without a usable
    /// type), so that only what stops it is reported.
    func accept(_ keys: [String]) {
        keys.forEach(record)
    }

    /// Reports each given key that was never asked for; called once the whole file has been read.
    func reportUnknownKeys() {
        for (name, keyPosition) in givenKeys where !requestedSet.contains(name) {
            let expected = requestedKeys.isEmpty ? "this mapping takes no keys"
                : "expected one of: " + requestedKeys.joined(separator: ", ")
            reader.report("unknown key \(ConfigReader.quoted(name))\(keyContext); \(expected)", at: keyPosition,
                          key: ConfigReader.join(path, name), in: unknownKeySlot)
        }
    }

    private func record(_ key: String) {
        if requestedSet.insert(key).inserted { requestedKeys.append(key) }
    }

    /// The entry for `key`, which is recorded as asked for.
    private func entry(_ key: String) -> Entry? {
        record(key)
        return entries[key]
    }

    // MARK: Presence and positions

    /// True when the key is written, even with no value.
    func has(_ key: String) -> Bool { entry(key) != nil }

    /// The key's value, or nil when it is absent or written with no value.
    func node(_ key: String) -> ConfigNode? {
        guard let value = entry(key)?.value, !value.isNull else { return nil }
        return value
    }

    func keyPath(_ key: String) -> String { ConfigReader.join(path, key) }

    func keyPosition(_ key: String) -> ConfigPosition? { entry(key)?.keyPosition }

    /// Where the key's value starts; the key itself when the value is empty.
    func valuePosition(_ key: String) -> ConfigPosition? {
        guard let entry = entry(key) else { return position }
        return entry.value.isNull ? entry.keyPosition : entry.value.position
    }

    /// Reports a problem with the key's value, at the value.
    func report(_ message: String, at key: String) {
        reader.report(message, at: valuePosition(key), key: keyPath(key))
    }

    /// Reports a problem with the mapping as a whole, at its start; in `slot` when one was reserved for it.
    func reportHere(_ message: String, in slot: ConfigReader.ProblemSlot? = nil) {
        reader.report(message, at: position, key: path, in: slot ?? reader.reserveProblemSlot())
    }

    func reportMissing(_ key: String, alternative: String? = nil) {
        let alternativeText = alternative.map { " (or \(ConfigReader.quoted($0)))" } ?? ""
        reportHere("missing required key \(ConfigReader.quoted(key))\(alternativeText)")
    }

    // MARK: Structure

    /// A nested mapping; a key with no value reads as an empty mapping at the key.
    func section(_ key: String, keyContext: String = "") -> ConfigMapping? {
        guard let entry = entry(key) else { return nil }
        return reader.mapping(entry.value, path: keyPath(key), keyContext: keyContext, nullPosition: entry.keyPosition)
    }

    /// A nested list; a key with no value reads as an empty list.
    func list(_ key: String) -> [ConfigNode]? {
        guard let entry = entry(key) else { return nil }
        if entry.value.isNull { return [] }
        return reader.list(entry.value, path: keyPath(key))
    }

    // MARK: Scalars

    /// The key's text converted by `convert`; reports a missing required key, a value that does not convert
    /// (`expected …, got "…"`) and a value that `check` rejects (the message it returns).
    func value<T>(_ key: String, required: Bool, expected: String, convert: (String) -> T?,
                  check: (T) -> String? = { _ in nil }) -> T? {
        guard let entry = entry(key) else {
            if required { reportMissing(key) }
            return nil
        }
        if entry.value.isNull {
            if required { report("expected \(expected), got nothing", at: key) }
            return nil
        }
        guard let text = reader.text(entry.value, path: keyPath(key), expected: expected) else { return nil }
        guard let converted = convert(text) else {
            report("expected \(expected), got \(ConfigReader.quoted(text))", at: key)
            return nil
        }
        if let message = check(converted) {
            report(message, at: key)
            return nil
        }
        return converted
    }
}

/// What a reader that only lists keys answers when asked for a file; it is never asked, as it holds no values.
private struct NothingToRead: Error {}
