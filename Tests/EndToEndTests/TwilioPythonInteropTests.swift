import Foundation
import Testing
import TwilioSimulator

/// The official `twilio` Python library against the simulator: `Tests/Interop/twilio_events_api.py`
/// run with the Python of the venv `.ci/run` makes (`TWILIO_PYTHON`, else `.venv-twilio/` in the
/// repository), skipped where no Python with `twilio` is installed.
@Suite("The official twilio Python library against the simulator's Events API",
       .enabled(if: TwilioPython.path != nil,
                "no Python with the twilio library: run `bash .ci/run`, or set TWILIO_PYTHON to a python that can `import twilio`"))
struct TwilioPythonInteropTests {
    @Test("the twilio library lists, creates and deletes sinks and subscriptions unchanged, paging and errors included")
    func eventsAPI() async throws {
        let python = try #require(TwilioPython.path)
        var configuration = SimulatorConfiguration()
        configuration.historyDays = 0
        configuration.eventsPerMinute = 0
        configuration.webhookEventsPerMinute = 0
        let simulator = try await TwilioSimulator.start(configuration, logger: quietLogger)
        defer { Task { await simulator.stop() } }
        let result = try await runProgram(python, [TwilioPython.script, simulator.baseURL, configuration.accountSid, configuration.authToken],
                                          timeout: .seconds(60))
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("ok:"), "\(result.stdout)")
        let state = await simulator.eventStreamsSetup()
        #expect(state.sinks.isEmpty && state.subscriptions.isEmpty, "the script deleted what it created")
        #expect(await simulator.stats().eventsAPIRequests > 20)
    }
}

/// Where the interop Python and its script are.
enum TwilioPython {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let script = repository + "/Tests/Interop/twilio_events_api.py"

    /// A Python that can `import twilio`, or nil.
    static let path: String? = {
        let candidates = [ProcessInfo.processInfo.environment["TWILIO_PYTHON"], repository + "/.venv-twilio/bin/python"].compactMap { $0 }
        return candidates.first { candidate in
            guard FileManager.default.isExecutableFile(atPath: candidate) else { return false }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: candidate)
            process.arguments = ["-c", "import twilio"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return false }
            process.waitUntilExit()
            return process.terminationStatus == 0
        }
    }()
}
