import ForwarderCore

/// One page of `GET /v1/Events`: the events (newest first, as Twilio sends them) and the URL of
/// the next page, if any.
package struct MonitorPage: Sendable {
    package var events: [TwilioEvent]
    package var nextPageURL: String?

    package init(events: [TwilioEvent], nextPageURL: String?) {
        self.events = events
        self.nextPageURL = nextPageURL
    }

    /// Decodes a list response, keeping each event object's bytes exactly as received. A key
    /// given twice in one object, in an event or in the page itself, is an error (see
    /// `JSONReader.readValue`): the events must be forwarded as they were read.
    package init(decoding body: [UInt8], receivedAt: Timestamp) throws(JSONParseError) {
        var events: [TwilioEvent] = []
        var next: String?
        var sawEvents = false
        // By their bytes, as `JSONReader.readValue` compares keys: a Set<String> would take two
        // spellings of one accented key (NFC and NFD) for the same key.
        var pageKeys: Set<[UInt8]> = []
        try JSONReader.read(body) { (reader, _) throws(JSONParseError) in
            try reader.readObject { (key, keyOffset, reader) throws(JSONParseError) in
                guard pageKeys.insert(Array(key.utf8)).inserted else {
                    throw JSONParseError(offset: keyOffset, reason: "duplicate key \(JSONReader.quotedKey(key))")
                }
                switch key {
                case "events":
                    guard reader.peek() == UInt8(ascii: "[") else {
                        throw JSONParseError(offset: reader.offset, reason: "\"events\" is not an array")
                    }
                    sawEvents = true
                    try reader.readArray { (reader) throws(JSONParseError) in
                        guard reader.peek() == UInt8(ascii: "{") else {
                            try reader.skipValue()
                            return
                        }
                        events.append(try MonitorEventDecoder.read(&reader, receivedAt: receivedAt))
                    }
                case "meta":
                    let meta = try reader.readValue()
                    next = meta["next_page_url"]?.stringValue
                default:
                    try reader.skipValue()
                }
            }
            try reader.expectEnd()
        }
        guard sawEvents else { throw JSONParseError(offset: 0, reason: "the response has no \"events\" array") }
        self.events = events
        self.nextPageURL = (next?.isEmpty ?? true) ? nil : next
    }
}
