import Foundation

/// How the simulated Monitor API interprets `StartDate` / `EndDate`.
///
/// `.day` is what Twilio's published page documents (the time of day is ignored: whole UTC
/// days); `.second` is what the OpenAPI spec's `date-time` typing would mean (exact instants).
package enum FilterPrecision: String, Sendable, CaseIterable {
    case day
    case second
}

/// A user name and password for HTTP Basic authentication.
package struct BasicAuthCredentials: Sendable, Equatable {
    package var user: String
    package var password: String

    package init(user: String, password: String) {
        self.user = user
        self.password = password
    }
}

/// A configuration value the simulator cannot use, named with the value at fault.
package struct SimulatorConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String

    package init(_ message: String) {
        self.message = message
    }

    package var description: String { message }
}

/// Everything that shapes one simulator run. Defaults match `siem-forwarder simulate`.
package struct SimulatorConfiguration: Sendable {
    /// Address to bind; the simulator only ever listens on what it is given here.
    package var host = "127.0.0.1"
    /// Port to bind; 0 picks an ephemeral port (read it back from ``TwilioSimulator/port``).
    package var port = 0
    /// Seed for everything generated: sids, types, actors, IPs, event data, faults, CloudEvents.
    package var seed: UInt64 = 1
    /// Days of Monitor history ending at the simulator's start (or ``historyEnd``).
    package var historyDays = 3
    /// History events per day.
    package var historyEventsPerDay = 1000
    /// When the history ends; `nil` means the moment the simulator starts. Fixing it makes
    /// the history's timestamps deterministic too, not only its sids and contents.
    package var historyEnd: Date? = nil
    /// Live Monitor events generated per minute (randomised spacing); 0 = none.
    package var eventsPerMinute: Double = 60
    /// How `StartDate` / `EndDate` are interpreted.
    package var filterPrecision: FilterPrecision = .day
    /// The account every event belongs to, and an accepted Basic-auth user name.
    package var accountSid = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    /// The Basic-auth password for the account sid or any `SK…` key.
    package var authToken = "simulator-auth-token"
    /// Faults injected into `/v1/` responses (``TwilioSimulator/setFaults(_:)`` changes them while running).
    package var faults: FaultSpec = .none
    /// How far the simulator's clock runs ahead of the host's (negative: behind): event dates,
    /// visibility and the "now" of every listing follow it, as Twilio's follow Twilio's clock,
    /// so a forwarder on this host sees a clock skew. ``TwilioSimulator/setClockOffset(_:)``
    /// changes it while running.
    package var clockOffset: Duration = .zero
    /// Share of generated events that reuse the previous event's timestamp (live events: when
    /// the previous one is of the same second).
    package var sameTimestampFraction = 0.15
    /// Share of live events that become visible only some time after their `event_date`.
    package var lateVisibleFraction = 0.05
    /// Upper bound of that visibility delay, counted from the `event_date`. Every other event is
    /// visible within 1 s of its `event_date` (dates have whole seconds), so a poller's
    /// lookback must exceed the larger of the two.
    package var maxVisibilityDelay: Duration = .seconds(20)
    /// How long a `slow` fault delays an otherwise correct answer.
    package var slowResponseDelay: Duration = .seconds(2)
    /// How long every `/v1/` answer takes (`--latency 200ms±50ms`); nil answers at once.
    package var latency: ResponseLatency? = nil
    /// More `/v1/` requests than this in flight at once are answered 429 with Twilio's 20429
    /// (`--max-concurrent-requests`); nil: no limit.
    package var maxConcurrentRequests: Int? = nil
    /// Where Event Streams deliveries are POSTed; `nil` disables the sender. May carry `user:pass@`.
    package var webhookURL: String? = nil
    /// CloudEvents generated per minute for the webhook; 0 = only ``TwilioSimulator/sendDelivery(events:batched:)``.
    package var webhookEventsPerMinute: Double = 60
    /// Token that signs deliveries (`X-Twilio-Signature`); `nil` uses ``authToken``.
    package var webhookAuthToken: String? = nil
    /// Basic credentials sent with every delivery; credentials in ``webhookURL`` take precedence.
    package var webhookBasicAuth: BasicAuthCredentials? = nil

    package init() {}

    /// Checks the values that would make the simulator misbehave; every problem in one error.
    func validate() throws(SimulatorConfigurationError) {
        var problems: [String] = []
        if !(0...65535).contains(port) { problems.append("port \(port) is not between 0 and 65535") }
        if historyDays < 0 { problems.append("historyDays \(historyDays) is negative") }
        if historyEventsPerDay < 0 { problems.append("historyEventsPerDay \(historyEventsPerDay) is negative") }
        if !(eventsPerMinute >= 0 && eventsPerMinute.isFinite) { problems.append("eventsPerMinute \(eventsPerMinute) must be a finite number >= 0") }
        if !(webhookEventsPerMinute >= 0 && webhookEventsPerMinute.isFinite) {
            problems.append("webhookEventsPerMinute \(webhookEventsPerMinute) must be a finite number >= 0")
        }
        if !(0...1).contains(sameTimestampFraction) { problems.append("sameTimestampFraction \(sameTimestampFraction) is not between 0 and 1") }
        if !(0...1).contains(lateVisibleFraction) { problems.append("lateVisibleFraction \(lateVisibleFraction) is not between 0 and 1") }
        if maxVisibilityDelay < .zero { problems.append("maxVisibilityDelay \(maxVisibilityDelay) is negative") }
        if slowResponseDelay < .zero { problems.append("slowResponseDelay \(slowResponseDelay) is negative") }
        if let maxConcurrentRequests, maxConcurrentRequests < 1 { problems.append("maxConcurrentRequests \(maxConcurrentRequests) must be at least 1") }
        if Sid128(parsing: accountSid, prefix: "AC") == nil {
            problems.append("accountSid \"\(accountSid)\" is not AC followed by 32 hex digits")
        }
        if authToken.isEmpty { problems.append("authToken is empty") }
        if let webhookURL, (try? WebhookURL(parsing: webhookURL)) == nil {
            problems.append("webhookURL \"\(webhookURL)\" is not an absolute http(s) URL")
        }
        if !problems.isEmpty {
            throw SimulatorConfigurationError("Invalid simulator configuration: " + problems.joined(separator: "; "))
        }
    }
}
