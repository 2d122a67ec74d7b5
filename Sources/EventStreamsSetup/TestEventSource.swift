import AsyncHTTPClient
import EventStreamsReceiver
import ForwarderCore
import Journal
import Logging
import NIOCore
import NIOHTTP1

/// Where `setup` and `status` learn which sink test events reached the forwarder: the running
/// sidecar's admin API, or the journal in `state.dir` (with a listener on `server.listen` of
/// its own while `setup` waits, when no forwarder runs).
package protocol TestEventSource: Sendable {
    /// How the output names it, e.g. `the running forwarder's admin API (http://127.0.0.1:9464)`.
    var name: String { get }
    /// The test events received so far, newest first.
    func received() async throws -> [SinkTestEvent]
    /// Called before the test is asked for: a listener of its own starts listening here.
    func prepare() async throws
    /// Called once the test event came or did not.
    func finish() async
}

extension TestEventSource {
    /// Waits until a test event whose id is not in `known` arrives; nil after `timeout`.
    package func waitForNewTest(known: Set<String>, timeout: Duration, poll: Duration = .milliseconds(100)) async throws -> SinkTestEvent? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let test = try await received().first(where: { !known.contains($0.testID) }) { return test }
            try await Task.sleep(for: poll)
        }
        return nil
    }
}

/// The running sidecar's `GET /admin/event-streams/test-events`.
package struct AdminAPITestEvents: TestEventSource {
    package var http: HTTPClient
    /// `http://HOST:PORT` of the operations listener.
    package var operationsURL: String
    package var token: String

    package init(http: HTTPClient, operationsURL: String, token: String) {
        self.http = http
        self.operationsURL = operationsURL
        self.token = token
    }

    package var name: String { "the running forwarder's admin API (\(operationsURL))" }

    package func received() async throws -> [SinkTestEvent] {
        var request = HTTPClientRequest(url: operationsURL + "/admin/event-streams/test-events")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await http.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok, let tests = SinkTestEventsJSON.parse(Array(body.readableBytesView)) else {
            throw SetupError("The running forwarder's admin API at \(operationsURL) answered HTTP \(response.status.code) to GET "
                             + "/admin/event-streams/test-events; check that admin.token in the pipeline file is the token the forwarder runs with.")
        }
        return tests
    }

    package func prepare() async throws {}
    package func finish() async {}
}

/// The journal in `state.dir`, read beside a running forwarder or without one; `listen`
/// (setup without a forwarder) also takes `server.listen` for the test delivery while waiting.
package final class JournalTestEvents: TestEventSource {
    private let stateDir: String
    private let listen: (@Sendable () async throws -> SinkTestListenerHandle)?
    private let handle = HandleBox()

    package init(stateDir: String, listen: (@Sendable () async throws -> SinkTestListenerHandle)?) {
        self.stateDir = stateDir
        self.listen = listen
    }

    package var name: String {
        listen == nil ? "the journal in \(stateDir)" : "a listener of its own on server.listen (no forwarder is running)"
    }

    package func received() async throws -> [SinkTestEvent] {
        if let journal = await handle.journal { return try await journal.sinkTestEvents() }
        guard Journal.exists(inDirectory: stateDir) else { return [] }
        let journal = try Journal(directory: stateDir)
        do {
            let tests = try await journal.sinkTestEvents()
            await journal.close()
            return tests
        } catch {
            await journal.close()
            throw error
        }
    }

    package func prepare() async throws {
        guard let listen else { return }
        await handle.set(try await listen())
    }

    package func finish() async {
        await handle.take()?.stop()
    }
}

/// A listener of setup's own and the journal it writes to, stopped together.
package struct SinkTestListenerHandle: Sendable {
    package var journal: Journal
    package var stop: @Sendable () async -> Void

    package init(journal: Journal, stop: @escaping @Sendable () async -> Void) {
        self.journal = journal
        self.stop = stop
    }
}

/// The listener `JournalTestEvents` started, while it runs.
private actor HandleBox {
    private var handle: SinkTestListenerHandle?

    var journal: Journal? { handle?.journal }

    func set(_ handle: SinkTestListenerHandle) { self.handle = handle }

    func take() -> SinkTestListenerHandle? {
        defer { handle = nil }
        return handle
    }
}

/// A setup step that failed, as one sentence saying what to do.
package struct SetupError: Error, CustomStringConvertible {
    package var description: String

    package init(_ description: String) {
        self.description = description
    }
}
