import ArgumentParser
import ForwarderCore
import Foundation

/// `siem-forwarder`: moves Twilio Monitor Events and Event Streams deliveries into a SIEM.
@main
struct SIEMForwarderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siem-forwarder",
        abstract: "Forward Twilio Monitor Events and Event Streams deliveries to SIEM outputs.",
        version: ForwarderVersion.current,
        subcommands: [RunCommand.self, ReplayCommand.self, ValidateCommand.self, CheckpointCommand.self, EventStreamsCommand.self, HealthCommand.self, SimulateCommand.self, DemoCommand.self]
    )
}

/// Exit codes of the contract: 1 for invalid input or configuration (and `health`'s "not ready"),
/// 2 for a runtime failure.
enum ExitStatus {
    static let invalidInput = ExitCode(1)
    static let notReady = ExitCode(1)
    static let runtimeFailure = ExitCode(2)
}

/// Prints one clear sentence to stderr and exits with the given code.
func fail(_ message: String, code: ExitCode) -> ExitCode {
    FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
    return code
}
