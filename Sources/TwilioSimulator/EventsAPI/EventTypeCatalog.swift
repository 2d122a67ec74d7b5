/// One Event Streams event type as `GET /v1/Types` lists it, with the schema versions a
/// subscription may ask for (the last one is used when none is given).
struct EventTypeEntry: Sendable, Equatable {
    var type: String
    var schemaID: String
    var description: String
    var status: String
    var versions: [Int]
    /// `date_created` / `date_updated`, epoch seconds.
    var dateSeconds: Int64

    var latestVersion: Int { versions.last ?? 1 }
}

/// The event types the simulator knows: every type it generates (IAM, messaging, Voice
/// Insights) and a few siblings, in the shape of Twilio's `/v1/Types` examples. A type outside
/// this list is refused by a subscription, as Twilio refuses a type it does not know.
enum EventTypeCatalog {
    static let entries: [EventTypeEntry] = [
        EventTypeEntry(type: "com.twilio.iam.ip.blocked", schemaID: "Iam.IPBlocked",
                       description: "IAM - a request from an IP address outside the allow list was blocked",
                       status: "available", versions: [1, 2], dateSeconds: 1_759_881_600),
        EventTypeEntry(type: "com.twilio.iam.ip.blocked.dryrun", schemaID: "Iam.IPDryRunBlocked",
                       description: "IAM - a request from an IP address outside the allow list would have been blocked",
                       status: "available", versions: [1, 2], dateSeconds: 1_759_881_600),
        EventTypeEntry(type: "com.twilio.messaging.message.delivered", schemaID: "Messaging.MessageStatus",
                       description: "Messaging- delivered message", status: "available", versions: [1, 2, 3, 4],
                       dateSeconds: 1_597_325_300),
        EventTypeEntry(type: "com.twilio.messaging.message.failed", schemaID: "Messaging.MessageStatus",
                       description: "Messaging- failed message", status: "available", versions: [1, 2, 3, 4],
                       dateSeconds: 1_597_325_299),
        EventTypeEntry(type: "com.twilio.messaging.message.sent", schemaID: "Messaging.MessageStatus",
                       description: "Messaging- sent message", status: "available", versions: [1, 2, 3, 4],
                       dateSeconds: 1_597_325_300),
        EventTypeEntry(type: "com.twilio.voice.insights.call-summary.complete", schemaID: "VoiceInsights.CallSummary",
                       description: "Voice Insights - call summary, complete", status: "available", versions: [1, 2],
                       dateSeconds: 1_597_325_300),
        EventTypeEntry(type: "com.twilio.voice.insights.call-summary.partial", schemaID: "VoiceInsights.CallSummary",
                       description: "Voice Insights - call summary, partial", status: "available", versions: [1, 2],
                       dateSeconds: 1_597_325_300),
    ]

    static func entry(_ type: String) -> EventTypeEntry? {
        entries.first { $0.type == type }
    }
}
