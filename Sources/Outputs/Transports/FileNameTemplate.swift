import ForwarderCore

/// Expands an output path template: `{yyyy}{MM}{dd}{HH}{mm}{ss}` from the file's open time (UTC)
/// and `{seq}` from the output's file counter (at least six digits).
public struct FileNameTemplate: Sendable, Equatable {
    public var template: String

    public init(_ template: String) {
        self.template = template
    }

    public func path(openedAt time: Timestamp, counter: Int64) -> String {
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
