import ForwarderCore
import Foundation

/// What `event-streams status` found, decided from what Twilio and the forwarder said: a
/// pure value, tested from tables; `lines` is what the command prints, `healthy` its exit.
package struct StatusReport: Sendable, Equatable {
    package var lines: [String]
    /// True when a sink calls `public_url`, is active and validated, and its subscription
    /// delivers exactly the configured types.
    package var healthy: Bool

    /// The sink test events the forwarder received, or why they could not be read.
    package enum Tests: Sendable, Equatable {
        case received([SinkTestEvent], from: String)
        case unknown(String)
    }

    /// `sinks`: every sink of the account; `subscriptions`: by sink sid, for the sinks shown.
    package static func make(goal: SetupGoal, path: String, sinks: [EventStreamsSink], subscriptions: [String: [EventStreamsSubscription]],
                             tests: Tests, now: Timestamp) -> StatusReport {
        var lines: [String] = []
        var healthy = true
        let webhooks = sinks.filter { $0.sinkType == "webhook" }
        let matching = webhooks.filter { $0.destination.map { PublicURLMatch.matches($0, publicURL: goal.publicURL) } == true }
        let shown: [EventStreamsSink]
        var mismatch = false
        if let sink = matching.first(where: { $0.status == "active" }) ?? matching.first {
            shown = [sink]
            lines.append("sink \(sink.sid) (webhook, \(sink.status)): calls \(sink.destination ?? "?"), batch_events \(sink.batchEvents.map(String.init) ?? "unset")")
            lines.append("  public_url matches the URL Twilio calls, so Twilio's signatures can pass the forwarder's check.")
        } else {
            healthy = false
            mismatch = true
            shown = webhooks.filter { $0.description == SetupGoal.sinkDescription || pathOf($0.destination) == path }
            if shown.isEmpty {
                lines.append("no webhook sink calls public_url \(goal.publicURL) (the account has \(sinks.count) sinks); "
                             + "run `siem-forwarder event-streams setup` to create one.")
            }
            for sink in shown {
                lines.append("sink \(sink.sid) (webhook, \(sink.status)): calls \(sink.destination ?? "?")")
                lines.append("  MISMATCH: public_url is \(goal.publicURL) but Twilio calls \(sink.destination ?? "?") and signs that URL, "
                             + "so the forwarder answers 403 to its deliveries; set public_url to \(sink.destination ?? "the sink's destination") "
                             + "if that is how Twilio reaches the forwarder, or run `siem-forwarder event-streams setup` to create a sink for \(goal.publicURL).")
            }
        }
        for sink in shown {
            let own = subscriptions[sink.sid] ?? []
            if own.isEmpty {
                healthy = false
                lines.append("  no subscription sends events to sink \(sink.sid); run `siem-forwarder event-streams setup`.")
            }
            for subscription in own {
                lines.append("  subscription \(subscription.sid) \"\(subscription.description)\": "
                             + (subscription.types.isEmpty ? "no types" : subscription.types.map(\.text).joined(separator: ", "))
                             + "; receive_events_from_subaccounts \(subscription.receiveEventsFromSubaccounts.map(String.init) ?? "unset")")
            }
            if let subscription = own.first(where: { $0.description == SetupGoal.subscriptionDescription }) ?? own.first {
                let changes = SetupPlan.changes(from: subscription, to: goal)
                if changes.isEmpty {
                    lines.append("    it delivers exactly sources.event_streams.subscribe.")
                } else {
                    healthy = false
                    lines.append("    it differs from sources.event_streams.subscribe (\(describe(changes))); run `siem-forwarder event-streams setup`.")
                }
            }
            switch tests {
            case .unknown(let reason):
                lines.append("  test events: unknown (\(reason)).")
            case .received(let received, let source):
                let validating = SinkTestEvent.validating(sink, tests: received)
                if let last = received.first {
                    let sent = last.time.map { "sent \($0.rfc3339), " } ?? ""
                    lines.append("  last test event: \(last.testID), \(sent)received \(last.receivedAt.rfc3339) "
                                 + "(\(Int(now.duration(since: last.receivedAt).secondsDouble)) s ago), read from \(source).")
                } else {
                    lines.append("  last test event: none has reached this forwarder (read from \(source)).")
                }
                switch (sink.status, validating) {
                case ("active", .some) where mismatch:
                    lines.append("  validated earlier with a test event this forwarder received, but with public_url as it is now "
                                 + "Twilio's deliveries fail the signature check (see MISMATCH above).")
                case ("active", .some):
                    lines.append("  validated: the sink is active after a test event this forwarder received, so Twilio's deliveries pass its signature check.")
                case ("validating", _):
                    healthy = false
                    lines.append("  NOT validated: the sink waits for the test id of its last test event (status validating) and receives "
                                 + "no events until then; run `siem-forwarder event-streams setup`.")
                case ("active", nil):
                    healthy = false
                    lines.append("  not tested: the sink is active (webhook sinks start so) but no test event of it has reached this forwarder, "
                                 + "so nothing proves Twilio's deliveries pass the signature check; run `siem-forwarder event-streams setup`.")
                default:
                    healthy = false
                    lines.append("  NOT active (\(sink.status)): Twilio sends this sink nothing; run `siem-forwarder event-streams setup`.")
                }
            }
        }
        return StatusReport(lines: lines, healthy: healthy)
    }

    private static func pathOf(_ url: String?) -> String? {
        guard let url, let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        let path = rest[slash...]
        return String(path.prefix { $0 != "?" && $0 != "#" })
    }

    private static func describe(_ changes: [SubscriptionChange]) -> String {
        changes.map { change in
            switch change {
            case .addType(let type): "missing \(type.type)"
            case .removeType(let type): "extra \(type)"
            case .setSchemaVersion(let type, let version): "\(type) not in schema version \(version)"
            case .setReceiveEventsFromSubaccounts(let value): "receive_events_from_subaccounts should be \(value)"
            }
        }.joined(separator: "; ")
    }
}
