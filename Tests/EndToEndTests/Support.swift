import AsyncHTTPClient
import ForwarderCore
import Foundation
import Gzip
import Logging
import NIOCore
import NIOHTTP1
import TwilioSimulator

/// Polls `condition` every 50 ms until it holds; fails the test with `message` after `timeout`.
func eventually(
    timeout: Duration = .seconds(60), _ message: @autoclosure () -> String = "condition",
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    struct TimedOut: Error, CustomStringConvertible { var description: String }
    throw TimedOut(description: "timed out after \(timeout) waiting for \(message())")
}

/// A logger that discards everything (tests assert on outputs, not on logs).
let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// Polls `produce` until it returns a value, or fails after `timeout`.
func eventuallyValue<T: Sendable>(
    _ message: @autoclosure () -> String, timeout: Duration = .seconds(60), _ produce: () async throws -> T?
) async throws -> T {
    var result: T?
    try await eventually(timeout: timeout, message()) {
        result = try await produce()
        return result != nil
    }
    return result!
}

/// The NDJSON records of every complete `*.ndjson.gz` file under `directory` (recursively),
/// failing on an invalid gzip file or an invalid JSON line.
func ndjsonRecords(in directory: String) throws -> [JSONValue] {
    let fm = FileManager.default
    guard let enumerator = fm.enumerator(atPath: directory) else { return [] }
    var records: [JSONValue] = []
    for case let name as String in enumerator where name.hasSuffix(".ndjson.gz") {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        let bytes = try Gzip.decompress(Array(data))
        var start = 0
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
            records.append(try JSONReader.parse(Array(bytes[start..<i])))
            start = i + 1
        }
        if start != bytes.count { throw TestFailure("\(name) ends without a newline") }
    }
    return records
}

/// `event.id` of every NDJSON record in the files, duplicates kept.
func eventIDs(in directory: String) throws -> [String] {
    try ndjsonRecords(in: directory).compactMap { $0["event"]?["id"]?.stringValue }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The `siem-forwarder` binary built next to the test bundle.
func forwarderBinary() throws -> String {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = directory.appendingPathComponent("siem-forwarder").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    for path in [".build/debug/siem-forwarder", ".build/x86_64-unknown-linux-gnu/debug/siem-forwarder"] {
        let candidate = root.appendingPathComponent(path).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw TestFailure("siem-forwarder binary not found next to \(CommandLine.arguments[0])")
}

/// A finished run of the binary.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the binary to completion; kills it after `timeout`. Output goes through temporary files
/// and the exit is awaited with a termination handler, so no thread of the shared concurrency
/// pool blocks (the in-process simulator needs them to answer the forwarder).
func runForwarder(_ arguments: [String], environment: [String: String]? = nil, timeout: Duration = .seconds(120)) async throws -> ProcessResult {
    try await runProgram(try forwarderBinary(), arguments, environment: environment, timeout: timeout)
}

/// Runs any program to completion the same way; kills it after `timeout`.
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Duration = .seconds(120)) async throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let base = NSTemporaryDirectory() + "siemfwd-out-" + UUID().uuidString
    _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: base + ".out")
        try? FileManager.default.removeItem(atPath: base + ".err")
    }
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        process.terminationHandler = { _ in continuation.resume() }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume()
        }
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            if process.isRunning { process.terminate() }
        }
        _ = watchdog
    }
    let stdout = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
    return ProcessResult(status: process.isRunning ? -1 : process.terminationStatus, stdout: stdout, stderr: stderr)
}

/// Waits for a child process to exit without blocking a thread of the concurrency pool.
func waitForExit(_ process: Process) async throws {
    try await eventually(timeout: .seconds(60), "process \(process.processIdentifier) exits") { !process.isRunning }
}

/// A simulator for a test: `days` of `perDay` history events, `perMinute` new ones live, from `seed`.
/// Every event is visible within 1 s of its `event_date`, inside the 2 s `lookback` of
/// `monitorPipelineYAML` (the poller promises nothing for events hidden longer than its lookback).
func simulatorConfiguration(seed: UInt64 = 1, days: Int, perDay: Int, perMinute: Double) -> SimulatorConfiguration {
    var configuration = SimulatorConfiguration()
    configuration.maxVisibilityDelay = .seconds(1)
    configuration.seed = seed
    configuration.historyDays = days
    configuration.historyEventsPerDay = perDay
    configuration.eventsPerMinute = perMinute
    return configuration
}

/// Starts the `siem-forwarder run` binary on `config`, its log (text) in a new file at `log`.
func startForwarder(config: String, log: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try forwarderBinary())
    process.arguments = ["run", "--config", config, "--log-format", "text"]
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    return process
}

/// POSTs `body` to an Event Streams webhook at `url`, signed with `authToken` as Twilio signs it
/// (`bodySHA256` in the URL, `X-Twilio-Signature` over that URL); returns the status and body.
func postSignedDelivery(_ body: String, to url: String, authToken: String, headers: [(String, String)] = []) async throws -> (status: Int, body: String) {
    let bytes = Array(body.utf8)
    let signed = TwilioSignature.urlWithBodyHash(url, body: bytes)
    var request = HTTPClientRequest(url: signed)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.headers.add(name: "X-Twilio-Signature", value: TwilioSignature.sign(url: signed, authToken: authToken))
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    request.body = .bytes(bytes)
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 16)))
}
