import ArgumentParser
import AsyncHTTPClient
import EventStreamsReceiver
import EventStreamsSetup
import ForwarderCore
import ForwarderRuntime
import Foundation
import Journal
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// `siem-forwarder event-streams setup|status`: the Twilio side of Event Streams — the webhook
/// sink for `public_url`, its test and validation, and the subscription — created and checked.
struct EventStreamsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event-streams",
        abstract: "Create, test and check the Twilio Event Streams sink and subscription for this forwarder.",
        subcommands: [Setup.self, Status.self]
    )

    /// `event-streams setup --config FILE [--dry-run]`.
    struct Setup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update the webhook sink for public_url, test and validate it, and subscribe it (idempotent).",
            discussion: """
            Finds the webhook sink whose destination is sources.event_streams.public_url or creates it, asks Twilio for a \
            test event and validates the sink with the test id this forwarder receives (read through the running \
            forwarder's admin API, or by listening on server.listen when no forwarder runs), then creates or updates one \
            subscription to sources.event_streams.subscribe. Run again, it changes nothing and says so.
            """
        )
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Read what Twilio has and print each call setup would make, changing nothing.") var dryRun = false
        @Option(help: "Seconds to wait for Twilio's test event to reach the forwarder.") var testTimeout = 60

        func run() async throws {
            guard testTimeout >= 1 else { throw fail("--test-timeout must be at least 1 second, not \(testTimeout).", code: ExitStatus.invalidInput) }
            let context = try EventStreamsContext(options: options)
            // A dry run never asks for a test, so the source's listener never starts; its name
            // still says where the real run would read the test event.
            let source = await context.testEventSource(listening: true)
            let runner = SetupRunner(client: context.client, goal: context.goal, source: source, dryRun: dryRun,
                                     testTimeout: .seconds(testTimeout)) { line in print(line); fflush(nil) }
            do {
                try await runner.run()
            } catch {
                await context.shutdown()
                throw fail("\(error)", code: ExitStatus.runtimeFailure)
            }
            await context.shutdown()
        }
    }

    /// `event-streams status --config FILE`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the sink, its subscriptions and types, the last test event, and whether public_url matches what Twilio calls.",
            discussion: "Exits 0 when all is in order, 1 when something needs setup or a configuration change, 2 when Twilio could not be asked."
        )
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let context = try EventStreamsContext(options: options)
            let report: StatusReport
            do {
                let sinks = try await context.client.listSinks()
                var subscriptions: [String: [EventStreamsSubscription]] = [:]
                for sink in sinks where sink.sinkType == "webhook" {
                    subscriptions[sink.sid] = try await context.client.subscriptions(sinkSid: sink.sid)
                }
                let source = await context.testEventSource(listening: false)
                let tests: StatusReport.Tests
                do {
                    tests = .received(try await source.received(), from: source.name)
                } catch {
                    tests = .unknown("\(error)")
                }
                report = StatusReport.make(goal: context.goal, path: context.eventStreams.path, sinks: sinks,
                                           subscriptions: subscriptions, tests: tests, now: WallClock.system.now())
            } catch {
                await context.shutdown()
                throw fail("\(error)", code: ExitStatus.runtimeFailure)
            }
            await context.shutdown()
            print("Event Streams at Twilio (Events API \(context.client.baseURL)) for public_url \(context.goal.publicURL):")
            for line in report.lines { print("  " + line) }
            if !report.healthy { throw ExitStatus.invalidInput }
        }
    }
}

/// What both subcommands need: the pipeline, the Events API client and the goal.
struct EventStreamsContext {
    let config: PipelineConfig
    let eventStreams: EventStreamsSourceConfig
    let client: EventsAPIClient
    let goal: SetupGoal
    let http: HTTPClient
    let logger: Logger

    init(options: ConfigOptions) throws {
        let config = try options.load()
        guard let eventStreams = config.sources.eventStreams else {
            throw fail("\(config.file) has no sources.event_streams: add it with public_url and auth_token, the URL Twilio is to call and the token that signs its deliveries.",
                       code: ExitStatus.invalidInput)
        }
        guard let publicURL = eventStreams.publicURL else {
            throw fail("\(config.file) has no sources.event_streams.public_url: set it to the URL Twilio is to call (the sink's destination).",
                       code: ExitStatus.invalidInput)
        }
        guard let credentials = config.sources.eventsAPICredentials else {
            throw fail("\(config.file) has no credentials for Twilio's Events API: set sources.event_streams.username and password_file (an API key SID and secret, or the account SID and auth token), or configure sources.monitor.",
                       code: ExitStatus.invalidInput)
        }
        self.config = config
        self.eventStreams = eventStreams
        logger = LoggingSetup.bootstrap(format: options.logFormat ?? .text, level: .notice)
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        client = EventsAPIClient(http: http, baseURL: eventStreams.setup.eventsAPIURL, username: credentials.username, password: credentials.password)
        goal = SetupGoal(eventStreams, publicURL: publicURL)
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// Where test events are read: the running forwarder's admin API when it answers and a token
    /// is set; else the journal in state.dir (beside a running forwarder, or, with `listening`
    /// and no forwarder running, with a listener of setup's own on server.listen).
    func testEventSource(listening: Bool) async -> any TestEventSource {
        let operationsURL = "http://\(Self.urlHost(config.operations.host)):\(config.operations.port)"
        let running = config.operations.port != 0 ? await answers(operationsURL + "/healthz") : false
        if running, let token = config.admin.token, !token.isEmpty {
            return AdminAPITestEvents(http: http, operationsURL: operationsURL, token: token)
        }
        let stateDir = config.state.dir
        guard listening, !running, !Self.forwarderHoldsLock(stateDir: stateDir) else {
            return JournalTestEvents(stateDir: stateDir, listen: nil)
        }
        let eventStreams = self.eventStreams
        let server = config.server
        let logger = self.logger
        return JournalTestEvents(stateDir: stateDir) {
            let lock = try StateLock(directory: stateDir)
            do {
                let journal = try Journal(directory: stateDir)
                do {
                    let listener = try await SinkTestListener.start(config: eventStreams, host: server.host, port: server.port,
                                                                    journal: journal, logger: logger)
                    return SinkTestListenerHandle(journal: journal) {
                        await listener.stop()
                        await journal.close()
                        lock.release()
                    }
                } catch {
                    await journal.close()
                    throw error
                }
            } catch {
                lock.release()
                throw error
            }
        }
    }

    /// Whether a forwarder answers 200 on `url`. A refused connection says no at once (the HTTP
    /// client would retry connecting until its deadline).
    private func answers(_ url: String) async -> Bool {
        let host = Self.urlHost(config.operations.host).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let connection = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(1)).connect(host: host, port: config.operations.port).get()
        guard let connection else { return false }
        try? await connection.close()
        guard let response = try? await http.execute(HTTPClientRequest(url: url), timeout: .seconds(2)) else { return false }
        _ = try? await response.body.collect(upTo: 1 << 16)
        return response.status == .ok
    }

    /// Whether a forwarder runs on this state.dir (it holds the journal's lock).
    private static func forwarderHoldsLock(stateDir: String) -> Bool {
        guard Journal.exists(inDirectory: stateDir) else { return false }
        guard let lock = try? StateLock(directory: stateDir) else { return true }
        lock.release()
        return false
    }

    static func urlHost(_ host: String) -> String {
        switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::": "[::1]"
        default: host.contains(":") ? "[\(host)]" : host
        }
    }
}
