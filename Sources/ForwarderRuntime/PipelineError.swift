/// A pipeline that cannot be built or started, in one sentence naming what to fix.
package struct PipelineError: Error, CustomStringConvertible, Sendable {
    package var message: String

    package init(_ message: String) {
        self.message = message
    }

    package var description: String { message }
}
