import ForwarderCore
import Foundation

/// Carries out `event-streams setup`: reads what Twilio has, plans (`SetupPlan`), and makes
/// the calls, or with `dryRun` prints each call it would make. Every line goes to `output`.
package struct SetupRunner: Sendable {
    package var client: EventsAPIClient
    package var goal: SetupGoal
    package var source: any TestEventSource
    package var dryRun: Bool
    /// How long to wait for the test event to reach the forwarder.
    package var testTimeout: Duration
    package var output: @Sendable (String) -> Void

    package init(client: EventsAPIClient, goal: SetupGoal, source: any TestEventSource, dryRun: Bool, testTimeout: Duration,
                 output: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.goal = goal
        self.source = source
        self.dryRun = dryRun
        self.testTimeout = testTimeout
        self.output = output
    }

    /// The plan it followed (or would follow).
    @discardableResult
    package func run() async throws -> SetupPlan {
        let sinks = try await client.listSinks()
        let (choice, notes) = SetupPlan.chooseSink(goal, among: sinks)
        var subscriptions: [EventStreamsSubscription] = []
        if case .existing(let sink) = choice { subscriptions = try await client.subscriptions(sinkSid: sink.sid) }
        let tests = try await source.received()
        let plan = SetupPlan.make(goal, sink: choice, notes: notes, subscriptions: subscriptions, tests: tests)
        output("Event Streams setup for \(goal.publicURL) (Events API \(client.baseURL)):")
        if plan.changesNothing {
            report(unchanged: plan, tests: tests)
        } else if dryRun {
            printCalls(plan)
        } else {
            try await carryOut(plan)
        }
        for note in plan.notes { output("  note: \(note)") }
        return plan
    }

    private func report(unchanged plan: SetupPlan, tests: [SinkTestEvent]) {
        guard case .existing(let sink) = plan.sink, case .update(let subscription, _) = plan.subscription else { return }
        let test = SinkTestEvent.validating(sink, tests: tests)
        output("  sink \(sink.sid) is active and calls \(sink.destination ?? goal.publicURL)")
        if let test { output("  it was validated with test event \(test.testID), received \(test.receivedAt.rfc3339)") }
        output("  subscription \(subscription.sid) sends \(subscription.types.map(\.text).joined(separator: ", "))")
        output("Nothing to change: Twilio is already set up as sources.event_streams says.")
    }

    private func printCalls(_ plan: SetupPlan) {
        let base = client.baseURL
        output("  dry run: read the current setup with GET requests only; these are the calls setup would make:")
        var sinkSid = "<new sink>"
        switch plan.sink {
        case .create(let request):
            output("  POST \(base)/v1/Sinks " + describe(request.form))
        case .existing(let sink):
            sinkSid = sink.sid
            output("  (use sink \(sink.sid), \(sink.status), which calls \(sink.destination ?? "?"))")
        }
        if plan.testAndValidate {
            output("  POST \(base)/v1/Sinks/\(sinkSid)/Test  (\(plan.testReason ?? "test"))")
            output("  (wait up to \(Int(testTimeout.components.seconds)) s for the test event, read through \(source.name))")
            output("  POST \(base)/v1/Sinks/\(sinkSid)/Validate TestId=<test_id of that event>")
        }
        switch plan.subscription {
        case .create(var request):
            request.sinkSid = sinkSid
            output("  POST \(base)/v1/Subscriptions " + describe(request.form))
        case .update(let subscription, let changes):
            if changes.isEmpty { output("  (subscription \(subscription.sid) already sends exactly the configured types)") }
            for change in changes { output("  " + call(change, subscription: subscription.sid)) }
        }
        output("Dry run: nothing was changed.")
    }

    private func carryOut(_ plan: SetupPlan) async throws {
        let sink: EventStreamsSink
        switch plan.sink {
        case .create(let request):
            sink = try await client.createSink(request)
            output("  created sink \(sink.sid) (webhook, POST, batch_events \(request.batchEvents)) calling \(request.destination)")
        case .existing(let existing):
            sink = existing
            output("  using sink \(sink.sid) (\(sink.status)) calling \(sink.destination ?? goal.publicURL)")
        }
        if plan.testAndValidate {
            try await testAndValidate(sink, reason: plan.testReason)
        }
        switch plan.subscription {
        case .create(var request):
            request.sinkSid = sink.sid
            let subscription = try await client.createSubscription(request)
            output("  created subscription \(subscription.sid) to \(request.types.map(describe).joined(separator: ", "))")
        case .update(let subscription, let changes):
            if changes.isEmpty {
                output("  subscription \(subscription.sid) already sends \(subscription.types.map(\.text).joined(separator: ", "))")
            }
            for change in changes {
                try await apply(change, to: subscription.sid)
                output("  subscription \(subscription.sid): \(describe(change))")
            }
        }
        output("Done: Twilio sends \(goal.types.map(\.type).joined(separator: ", ")) to \(goal.publicURL).")
    }

    private func testAndValidate(_ sink: EventStreamsSink, reason: String?) async throws {
        try await source.prepare()
        do {
            let known = Set(try await source.received().map(\.testID))
            try await client.testSink(sink.sid)
            output("  asked Twilio for a test event (\(reason ?? "test")); waiting for it through \(source.name)")
            let started = ContinuousClock.now
            guard let test = try await source.waitForNewTest(known: known, timeout: testTimeout) else {
                throw SetupError("""
                    Twilio accepted the test of sink \(sink.sid) but its test event did not reach this forwarder within \
                    \(Int(testTimeout.components.seconds)) s; check that \(goal.publicURL) reaches server.listen from the \
                    internet (DNS, firewall, proxy) and the forwarder's log for refused deliveries (a 403 means public_url \
                    differs from the URL Twilio calls, or auth_token is not the account's), then run setup again.
                    """)
            }
            let elapsed = (ContinuousClock.now - started).components
            let waited = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            output("  received test event \(test.testID) after \(String(format: "%.1f", waited)) s")
            try await client.validateSink(sink.sid, testID: test.testID)
            output("  validated sink \(sink.sid) with it: the sink is active")
        } catch {
            await source.finish()
            throw error
        }
        await source.finish()
    }

    private func apply(_ change: SubscriptionChange, to sid: String) async throws {
        switch change {
        case .addType(let type): try await client.addType(sid, type)
        case .setSchemaVersion(let type, let version): try await client.updateType(sid, type, schemaVersion: version)
        case .removeType(let type): try await client.removeType(sid, type)
        case .setReceiveEventsFromSubaccounts(let value): try await client.updateSubscription(sid, receiveEventsFromSubaccounts: value)
        }
    }

    private func call(_ change: SubscriptionChange, subscription sid: String) -> String {
        let base = client.baseURL
        switch change {
        case .addType(let type):
            var form = [("Type", type.type)]
            if let version = type.schemaVersion { form.append(("SchemaVersion", String(version))) }
            return "POST \(base)/v1/Subscriptions/\(sid)/SubscribedEvents " + describe(form)
        case .setSchemaVersion(let type, let version):
            return "POST \(base)/v1/Subscriptions/\(sid)/SubscribedEvents/\(type) SchemaVersion=\(version)"
        case .removeType(let type):
            return "DELETE \(base)/v1/Subscriptions/\(sid)/SubscribedEvents/\(type)"
        case .setReceiveEventsFromSubaccounts(let value):
            return "POST \(base)/v1/Subscriptions/\(sid) ReceiveEventsFromSubaccounts=\(value)"
        }
    }

    private func describe(_ change: SubscriptionChange) -> String {
        switch change {
        case .addType(let type): "added \(describe(type))"
        case .setSchemaVersion(let type, let version): "\(type) now in schema version \(version)"
        case .removeType(let type): "removed \(type) (not in sources.event_streams.subscribe)"
        case .setReceiveEventsFromSubaccounts(let value): "receive_events_from_subaccounts set to \(value)"
        }
    }

    private func describe(_ type: EventTypeSubscription) -> String {
        type.type + (type.schemaVersion.map { " (schema version \($0))" } ?? " (latest schema version)")
    }

    /// `Key=value` pairs as a shell would quote them for `curl --data-urlencode`.
    private func describe(_ form: [(String, String)]) -> String {
        form.map { "\($0.0)='\($0.1)'" }.joined(separator: " ")
    }
}
