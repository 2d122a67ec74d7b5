/// A 1-based line and column in the pipeline file, the column counted in Unicode scalars.
struct ConfigPosition: Hashable {
    var line: Int
    var column: Int
}

/// A node of the pipeline file as `ConfigDocument` composed it: what it holds, its tag when one
/// was written (or implied by quotes), and where it starts.
struct ConfigNode {
    /// A scalar's text, a mapping's pairs in file order (repeated keys included), or a list's entries.
    enum Content {
        case scalar(text: String, isPlain: Bool)
        case mapping([ConfigPair])
        case sequence([ConfigNode])
    }

    var content: Content
    /// The tag as libyaml gives it: nil for a plain node without one, `tag:yaml.org,2002:str` for a quoted scalar.
    var tag: String?
    var position: ConfigPosition

    /// True for a plain `~`, `null` or empty scalar: the key is there but has no value.
    var isNull: Bool {
        guard case let .scalar(text, isPlain) = content, isPlain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(text)
    }

    /// The text of a scalar; nil for a mapping or a list.
    var scalarText: String? {
        guard case let .scalar(text, _) = content else { return nil }
        return text
    }
}

/// One key and its value in a mapping.
struct ConfigPair {
    var key: ConfigNode
    var value: ConfigNode
}

/// A key that was given again in the same mapping; it stays in the tree and is reported where it is walked.
struct ConfigRepeatedKey {
    var key: String
    var first: ConfigPosition
}
