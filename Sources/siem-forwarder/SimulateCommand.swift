import ArgumentParser
import ForwarderCore
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import TwilioSimulator

/// `siem-forwarder simulate`: serves the Twilio simulator until stopped.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Serve a local stand-in for the Twilio Monitor API and Event Streams deliveries until stopped."
    )

    @Option(help: "Port to listen on (0: any free port).") var port: Int = 0
    @Option(help: "Seed of the deterministic event history.") var seed: UInt64 = 1
    @Option(help: "Days of Monitor history before now.") var historyDays: Int = 3
    @Option(help: "Monitor events per day of history.") var historyEventsPerDay: Int = 1000
    @Option(help: "New Monitor events per minute while running.") var eventsPerMinute: Double = 60
    @Option(help: "How StartDate/EndDate filter: day (time of day ignored, as Twilio documents) or second.") var filterPrecision: String = "day"
    @Option(help: "Account SID the API answers for.") var accountSid: String = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    @Option(help: "Auth token (Basic auth password and webhook signing key).") var authToken: String = "simulator-auth-token"
    @Option(help: "Where to POST signed Event Streams deliveries.") var webhookURL: String?
    @Option(help: "CloudEvents per minute sent to --webhook-url.") var webhookEventsPerMinute: Double = 60
    @Option(help: ArgumentHelp(
        "Fault injection: a rate like 0.1 (spread over 429, 500, 503, slow, reset and truncate), or a list like 429=0.05,500=0.03,reset=0.02.",
        discussion: """
            Kinds: 429 (Retry-After half the time), 429+retry-after (always), 429-retry-after (never), 500, 503, \
            slow (half the body, then the rest after 2 s), reset (connection reset, no answer), truncate (a body cut short), \
            page404 (a request with a PageToken, i.e. a next_page_url, answers 404 with Twilio's 20404; drawn on its own, \
            so it does not count towards the total of 1).
            """
    )) var faults: String?
    @Option(help: ArgumentHelp(
        "How far the simulator's clock runs ahead of this host's, e.g. 90s, or --clock-offset=-90s for behind.",
        discussion: "Event dates, visibility and the \"now\" of every listing follow it: a forwarder on this host sees that clock skew."
    )) var clockOffset: String?
    @Option(help: "Delay every API answer, like a real Twilio page: 200ms, or 200ms±50ms (uniform jitter).") var latency: String?
    @Option(help: "Answer 429 with Twilio's 20429 to API requests beyond this many in flight at once.") var maxConcurrentRequests: Int?

    func run() async throws {
        var configuration = SimulatorConfiguration()
        configuration.port = port
        configuration.seed = seed
        configuration.historyDays = historyDays
        configuration.historyEventsPerDay = historyEventsPerDay
        configuration.eventsPerMinute = eventsPerMinute
        guard let precision = FilterPrecision(rawValue: filterPrecision) else {
            throw fail("--filter-precision must be day or second, not \(filterPrecision).", code: ExitStatus.invalidInput)
        }
        configuration.filterPrecision = precision
        configuration.accountSid = accountSid
        configuration.authToken = authToken
        configuration.webhookURL = webhookURL
        configuration.webhookEventsPerMinute = webhookEventsPerMinute
        if let faults {
            do {
                configuration.faults = try FaultSpec(parsing: faults)
            } catch {
                throw fail("--faults \(faults): \(error)", code: ExitStatus.invalidInput)
            }
        }
        if let clockOffset {
            let magnitude = clockOffset.hasPrefix("-") || clockOffset.hasPrefix("+") ? String(clockOffset.dropFirst()) : clockOffset
            guard let duration = DurationText.parse(magnitude) else {
                throw fail("--clock-offset \(clockOffset) is not a duration such as 90s, 500ms or -2m.", code: ExitStatus.invalidInput)
            }
            configuration.clockOffset = clockOffset.hasPrefix("-") ? .zero - duration : duration
        }
        if let latency {
            do {
                configuration.latency = try ResponseLatency(parsing: latency)
            } catch {
                throw fail("--latency \(latency): \(error)", code: ExitStatus.invalidInput)
            }
        }
        if let maxConcurrentRequests {
            guard maxConcurrentRequests >= 1 else {
                throw fail("--max-concurrent-requests must be at least 1, not \(maxConcurrentRequests).", code: ExitStatus.invalidInput)
            }
            configuration.maxConcurrentRequests = maxConcurrentRequests
        }
        let logger = LoggingSetup.bootstrap(format: .text, level: .info)
        let simulator = try await TwilioSimulator.start(configuration, logger: logger)
        print("Twilio simulator listening on \(simulator.baseURL)")
        print("  Monitor API:   \(simulator.baseURL)/v1/Events  (Basic auth \(accountSid) / \(authToken))")
        print("  Events API:    \(simulator.baseURL)/v1/Sinks, /v1/Subscriptions, /v1/Types  (same credentials; events_api_url for event-streams setup)")
        print("  ground truth:  \(simulator.baseURL)/simulator/events, /simulator/deliveries, /simulator/stats")
        if let webhookURL { print("  deliveries to: \(webhookURL)") }
        if configuration.faults != .none { print("  faults:        \(configuration.faults)") }
        if configuration.clockOffset != .zero { print("  clock offset:  \(DurationText.format(configuration.clockOffset))") }
        if let latency = configuration.latency { print("  latency:       \(latency) per answer") }
        if let limit = configuration.maxConcurrentRequests { print("  concurrency:   429 (20429) beyond \(limit) requests in flight") }
        print("Press Ctrl-C to stop.")
        // A script reading the base URL from a pipe must not wait for the buffer to fill.
        fflush(nil)
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        for await _ in signals { break }
        await simulator.stop()
    }
}
