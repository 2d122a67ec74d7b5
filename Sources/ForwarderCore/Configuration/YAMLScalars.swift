import Foundation

/// Typed reads of the scalars in a `ConfigMapping`: strings, integers, durations, sizes, booleans,
/// choices and secrets, each with the message the pipeline-file reference documents.
extension ConfigMapping {
    func string(_ key: String, required: Bool = false, check: (String) -> String? = { _ in nil }) -> String? {
        value(key, required: required, expected: "a string", convert: { $0 }, check: check)
    }

    func int(_ key: String, required: Bool = false, in range: ClosedRange<Int>) -> Int? {
        value(key, required: required, expected: "an integer", convert: { Int($0) },
              check: { range.contains($0) ? nil : Self.rangeMessage(range, got: "\($0)") })
    }

    func duration(_ key: String, required: Bool = false, atLeast minimum: Duration = .zero) -> Duration? {
        value(key, required: required, expected: "a duration like 60s, 10m or 500ms", convert: DurationText.parse,
              check: { $0 >= minimum ? nil : "must be at least \(DurationText.format(minimum)), got \(DurationText.format($0))" })
    }

    func size(_ key: String, required: Bool = false, in range: ClosedRange<Int>) -> Int? {
        value(key, required: required, expected: "a size like 64MiB", convert: ByteSizeText.parse,
              check: { bytes in
                  range.contains(bytes) ? nil
                      : Self.rangeMessage(range, got: ByteSizeText.format(bytes), format: ByteSizeText.format)
              })
    }

    func bool(_ key: String) -> Bool? {
        value(key, required: false, expected: "true or false", convert: { ["true": true, "false": false][$0] })
    }

    /// One of a fixed set of words, in the order they are listed to the user.
    func choice<T>(_ key: String, required: Bool = false, _ options: [(name: String, value: T)]) -> T? {
        let names = options.map(\.name)
        let expected = names.count <= 2
            ? names.joined(separator: " or ")
            : "one of " + names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
        return value(key, required: required, expected: expected,
                     convert: { text in options.first { $0.name == text }?.value })
    }

    /// An http or https URL with a host.
    func httpURL(_ key: String, required: Bool = false) -> String? {
        string(key, required: required) { text in
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  let host = url.host, !host.isEmpty else {
                return "expected an http or https URL like https://example.com/path, got \(ConfigReader.quoted(text))"
            }
            return nil
        }
    }

    /// A secret given inline under `key` or read from the file named under `fileKey` (trailing newlines
    /// removed). Never puts the secret itself in a message.
    func secret(_ key: String, fileKey: String, required: Bool) -> String? {
        if has(key), has(fileKey) {
            report("give either \(key) or \(fileKey), not both", at: fileKey)
            return nil
        }
        if has(fileKey) {
            guard let path = string(fileKey, required: true) else { return nil }
            do {
                var contents = try reader.readFile(path)
                while let last = contents.last, last == "\n" || last == "\r\n" || last == "\r" { contents.removeLast() }
                return contents
            } catch {
                report("cannot read \(ConfigReader.quoted(path)): \(ConfigFileText.reason(error))", at: fileKey)
                return nil
            }
        }
        if has(key) {
            if node(key) == nil, required {
                report("expected a string, got nothing", at: key)
                return nil
            }
            return string(key)
        }
        if required { reportMissing(key, alternative: fileKey) }
        return nil
    }

    private static func rangeMessage(_ range: ClosedRange<Int>, got: String, format: (Int) -> String = { "\($0)" }) -> String {
        if range.upperBound == Int.max { return "must be at least \(format(range.lowerBound)), got \(got)" }
        return "must be between \(format(range.lowerBound)) and \(format(range.upperBound)), got \(got)"
    }
}
