import EventStreamsReceiver
import ForwarderCore
import Hummingbird
import Journal
import NIOCore

/// `GET /admin/event-streams/test-events`: the sink test events the receiver has stored, newest
/// first, so `event-streams setup` can validate the sink with the test id that reached this
/// forwarder and `status` can say whether a test arrived.
enum EventStreamsAdminRoutes {
    static func add(to group: RouterGroup<ForwarderRequestContext>, journal: Journal) {
        group.get("event-streams/test-events") { _, _ in
            do {
                let tests = try await journal.sinkTestEvents()
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: SinkTestEventsJSON.render(tests)))
            } catch {
                return Response(status: .serviceUnavailable, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: JSONBody.error("the journal could not be read: \(error)")))
            }
        }
    }
}

