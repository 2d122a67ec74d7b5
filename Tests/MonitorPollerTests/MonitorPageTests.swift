import ForwarderCore
import MonitorPoller
import Testing

@Suite("Decoding Monitor pages")
struct MonitorPageTests {
    @Test("a page keeps each event's bytes exactly and follows next_page_url")
    func decodesPage() throws {
        let e1 = #"{"sid":"AEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","event_date":"2014-10-03T16:48:25Z","event_type":"account.updated","actor_sid":"USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","event_data":{"friendly_name":{"updated":"Mr. Friendly"}},"links":{"actor":"x"}}"#
        let e2 = #"{ "sid" : "AEbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "event_date":"2014-10-03T16:48:24Z" }"#
        let body = #"{"events":[\#(e1), \#(e2)],"meta":{"page":0,"next_page_url":"https://monitor.twilio.com/v1/Events?PageSize=2&Page=1&PageToken=PAx"}}"#
        let page = try MonitorPage(decoding: Array(body.utf8), receivedAt: Timestamp(epochMilliseconds: 0))
        #expect(page.events.count == 2)
        #expect(page.events[0].raw == Array(e1.utf8))
        #expect(page.events[1].raw == Array(e2.utf8))
        #expect(page.events[0].actorSid == "USaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        #expect(page.events[0].time == Timestamp(iso8601: "2014-10-03T16:48:25Z"))
        #expect(page.nextPageURL == "https://monitor.twilio.com/v1/Events?PageSize=2&Page=1&PageToken=PAx")
    }

    @Test("every field may be null; the event is kept with what can be read")
    func lenient() throws {
        let body = #"{"events":[{"sid":null,"event_date":null,"event_type":null,"actor_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","links":null,"event_data":null,"source_ip_address":null}],"meta":{"next_page_url":null}}"#
        let page = try MonitorPage(decoding: Array(body.utf8), receivedAt: Timestamp(epochMilliseconds: 42))
        let event = try #require(page.events.first)
        #expect(event.type == "unknown")
        #expect(event.timeSource == .receipt)
        #expect(event.time == Timestamp(epochMilliseconds: 42))
        #expect(event.actorSid == "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        #expect(event.dedupKey.hasPrefix("monitor-raw:"))
        #expect(page.nextPageURL == nil)
    }

    @Test("an event that gives a key twice fails the page, naming the key, at any depth of the event", arguments: [
        (#"{"sid":"AE1","event_type":"a.created","sid":"AE2"}"#, "sid"),
        (#"{"sid":"AE1","event_data":{"friendly_name":{"updated":"x","updated":"y"}}}"#, "updated"),
        (#"{"sid":"AE1","a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"event_date":"2014-10-03T16:48:25Z","event_date":"2030-01-01T00:00:00Z"}"#, "event_date"),
    ])
    func duplicateKeyInEvent(event: String, key: String) {
        let body = #"{"events":[{"sid":"AEok"},\#(event)],"meta":{"next_page_url":null}}"#
        #expect {
            try MonitorPage(decoding: Array(body.utf8), receivedAt: Timestamp(epochMilliseconds: 0))
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.reason == #"duplicate key "\#(key)""#
                && body.utf8.dropFirst(error.offset).starts(with: #""\#(key)""#.utf8)
        }
    }

    @Test("a page that gives events or meta twice is an error, not two pages in one", arguments: [
        #"{"events":[{"sid":"AE1"}],"events":[{"sid":"AE2"}],"meta":{}}"#,
        #"{"events":[],"meta":{"next_page_url":"https://a"},"meta":{"next_page_url":null}}"#,
    ])
    func duplicatePageKey(body: String) {
        #expect(throws: JSONParseError.self) { try MonitorPage(decoding: Array(body.utf8), receivedAt: Timestamp(epochMilliseconds: 0)) }
    }

    @Test("page keys are compared by their bytes: the NFC and NFD spellings of one accented key are two keys")
    func pageKeysByBytes() throws {
        let body = #"{"\#u{E9}":1,"e\#u{301}":2,"events":[{"sid":"AE1"}],"meta":{}}"#
        let page = try MonitorPage(decoding: Array(body.utf8), receivedAt: Timestamp(epochMilliseconds: 0))
        #expect(page.events.map(\.id) == ["AE1"])
    }

    @Test("the error names the repeated key and where it is")
    func duplicateKeyDescription() {
        let body = Array(#"{"events":[{"sid":"AE1","sid":"AE2"}],"meta":{}}"#.utf8)
        do {
            _ = try MonitorPage(decoding: body, receivedAt: Timestamp(epochMilliseconds: 0))
            Issue.record("a page with a repeated key was decoded")
        } catch {
            #expect("\(error)" == #"invalid JSON at byte 24: duplicate key "sid""#)
        }
    }

    @Test("a truncated or foreign body is an error, not an empty page", arguments: [
        #"{"events":[{"sid":"AE1"}"#, #"<html>Bad gateway</html>"#, #"{"meta":{}}"#, #"{"events":{}}"#, "",
    ])
    func rejects(body: String) {
        #expect(throws: JSONParseError.self) { try MonitorPage(decoding: Array(body.utf8), receivedAt: Timestamp(epochMilliseconds: 0)) }
    }
}
