import Foundation

/// Why a scalar's `${…}` references could not be expanded; the message is one sentence for the user.
struct ConfigInterpolationError: Error, Equatable {
    var message: String
}

/// Expands `${VAR}`, `${VAR:-default}` and `$$` in scalar text, the way the pipeline file documents it.
///
/// `${VAR:-default}` uses the default when VAR is unset or empty (as in a POSIX shell); `${VAR}` with VAR
/// unset is an error, with VAR set to "" it is "". A `$` followed by anything else stays a literal `$`.
enum ConfigInterpolation {
    static func expand(_ text: String, environment: [String: String]) throws(ConfigInterpolationError) -> String {
        guard text.contains("$") else { return text }
        var output = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            output += rest[..<dollar]
            let afterDollar = rest.index(after: dollar)
            if afterDollar < rest.endIndex, rest[afterDollar] == "$" {
                output += "$"
                rest = rest[rest.index(after: afterDollar)...]
            } else if afterDollar < rest.endIndex, rest[afterDollar] == "{" {
                let bodyStart = rest.index(after: afterDollar)
                guard let close = rest[bodyStart...].firstIndex(of: "}") else {
                    throw ConfigInterpolationError(
                        message: "\"${\" is not closed by \"}\"; write $$ for a literal $")
                }
                output += try value(of: rest[bodyStart..<close], environment: environment)
                rest = rest[rest.index(after: close)...]
            } else {
                output += "$"
                rest = rest[afterDollar...]
            }
        }
        return output + rest
    }

    private static func value(of reference: Substring, environment: [String: String]) throws(ConfigInterpolationError) -> String {
        let name: Substring
        let fallback: Substring?
        if let separator = reference.range(of: ":-") {
            name = reference[..<separator.lowerBound]
            fallback = reference[separator.upperBound...]
        } else {
            name = reference
            fallback = nil
        }
        guard isVariableName(name) else {
            throw ConfigInterpolationError(
                message: "\"${\(reference)}\" is not a variable reference; write ${NAME} or ${NAME:-default}")
        }
        if let fallback, fallback.contains("$") {
            throw ConfigInterpolationError(
                message: "the default in \"${\(reference)}\" cannot hold \"$\"; nested references are not supported")
        }
        let value = environment[String(name)]
        if let fallback {
            if let value, !value.isEmpty { return value }
            return String(fallback)
        }
        guard let value else {
            throw ConfigInterpolationError(
                message: "environment variable \(name) is not set; set it or write ${\(name):-default}")
        }
        return value
    }

    private static func isVariableName(_ name: Substring) -> Bool {
        let letter: (Unicode.Scalar) -> Bool = { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
        guard let first = name.unicodeScalars.first, letter(first) else { return false }
        return name.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }
}
