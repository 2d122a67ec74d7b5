import Foundation

/// The subject an output publishes each record to: a template with `{dataset}` (`monitor` or
/// `event_streams`), `{type}` (the event type) and `{account}` (the account SID, `unknown`
/// without one). Characters a subject cannot carry in a token (space, `*`, `>`) become `_`.
package struct NATSSubjectTemplate: Sendable, Equatable {
    package let template: String

    package init(_ template: String) {
        self.template = template
    }

    package func subject(for record: RecordBatch.Record) -> String {
        template
            .replacingOccurrences(of: "{dataset}", with: Self.token(record.dataset))
            .replacingOccurrences(of: "{type}", with: Self.token(record.type))
            .replacingOccurrences(of: "{account}", with: Self.token(record.account ?? "unknown"))
    }

    /// A value as subject tokens: dots stay (they separate tokens), empty tokens and wildcards go.
    static func token(_ value: String) -> String {
        let cleaned = String(value.map { $0 == " " || $0 == "*" || $0 == ">" || $0.isNewline || $0 == "\t" ? "_" : $0 })
        let tokens = cleaned.split(separator: ".", omittingEmptySubsequences: true)
        return tokens.isEmpty ? "_" : tokens.joined(separator: ".")
    }
}
