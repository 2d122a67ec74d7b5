import ForwarderCore

/// What the Twilio side should look like for one forwarder: a webhook sink calling
/// `publicURL`, batched or not, and one subscription to `types`.
package struct SetupGoal: Sendable, Equatable {
    package var publicURL: String
    package var batchEvents: Bool
    package var types: [EventTypeSubscription]
    package var receiveEventsFromSubaccounts: Bool

    package static let sinkDescription = "twilio-siem-forwarder webhook"
    package static let subscriptionDescription = "twilio-siem-forwarder security events"

    package init(publicURL: String, batchEvents: Bool, types: [EventTypeSubscription], receiveEventsFromSubaccounts: Bool) {
        self.publicURL = publicURL
        self.batchEvents = batchEvents
        self.types = types
        self.receiveEventsFromSubaccounts = receiveEventsFromSubaccounts
    }

    package init(_ config: EventStreamsSourceConfig, publicURL: String) {
        self.init(publicURL: publicURL, batchEvents: config.setup.batchEvents, types: config.setup.subscribe,
                  receiveEventsFromSubaccounts: config.setup.receiveEventsFromSubaccounts)
    }
}

/// One change `setup` makes to a subscription.
package enum SubscriptionChange: Sendable, Equatable {
    case addType(EventTypeSubscription)
    case setSchemaVersion(type: String, version: Int)
    case removeType(String)
    case setReceiveEventsFromSubaccounts(Bool)
}

/// What `event-streams setup` does, decided from what Twilio has now and what the forwarder
/// has received: a pure value, tested from tables; `SetupRunner` carries it out.
package struct SetupPlan: Sendable, Equatable {
    /// The sink setup uses: one Twilio has, or one it creates.
    package enum SinkChoice: Sendable, Equatable {
        case existing(EventStreamsSink)
        case create(SinkRequest)
    }

    /// The subscription setup keeps in step: a new one, or changes to an existing one (none: in step).
    package enum SubscriptionChoice: Sendable, Equatable {
        case create(SubscriptionRequest)
        case update(EventStreamsSubscription, [SubscriptionChange])
    }

    package var sink: SinkChoice
    /// Send a test event and validate the sink with its test id.
    package var testAndValidate: Bool
    /// Why the sink is (re)tested, for the output.
    package var testReason: String?
    package var subscription: SubscriptionChoice
    /// Things setup does not change but the user should know (another sink for the same URL, a
    /// batching Twilio cannot change on an existing sink, other subscriptions to the sink).
    package var notes: [String]

    /// True when nothing would be created, tested or changed.
    package var changesNothing: Bool {
        guard case .existing = sink, !testAndValidate, case .update(_, let changes) = subscription else { return false }
        return changes.isEmpty
    }

    /// The sink to use: the webhook sink whose destination is `public_url` (an active one
    /// first), or a new one.
    package static func chooseSink(_ goal: SetupGoal, among sinks: [EventStreamsSink]) -> (SinkChoice, notes: [String]) {
        let matching = sinks.filter { $0.sinkType == "webhook" && $0.destination.map { PublicURLMatch.matches($0, publicURL: goal.publicURL) } == true }
        guard let chosen = matching.first(where: { $0.status == "active" }) ?? matching.first else {
            return (.create(SinkRequest(description: SetupGoal.sinkDescription, destination: goal.publicURL, batchEvents: goal.batchEvents)), [])
        }
        var notes: [String] = []
        for other in matching where other.sid != chosen.sid {
            notes.append("sink \(other.sid) (\(other.status)) also calls \(goal.publicURL); Twilio delivers to each sink its "
                         + "subscriptions select, so delete it if it is left over: `twilio api:events:v1:sinks:remove --sid \(other.sid)`")
        }
        if let batch = chosen.batchEvents, batch != goal.batchEvents {
            notes.append("sink \(chosen.sid) has batch_events \(batch) but sources.event_streams.batch_events is \(goal.batchEvents); "
                         + "Twilio cannot change an existing sink's configuration, so delete the sink and run setup again to change it")
        }
        return (.existing(chosen), notes)
    }

    /// The whole plan once the sink is chosen: `subscriptions` are those that send to it (none
    /// for a new sink), `tests` the sink test events the forwarder has received, newest first.
    package static func make(_ goal: SetupGoal, sink: SinkChoice, notes: [String], subscriptions: [EventStreamsSubscription],
                             tests: [SinkTestEvent]) -> SetupPlan {
        let (test, reason) = testDecision(sink: sink, tests: tests)
        var notes = notes
        let sinkSid: String
        switch sink {
        case .existing(let existing): sinkSid = existing.sid
        case .create: sinkSid = "<new sink>"
        }
        guard let chosen = subscriptions.first(where: { $0.description == SetupGoal.subscriptionDescription }) ?? subscriptions.first else {
            let request = SubscriptionRequest(description: SetupGoal.subscriptionDescription, sinkSid: sinkSid, types: goal.types,
                                              receiveEventsFromSubaccounts: goal.receiveEventsFromSubaccounts)
            return SetupPlan(sink: sink, testAndValidate: test, testReason: reason, subscription: .create(request), notes: notes)
        }
        for other in subscriptions where other.sid != chosen.sid {
            notes.append("subscription \(other.sid) also sends \(other.types.map(\.type).joined(separator: ", ")) to sink \(sinkSid); "
                         + "setup keeps only \(chosen.sid) in step with sources.event_streams.subscribe")
        }
        return SetupPlan(sink: sink, testAndValidate: test, testReason: reason,
                         subscription: .update(chosen, changes(from: chosen, to: goal)), notes: notes)
    }

    /// A new sink, or one not `active`, is tested. An active one is tested unless the forwarder
    /// has received a test event since the sink was created: a test moves a sink to `validating`
    /// and only a validation brings it back, so active-after-a-received-test means validated.
    static func testDecision(sink: SinkChoice, tests: [SinkTestEvent]) -> (Bool, String?) {
        guard case .existing(let existing) = sink else { return (true, "new sink") }
        guard existing.status == "active" else { return (true, "sink \(existing.sid) is \(existing.status)") }
        guard SinkTestEvent.validating(existing, tests: tests) != nil else {
            return (true, "no test event of sink \(existing.sid) has reached this forwarder yet")
        }
        return (false, nil)
    }

    /// The changes that make `subscription` deliver exactly `goal.types`.
    static func changes(from subscription: EventStreamsSubscription, to goal: SetupGoal) -> [SubscriptionChange] {
        var changes: [SubscriptionChange] = []
        for wanted in goal.types {
            if let current = subscription.types.first(where: { $0.type == wanted.type }) {
                if let version = wanted.schemaVersion, version != current.schemaVersion {
                    changes.append(.setSchemaVersion(type: wanted.type, version: version))
                }
            } else {
                changes.append(.addType(wanted))
            }
        }
        for current in subscription.types where !goal.types.contains(where: { $0.type == current.type }) {
            changes.append(.removeType(current.type))
        }
        if (subscription.receiveEventsFromSubaccounts ?? false) != goal.receiveEventsFromSubaccounts {
            changes.append(.setReceiveEventsFromSubaccounts(goal.receiveEventsFromSubaccounts))
        }
        return changes
    }
}

extension SinkTestEvent {
    /// The newest received test event that can have validated `sink`: one Twilio sent after it
    /// created the sink (its own `time` against `date_created`, both Twilio's clock, at
    /// second precision), or any when either time is unknown.
    package static func validating(_ sink: EventStreamsSink, tests: [SinkTestEvent]) -> SinkTestEvent? {
        guard let created = sink.dateCreated else { return tests.first }
        return tests.first { test in
            guard let time = test.time else { return true }
            return time.epochMilliseconds >= created.epochMilliseconds - created.epochMilliseconds % 1000
        }
    }
}
