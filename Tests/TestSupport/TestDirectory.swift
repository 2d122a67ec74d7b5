import Foundation

/// A fresh directory under the system temp dir, removed when the test ends (kept when the
/// environment has `KEEP_TEST_DIRS`, to look at what a failing test left).
package final class TestDirectory: Sendable {
    package let path: String

    package init(_ name: String = #function) {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("siemfwd-\(safe)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        if ProcessInfo.processInfo.environment["KEEP_TEST_DIRS"] == nil { try? FileManager.default.removeItem(atPath: path) }
    }
}
