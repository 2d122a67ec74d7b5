import ForwarderCore
import Foundation

/// Expands an output path template: `{yyyy}{MM}{dd}{HH}{mm}{ss}` from the file's open time (UTC)
/// and `{seq}` from the output's file counter (at least six digits).
package struct FileNameTemplate: Sendable, Equatable {
    package var template: String

    package init(_ template: String) {
        self.template = template
    }

    package func path(openedAt time: Timestamp, counter: Int64) -> String {
        let date = time.utcDate
        let secondOfDay = Int(time.millisecondOfDay / 1000)
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        var result = template
        let replacements: [(String, String)] = [
            ("{yyyy}", pad(date.year, 4)), ("{MM}", pad(date.month, 2)), ("{dd}", pad(date.day, 2)),
            ("{HH}", pad(secondOfDay / 3600, 2)), ("{mm}", pad(secondOfDay / 60 % 60, 2)),
            ("{ss}", pad(secondOfDay % 60, 2)), ("{seq}", pad(Int(counter), 6)),
        ]
        for (placeholder, value) in replacements {
            result = result.replacingOccurrences(of: placeholder, with: value)
        }
        return result
    }

    /// Whether the template numbers its files with `{seq}`.
    package var hasSequence: Bool { template.contains("{seq}") }

    /// The path of a new file opened at `time` that no file has yet (`taken` says which are):
    /// with `{seq}` the counter moves on until the name is free; without it (a daily name
    /// rotated twice in a day, say) `-NNNNNN` goes before the file's extensions instead, so a
    /// name is never reused and never searched for forever.
    package func freshPath(openedAt time: Timestamp, counter: inout Int64, taken: (String) -> Bool) -> String {
        var candidate = path(openedAt: time, counter: counter)
        if hasSequence {
            while taken(candidate) {
                counter += 1
                candidate = path(openedAt: time, counter: counter)
            }
            return candidate
        }
        let base = candidate
        var suffix = max(counter, 2)
        while taken(candidate) {
            candidate = Self.inserting(suffix, into: base)
            suffix += 1
        }
        return candidate
    }

    /// Whether `path` is one this template can produce: each placeholder as its digits, and,
    /// without `{seq}`, the `-NNNNNN` that `freshPath` may insert before the name's extensions.
    package func matches(_ path: String) -> Bool {
        let widths: [String: String] = ["yyyy": "{4}", "MM": "{2}", "dd": "{2}", "HH": "{2}", "mm": "{2}", "ss": "{2}", "seq": "{6,}"]
        let slash = template.lastIndex(of: "/").map { template.index(after: $0) } ?? template.startIndex
        let name = template[slash...]
        let searchFrom = name.first == "." ? name.index(after: name.startIndex) : name.startIndex
        let insertAt = hasSequence ? nil : (name[searchFrom...].firstIndex(of: ".") ?? template.endIndex)
        var pattern = ""
        var index = template.startIndex
        while index <= template.endIndex {
            if index == insertAt { pattern += "(-[0-9]{6,})?" }
            guard index < template.endIndex else { break }
            if template[index] == "{", let close = template[index...].firstIndex(of: "}"),
               let width = widths[String(template[template.index(after: index)..<close])] {
                pattern += "[0-9]" + width
                index = template.index(after: close)
                continue
            }
            let c = template[index]
            pattern += c.isLetter || c.isNumber || c == "/" || c == "_" || c == "-" ? String(c) : "\\" + String(c)
            index = template.index(after: index)
        }
        guard let regex = try? Regex(pattern) else { return false }
        return path.wholeMatch(of: regex) != nil
    }

    /// `dir/name.ext.gz` → `dir/name-000002.ext.gz`.
    static func inserting(_ number: Int64, into path: String) -> String {
        let digits = String(number)
        let tag = "-" + (digits.count >= 6 ? digits : String(repeating: "0", count: 6 - digits.count) + digits)
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let name = path[slash...]
        let searchFrom = name.first == "." ? name.index(after: name.startIndex) : name.startIndex
        guard let dot = name[searchFrom...].firstIndex(of: ".") else { return path + tag }
        return String(path[..<dot]) + tag + String(path[dot...])
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
