import ForwarderCore
import Foundation
import Journal
import Logging
import OutputFormats
import Outputs
import ServiceLifecycle

/// Quiet unless `TRANSPORT_TEST_LOGS` is set.
let testLogger: Logger = {
    guard ProcessInfo.processInfo.environment["TRANSPORT_TEST_LOGS"] != nil else {
        return Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    }
    var logger = Logger(label: "test")
    logger.logLevel = .debug
    return logger
}()

/// A real output service over a real journal in a temp dir, run in a service group, with
/// events published (appended and released) by the test.
final class OutputHarness: Sendable {
    let journal: Journal
    let service: OutputService
    private let wakeup = Wakeup()
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    init(sink: any RecordSink, directory: String, encoder: TestSyslogEncoder = TestSyslogEncoder(), framer: any RecordFramer = OctetCountingFramer(),
         batchSize: Int = 25, drainOnStop: Duration? = nil, health: HealthRegistry? = nil) async throws {
        journal = try Journal(directory: directory)
        service = OutputService(
            name: "siem", encoder: encoder, framer: framer, sink: sink, journal: journal, wakeup: wakeup,
            batchSize: batchSize, retry: Backoff(initial: .milliseconds(100), maximum: .milliseconds(300)), drainOnStop: drainOnStop,
            health: health, logger: testLogger
        )
        let group = ServiceGroup(configuration: .init(services: [service], logger: testLogger))
        self.group = group
        running = Task { try await group.run() }
    }

    /// Appends events with ids `range` (event time n ms, so sequence n) and releases them
    /// (unless `release` is false: then `release(upTo:)` does).
    func publish(_ range: ClosedRange<Int>, release: Bool = true) async throws {
        let events = range.map { n in
            TwilioEvent(id: "\(n)", dedupKey: "E\(n)", time: Timestamp(epochMilliseconds: Int64(n)), origin: .monitor,
                        type: "ip.blocked", raw: Array("{}".utf8))
        }
        try await journal.append(events, receivedAt: now())
        if release { try await self.release(upTo: range.upperBound) }
    }

    /// Releases every appended event with an id up to `last` and wakes the output.
    func release(upTo last: Int) async throws {
        _ = try await journal.release(upTo: Timestamp(epochMilliseconds: Int64(last)), lateAtOrBefore: .distantPast, limit: 10_000)
        await wakeup.signal()
    }

    /// Whether the output commits `sequence` within `timeout`.
    func committed(_ sequence: Int64, within timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while await service.committedSequence() < sequence {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Graceful shutdown: the service drains, finishes its sink and returns.
    func shutdown() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }
}
