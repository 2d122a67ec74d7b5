/// One mapping of the pipeline file with its allowed keys: reports unknown and repeated keys on creation,
/// then hands out typed values, reporting each wrong one at the value's position.
final class ConfigMapping {
    private struct Entry {
        var keyPosition: ConfigPosition?
        var value: ConfigNode
    }

    let reader: ConfigReader
    let path: String
    let position: ConfigPosition?
    private var entries: [String: Entry] = [:]

    init(reader: ConfigReader, path: String, position: ConfigPosition?, pairs: [ConfigPair],
         keys: [String], keyContext: String) {
        self.reader = reader
        self.path = path
        self.position = position
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
            guard keys.contains(name) else {
                let expected = keys.isEmpty ? "this mapping takes no keys" : "expected one of: " + keys.joined(separator: ", ")
                reader.report("unknown key \(ConfigReader.quoted(name))\(keyContext); \(expected)",
                              at: keyPosition, key: ConfigReader.join(path, name))
                continue
            }
            if entries[name] == nil {
                entries[name] = Entry(keyPosition: keyPosition, value: pair.value)
            }
        }
    }

    // MARK: Presence and positions

    /// True when the key is written, even with no value.
    func has(_ key: String) -> Bool { entries[key] != nil }

    /// The key's value, or nil when it is absent or written with no value.
    func node(_ key: String) -> ConfigNode? {
        guard let value = entries[key]?.value, !value.isNull else { return nil }
        return value
    }

    func keyPath(_ key: String) -> String { ConfigReader.join(path, key) }

    func keyPosition(_ key: String) -> ConfigPosition? { entries[key]?.keyPosition }

    /// Where the key's value starts; the key itself when the value is empty.
    func valuePosition(_ key: String) -> ConfigPosition? {
        guard let entry = entries[key] else { return position }
        return entry.value.isNull ? entry.keyPosition : entry.value.position
    }

    /// Reports a problem with the key's value, at the value.
    func report(_ message: String, at key: String) {
        reader.report(message, at: valuePosition(key), key: keyPath(key))
    }

    /// Reports a problem with the mapping as a whole, at its start.
    func reportHere(_ message: String) {
        reader.report(message, at: position, key: path)
    }

    func reportMissing(_ key: String, alternative: String? = nil) {
        let alternativeText = alternative.map { " (or \(ConfigReader.quoted($0)))" } ?? ""
        reportHere("missing required key \(ConfigReader.quoted(key))\(alternativeText)")
    }

    // MARK: Structure

    /// A nested mapping; a key with no value reads as an empty mapping at the key.
    func section(_ key: String, keys: [String], keyContext: String = "") -> ConfigMapping? {
        guard let entry = entries[key] else { return nil }
        return reader.mapping(entry.value, path: keyPath(key), keys: keys, keyContext: keyContext,
                              nullPosition: entry.keyPosition)
    }

    /// A nested list; a key with no value reads as an empty list.
    func list(_ key: String) -> [ConfigNode]? {
        guard let entry = entries[key] else { return nil }
        if entry.value.isNull { return [] }
        return reader.list(entry.value, path: keyPath(key))
    }

    // MARK: Scalars

    /// The key's text converted by `convert`; reports a missing required key, a value that does not convert
    /// (`expected …, got "…"`) and a value that `check` rejects (the message it returns).
    func value<T>(_ key: String, required: Bool, expected: String, convert: (String) -> T?,
                  check: (T) -> String? = { _ in nil }) -> T? {
        guard let entry = entries[key] else {
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
