/// What keeps `seen` from being exactly `expected` (each once, in that order), in one short
/// sentence, or nil when it is: missing and duplicated items are counted and the first few named,
/// so a failure never prints thousands of ids.
package func exactlyOnceProblem<T: Hashable & Comparable>(_ seen: [T], expected: [T], ordered: Bool = true) -> String? {
    if seen == expected { return nil }
    var counts: [T: Int] = [:]
    for item in seen { counts[item, default: 0] += 1 }
    let expectedSet = Set(expected)
    let missing = expected.filter { counts[$0] == nil }
    let duplicated = counts.filter { $0.value > 1 }.keys.sorted()
    let unexpected = counts.keys.filter { !expectedSet.contains($0) }.sorted()
    var parts: [String] = []
    func few(_ items: [T]) -> String { items.prefix(5).map { "\($0)" }.joined(separator: ", ") + (items.count > 5 ? ", …" : "") }
    if !missing.isEmpty { parts.append("\(missing.count) missing (\(few(missing)))") }
    if !duplicated.isEmpty { parts.append("\(duplicated.count) duplicated (\(few(duplicated)))") }
    if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected (\(few(unexpected)))") }
    if parts.isEmpty {
        if !ordered { return nil }
        parts.append("every item once but out of order")
    }
    return "\(seen.count) seen, \(expected.count) expected: " + parts.joined(separator: "; ")
}
