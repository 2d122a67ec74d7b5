import EventStreamsSetup
import ForwarderCore
import Testing

/// What `status` says for each state of Twilio and the forwarder, from a table.
@Suite("StatusReport: what status says, and whether all is in order")
struct StatusReportTests {
    typealias T = SetupPlanTests

    /// One row: what Twilio and the forwarder say, and what the report must.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var sinks: [EventStreamsSink]
        var subscriptions: [String: [EventStreamsSubscription]]
        var tests: StatusReport.Tests
        var publicURL = SetupPlanTests.url
        var healthy: Bool
        /// Each must appear in some line.
        var says: [String]

        var testDescription: String { name }
    }

    static let validated = StatusReport.Tests.received([T.testAfterCreation], from: "the journal")

    static let cases: [Case] = [
        Case(name: "set up and validated", sinks: [T.sink("DG1")], subscriptions: ["DG1": [T.subscription("DF1", types: T.iamTypes)]],
             tests: validated, healthy: true,
             says: ["public_url matches", "it delivers exactly sources.event_streams.subscribe.", "last test event: t-1", "validated: "]),
        Case(name: "public_url differs from the destination of the forwarder's sink: a mismatch naming both",
             sinks: [T.sink("DG1", destination: "http://10.0.0.5:8080/webhooks/event-streams")],
             subscriptions: ["DG1": [T.subscription("DF1", types: T.iamTypes)]], tests: validated, healthy: false,
             says: ["MISMATCH: public_url is \(T.url) but Twilio calls http://10.0.0.5:8080/webhooks/event-streams",
                    "fail the signature check"]),
        Case(name: "no sink at all", sinks: [T.sink("DG9", destination: "https://elsewhere.example.com/x", type: "kinesis")],
             subscriptions: [:], tests: .received([], from: "the journal"), healthy: false,
             says: ["no webhook sink calls public_url", "run `siem-forwarder event-streams setup`"]),
        Case(name: "a sink left validating", sinks: [T.sink("DG1", status: "validating")],
             subscriptions: ["DG1": [T.subscription("DF1", types: T.iamTypes)]], tests: validated, healthy: false,
             says: ["NOT validated"]),
        Case(name: "an active sink no test reached", sinks: [T.sink("DG1")],
             subscriptions: ["DG1": [T.subscription("DF1", types: T.iamTypes)]], tests: .received([], from: "the journal"),
             healthy: false, says: ["none has reached this forwarder", "not tested"]),
        Case(name: "a subscription to other types", sinks: [T.sink("DG1")],
             subscriptions: ["DG1": [T.subscription("DF1", types: [("com.twilio.iam.ip.blocked", 2)])]], tests: validated,
             healthy: false, says: ["differs from sources.event_streams.subscribe (missing com.twilio.iam.ip.blocked.dryrun)"]),
        Case(name: "no subscription", sinks: [T.sink("DG1")], subscriptions: [:], tests: validated, healthy: false,
             says: ["no subscription sends events to sink DG1"]),
        Case(name: "test events that cannot be read are unknown, not a failure", sinks: [T.sink("DG1")],
             subscriptions: ["DG1": [T.subscription("DF1", types: T.iamTypes)]], tests: .unknown("admin API refused"),
             healthy: true, says: ["test events: unknown (admin API refused)."]),
    ]

    @Test("the report for each state", arguments: cases)
    func report(_ row: Case) {
        let goal = SetupGoal(publicURL: row.publicURL, batchEvents: true, types: EventStreamsSetupConfig.defaultTypes,
                             receiveEventsFromSubaccounts: false)
        let report = StatusReport.make(goal: goal, path: "/webhooks/event-streams", sinks: row.sinks, subscriptions: row.subscriptions,
                                       tests: row.tests, now: Timestamp(epochMilliseconds: 1_790_000_010_000))
        #expect(report.healthy == row.healthy, "\(report.lines.joined(separator: "\n"))")
        for phrase in row.says {
            #expect(report.lines.contains { $0.contains(phrase) }, "\(phrase) in:\n\(report.lines.joined(separator: "\n"))")
        }
    }
}
