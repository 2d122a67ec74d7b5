/// Names one source of events feeding the merger (`monitor`, `event_streams`, …).
public struct SourceID: Hashable, Sendable, RawRepresentable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    public static let monitor: SourceID = "monitor"
    public static let eventStreams: SourceID = "event_streams"
    public static let nats: SourceID = "nats"
}
