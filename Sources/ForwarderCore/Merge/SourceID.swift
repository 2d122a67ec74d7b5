/// Names one source of events feeding the merger (`monitor`, `event_streams`, …).
package struct SourceID: Hashable, Sendable, RawRepresentable, CustomStringConvertible, ExpressibleByStringLiteral {
    package var rawValue: String

    package init(rawValue: String) { self.rawValue = rawValue }
    package init(stringLiteral value: String) { self.rawValue = value }

    package var description: String { rawValue }

    package static let monitor: SourceID = "monitor"
    package static let eventStreams: SourceID = "event_streams"
    package static let nats: SourceID = "nats"
}
