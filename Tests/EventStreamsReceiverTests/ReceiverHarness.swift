import NIOHTTP1
import TestSupport
import AsyncHTTPClient
import Crypto
@testable import EventStreamsReceiver
import ForwarderCore
import Foundation
import Hummingbird
import Journal
import Logging
import NIOCore
import ServiceLifecycle

/// Records what the receiver reports, and lets a test wait for the first watermark.
actor RecordingReporter: WatermarkReporter {
    private(set) var watermarks: [Timestamp] = []
    private(set) var journalChanges = 0
    private var watermarkWaiters: [CheckedContinuation<Void, Never>] = []
    private var changeWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    func report(_ source: SourceID, watermark: Timestamp) {
        watermarks.append(watermark)
        for waiter in watermarkWaiters { waiter.resume() }
        watermarkWaiters.removeAll()
    }

    func journalChanged(_ arrival: MergeState.Arrival) {
        journalChanges += 1
        let due = changeWaiters.filter { $0.count <= journalChanges }
        changeWaiters.removeAll { $0.count <= journalChanges }
        for waiter in due { waiter.continuation.resume() }
    }

    /// Returns once `count` commits were reported: the receiver tells the merger after it has
    /// answered the delivery, so a test that has the answer may not have the report yet.
    func journalChanges(reaching count: Int) async -> Int {
        if journalChanges < count {
            await withCheckedContinuation { changeWaiters.append((count, $0)) }
        }
        return journalChanges
    }

    func waitForWatermark() async {
        if !watermarks.isEmpty { return }
        await withCheckedContinuation { watermarkWaiters.append($0) }
    }
}

/// A real receiver behind a real Hummingbird server on 127.0.0.1 (port 0), a real journal in a
/// temporary directory and a real HTTP client.
struct ReceiverHarness: Sendable {
    static let publicURL = "https://forwarder.example.com/webhooks/event-streams"
    static let authToken = "test-auth-token"
    static let path = "/webhooks/event-streams"

    let receiver: EventStreamsReceiver
    let journal: Journal
    let reporter: RecordingReporter
    let health: HealthRegistry
    let client: HTTPClient
    let port: Int
    let config: EventStreamsSourceConfig

    static func defaultConfig() -> EventStreamsSourceConfig {
        EventStreamsSourceConfig(path: path, publicURL: publicURL, authToken: authToken)
    }

    /// Runs `body` against a fresh server and journal, then shuts both down.
    static func with<T: Sendable>(
        config: EventStreamsSourceConfig = defaultConfig(), clock: WallClock = .system,
        responseDeadline: Duration = .seconds(4), _ body: @Sendable (ReceiverHarness) async throws -> T
    ) async throws -> T {
        let directory = TestDirectory()
        var logger = Logger(label: "receiver-test")
        logger.logLevel = .warning
        let journal = try Journal(directory: directory.path)
        let reporter = RecordingReporter()
        let health = HealthRegistry()
        let receiver = EventStreamsReceiver(config: config, journal: journal, reporter: reporter, health: health,
                                            clock: clock, logger: logger, responseDeadline: responseDeadline)
        let router = Router(context: ForwarderRequestContext.self)
        receiver.addRoutes(to: router)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)

        let result: Result<T, any Error>
        do {
            result = try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = ports.makeAsyncIterator()
                let port = await iterator.next() ?? 0
                let harness = ReceiverHarness(receiver: receiver, journal: journal, reporter: reporter, health: health,
                                              client: client, port: port,
                                              config: config)
                let outcome: Result<T, any Error>
                do {
                    outcome = .success(try await body(harness))
                } catch {
                    outcome = .failure(error)
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return outcome
            }
        } catch {
            result = .failure(error)
        }
        try? await client.shutdown()
        await journal.close()
        withExtendedLifetime(directory) {}
        return try result.get()
    }

    // MARK: Requests

    /// An answer as the test sees it.
    struct Answer: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        /// The JSON body's members.
        var json: JSONValue? { try? JSONReader.parse(Array(body.utf8)) }
    }

    /// How a test request is signed.
    enum Signing: Sendable {
        /// Correctly, for `publicURL` + the request's query.
        case valid
        /// No `X-Twilio-Signature`.
        case none
        /// This exact header value.
        case header(String)
        /// Correctly, but for another URL (base without query; the request's query is appended).
        case forURL(String)
    }

    /// Posts `body` to the webhook path. `query` is the raw query; by default `bodySHA256=<hash of body>`.
    /// Throws when no answer has come within `timeout`.
    func post(_ body: [UInt8], query: String? = nil, signing: Signing = .valid,
              contentType: String? = "application/json", headers extra: [(String, String)] = [],
              timeout: TimeAmount = .seconds(30)) async throws -> Answer {
        let query = query ?? "bodySHA256=" + Self.sha256Hex(body)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(config.path)?\(query)")
        request.method = .POST
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        switch signing {
        case .valid:
            request.headers.add(name: "X-Twilio-Signature", value: sign(publicURL + "?" + query))
        case .none:
            break
        case .header(let value):
            request.headers.add(name: "X-Twilio-Signature", value: value)
        case .forURL(let base):
            request.headers.add(name: "X-Twilio-Signature", value: sign(base + "?" + query))
        }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        request.body = .bytes(body)
        let response = try await client.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                      body: String(buffer: bytes))
    }

    /// Every stored event, in time order.
    func storedEvents() async throws -> [TwilioEvent] {
        try await journal.events(from: .distantPast, to: .distantFuture, origin: nil, afterKey: nil, limit: 1_000_000)
            .map(\.event)
    }

    func storedCount() async throws -> Int64 {
        try await journal.stats().events
    }

    // MARK: Signing, independent of the code under test

    var publicURL: String { config.publicURL ?? Self.publicURL }

    func sign(_ url: String) -> String {
        Self.sign(url, token: config.authToken ?? Self.authToken)
    }

    static func sign(_ url: String, token: String = authToken) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(url.utf8), using: SymmetricKey(data: Data(token.utf8)))
        return Data(mac).base64EncodedString()
    }

    static func sha256Hex(_ body: [UInt8]) -> String {
        SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
    }
}

/// Small CloudEvents for tests.
enum SampleEvents {
    static func event(id: String, source: String = "DGtest", time: String? = "2026-11-20T08:15:00.123Z") -> String {
        let timeMember = time.map { #""time":"\#($0)","# } ?? ""
        return #"{"specversion":"1.0","type":"com.twilio.iam.ip.blocked","source":"\#(source)","id":"\#(id)",\#(timeMember)"data":{"timestamp":"1756056832164","account_sid":"ACtest","address":"203.0.113.9","action":"POST","resource":"/v1/Sinks","authentication_method":"API Key"}}"#
    }

    static func batch(ids: some Sequence<String>) -> [UInt8] {
        Array(("[" + ids.map { event(id: $0) }.joined(separator: ",") + "]").utf8)
    }

    static func single(id: String) -> [UInt8] {
        Array(event(id: id).utf8)
    }
}
