/// A pipeline that cannot be built or started, in one sentence naming what to fix.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
