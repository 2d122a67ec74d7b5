import EventStreamsSetup
import ForwarderCore
import Testing

/// The setup planner decides from a table of Twilio states: no I/O, no clock.
@Suite("SetupPlan: which calls setup makes, from what Twilio has and what the forwarder received")
struct SetupPlanTests {
    static let url = "https://forwarder.example.com/webhooks/event-streams"
    static let goal = SetupGoal(publicURL: url, batchEvents: true, types: EventStreamsSetupConfig.defaultTypes,
                                receiveEventsFromSubaccounts: false)
    static let created = Timestamp(epochMilliseconds: 1_790_000_000_000)

    static func sink(_ sid: String, status: String = "active", destination: String = url, batch: Bool = true,
                     type: String = "webhook") -> EventStreamsSink {
        EventStreamsSink(sid: sid, description: SetupGoal.sinkDescription, sinkType: type, status: status, destination: destination,
                         batchEvents: batch, dateCreated: created)
    }

    static func subscription(_ sid: String, sink: String = "DG1", types: [(String, Int?)],
                             subaccounts: Bool = false) -> EventStreamsSubscription {
        EventStreamsSubscription(sid: sid, description: SetupGoal.subscriptionDescription, sinkSid: sink,
                                 receiveEventsFromSubaccounts: subaccounts,
                                 types: types.map { SubscribedEventType(type: $0.0, schemaVersion: $0.1) })
    }

    static let iamTypes: [(String, Int?)] = [("com.twilio.iam.ip.blocked", 2), ("com.twilio.iam.ip.blocked.dryrun", 2)]
    static let testAfterCreation = SinkTestEvent(testID: "t-1", time: Timestamp(epochMilliseconds: 1_790_000_005_000),
                                                 receivedAt: Timestamp(epochMilliseconds: 1_790_000_005_100))
    static let testBeforeCreation = SinkTestEvent(testID: "t-0", time: Timestamp(epochMilliseconds: 1_789_999_000_000),
                                                  receivedAt: Timestamp(epochMilliseconds: 1_789_999_000_100))

    /// One row: Twilio's state, the forwarder's tests, and what the plan must say.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var sinks: [EventStreamsSink]
        var subscriptions: [EventStreamsSubscription]
        var tests: [SinkTestEvent]
        var goal: SetupGoal = SetupPlanTests.goal
        /// nil: a new sink is created.
        var usesSink: String?
        var testAndValidate: Bool
        /// nil: a new subscription is created.
        var updates: String?
        var changes: [SubscriptionChange] = []
        var changesNothing: Bool = false
        var notes = 0

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "from nothing: create the sink, test, validate, create the subscription",
             sinks: [], subscriptions: [], tests: [], usesSink: nil, testAndValidate: true, updates: nil),
        Case(name: "sinks for other URLs or of other kinds are left alone",
             sinks: [sink("DG9", destination: "https://other.example.com/hook"), sink("DG8", type: "kinesis")],
             subscriptions: [], tests: [], usesSink: nil, testAndValidate: true, updates: nil),
        Case(name: "everything in place and validated: nothing to do",
             sinks: [sink("DG1")], subscriptions: [subscription("DF1", types: iamTypes)], tests: [testAfterCreation],
             usesSink: "DG1", testAndValidate: false, updates: "DF1", changesNothing: true),
        Case(name: "the destination written with another host case and the default port is the same sink",
             sinks: [sink("DG1", destination: "https://Forwarder.Example.com:443/webhooks/event-streams")],
             subscriptions: [subscription("DF1", types: iamTypes)], tests: [testAfterCreation],
             usesSink: "DG1", testAndValidate: false, updates: "DF1", changesNothing: true),
        Case(name: "an active sink no test reached is tested",
             sinks: [sink("DG1")], subscriptions: [subscription("DF1", types: iamTypes)], tests: [],
             usesSink: "DG1", testAndValidate: true, updates: "DF1"),
        Case(name: "a test received before the sink was created does not count",
             sinks: [sink("DG1")], subscriptions: [subscription("DF1", types: iamTypes)], tests: [testBeforeCreation],
             usesSink: "DG1", testAndValidate: true, updates: "DF1"),
        Case(name: "a sink left validating is tested again",
             sinks: [sink("DG1", status: "validating")], subscriptions: [], tests: [testAfterCreation],
             usesSink: "DG1", testAndValidate: true, updates: nil),
        Case(name: "an active sink is preferred over a failed one for the same URL, and the other is noted",
             sinks: [sink("DG2", status: "failed"), sink("DG1")], subscriptions: [subscription("DF1", types: iamTypes)],
             tests: [testAfterCreation], usesSink: "DG1", testAndValidate: false, updates: "DF1", changesNothing: true, notes: 1),
        Case(name: "a missing type is added, an extra one removed",
             sinks: [sink("DG1")],
             subscriptions: [subscription("DF1", types: [("com.twilio.iam.ip.blocked", 2), ("com.twilio.messaging.message.sent", 4)])],
             tests: [testAfterCreation], usesSink: "DG1", testAndValidate: false, updates: "DF1",
             changes: [.addType(EventTypeSubscription(type: "com.twilio.iam.ip.blocked.dryrun")),
                       .removeType("com.twilio.messaging.message.sent")]),
        Case(name: "a pinned schema version that differs is set; an unpinned one is left as Twilio has it",
             sinks: [sink("DG1")], subscriptions: [subscription("DF1", types: iamTypes)], tests: [testAfterCreation],
             goal: SetupGoal(publicURL: url, batchEvents: true,
                             types: [EventTypeSubscription(type: "com.twilio.iam.ip.blocked", schemaVersion: 1),
                                     EventTypeSubscription(type: "com.twilio.iam.ip.blocked.dryrun")],
                             receiveEventsFromSubaccounts: false),
             usesSink: "DG1", testAndValidate: false, updates: "DF1",
             changes: [.setSchemaVersion(type: "com.twilio.iam.ip.blocked", version: 1)]),
        Case(name: "receive_events_from_subaccounts is brought in step",
             sinks: [sink("DG1")], subscriptions: [subscription("DF1", types: iamTypes)], tests: [testAfterCreation],
             goal: SetupGoal(publicURL: url, batchEvents: true, types: EventStreamsSetupConfig.defaultTypes,
                             receiveEventsFromSubaccounts: true),
             usesSink: "DG1", testAndValidate: false, updates: "DF1", changes: [.setReceiveEventsFromSubaccounts(true)]),
        Case(name: "batching Twilio cannot change on a sink is noted, not acted on",
             sinks: [sink("DG1", batch: false)], subscriptions: [subscription("DF1", types: iamTypes)], tests: [testAfterCreation],
             usesSink: "DG1", testAndValidate: false, updates: "DF1", changesNothing: true, notes: 1),
        Case(name: "of two subscriptions to the sink the forwarder's own is kept in step and the other noted",
             sinks: [sink("DG1")],
             subscriptions: [
                EventStreamsSubscription(sid: "DF2", description: "someone else's", sinkSid: "DG1",
                                         types: [SubscribedEventType(type: "com.twilio.messaging.message.sent", schemaVersion: 4)]),
                subscription("DF1", types: iamTypes),
             ],
             tests: [testAfterCreation], usesSink: "DG1", testAndValidate: false, updates: "DF1", changesNothing: true, notes: 1),
    ]

    @Test("the plan for each state", arguments: cases)
    func plan(_ row: Case) {
        let (choice, notes) = SetupPlan.chooseSink(row.goal, among: row.sinks)
        let subscriptions = row.subscriptions.filter { subscription in
            if case .existing(let sink) = choice { return subscription.sinkSid == sink.sid }
            return false
        }
        let plan = SetupPlan.make(row.goal, sink: choice, notes: notes, subscriptions: subscriptions, tests: row.tests)
        switch plan.sink {
        case .existing(let sink): #expect(sink.sid == row.usesSink)
        case .create(let request):
            #expect(row.usesSink == nil)
            #expect(request.destination == row.goal.publicURL && request.batchEvents == row.goal.batchEvents)
        }
        #expect(plan.testAndValidate == row.testAndValidate)
        switch plan.subscription {
        case .create(let request):
            #expect(row.updates == nil)
            #expect(request.types == row.goal.types)
            #expect(request.receiveEventsFromSubaccounts == row.goal.receiveEventsFromSubaccounts)
        case .update(let subscription, let changes):
            #expect(subscription.sid == row.updates)
            #expect(changes == row.changes)
        }
        #expect(plan.changesNothing == row.changesNothing)
        #expect(plan.notes.count == row.notes, "\(plan.notes)")
    }

    @Test("public_url matching: spellings Twilio signs alike are equal, any other difference is a mismatch",
          arguments: [
            ("https://a.example.com/hook", "https://a.example.com/hook", true),
            ("https://A.example.com:443/hook", "https://a.example.com/hook", true),
            ("http://a.example.com:80/hook", "http://a.example.com/hook", true),
            ("https://a.example.com:8443/hook", "https://a.example.com/hook", false),
            ("http://a.example.com/hook", "https://a.example.com/hook", false),
            ("https://a.example.com/hook/", "https://a.example.com/hook", false),
            ("https://a.example.com/Hook", "https://a.example.com/hook", false),
            ("https://a.example.com/hook?x=1", "https://a.example.com/hook", false),
          ])
    func urlMatch(destination: String, publicURL: String, matches: Bool) {
        #expect(PublicURLMatch.matches(destination, publicURL: publicURL) == matches)
    }
}
