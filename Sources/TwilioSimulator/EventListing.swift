/// One page of a listing: the events (newest first) and where the neighbouring pages start.
struct EventPage: Sendable {
    var records: [EventRecord]
    /// Set when older matching events exist: the next page continues after this key.
    var nextAfter: EventKey?
    /// Set when this is not the first page: the previous page holds events newer than this key.
    var previousBefore: EventKey?
}

extension EventStore {
    /// Selects the page `request` asks for among the events visible at `nowMs`.
    func page(for request: EventListRequest, nowMs: Int64, catalog: EventCatalog) -> EventPage {
        let filter = request.filter
        @inline(__always) func matches(_ record: EventRecord) -> Bool {
            record.visibleAtMs <= nowMs && (filter?.matches(record, catalog: catalog) ?? true)
        }
        let minDate = request.minDate
        let maxDate = request.maxDate
        let records = self.records
        var selected: [EventRecord] = []
        selected.reserveCapacity(min(request.pageSize, 1024))

        if let token = request.token, token.direction == .before {
            // Walk upwards from just above the token, then present newest first.
            var index = max(upperBound(token.key), minDate == .min ? 0 : lowerBound(date: minDate))
            while index < records.count, records[index].date <= maxDate, selected.count < request.pageSize {
                if matches(records[index]) { selected.append(records[index]) }
                index += 1
            }
            var hasNewer = false
            while index < records.count, records[index].date <= maxDate {
                if matches(records[index]) { hasNewer = true; break }
                index += 1
            }
            selected.reverse()
            let olderStart = selected.last.map { lowerBound($0.key) - 1 } ?? (upperBound(token.key) - 1)
            let hasOlder = hasMatch(downFrom: olderStart, minDate: minDate, matches: matches)
            return EventPage(
                records: selected,
                nextAfter: hasOlder ? (selected.last?.key ?? token.key) : nil,
                previousBefore: hasNewer ? selected.first?.key : nil
            )
        }

        var index = maxDate == .max ? records.count - 1 : upperBound(date: maxDate) - 1
        if let token = request.token {
            index = min(index, lowerBound(token.key) - 1)
        }
        while index >= 0, records[index].date >= minDate, selected.count < request.pageSize {
            if matches(records[index]) { selected.append(records[index]) }
            index -= 1
        }
        let hasOlder = selected.count == request.pageSize && hasMatch(downFrom: index, minDate: minDate, matches: matches)
        return EventPage(
            records: selected,
            nextAfter: hasOlder ? selected.last?.key : nil,
            previousBefore: request.token.map { selected.first?.key ?? $0.key }
        )
    }

    private func hasMatch(downFrom start: Int, minDate: Int64, matches: (EventRecord) -> Bool) -> Bool {
        var index = start
        while index >= 0, records[index].date >= minDate {
            if matches(records[index]) { return true }
            index -= 1
        }
        return false
    }

    /// Up to `limit` visible events older than `before` (all when nil), newest first.
    func visibleChunk(before: EventKey?, limit: Int, nowMs: Int64) -> [EventRecord] {
        var index = before.map { lowerBound($0) - 1 } ?? records.count - 1
        var chunk: [EventRecord] = []
        chunk.reserveCapacity(min(limit, records.count))
        while index >= 0, chunk.count < limit {
            if records[index].isVisible(atMs: nowMs) { chunk.append(records[index]) }
            index -= 1
        }
        return chunk
    }
}

/// Renders a list response: `{"events":[…],"meta":{…}}` with absolute URLs on the base URL.
enum EventListingJSON {
    static func render(page: EventPage, request: EventListRequest, json: EventJSON, baseURL: String) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024 + page.records.count * 850)
        writer.raw("{\"events\":[")
        for (offset, record) in page.records.enumerated() {
            if offset > 0 { writer.byte(UInt8(ascii: ",")) }
            json.append(record, to: &writer)
        }
        writer.raw("],\"meta\":{\"page\":")
        writer.integer(Int64(request.page))
        writer.raw(",\"page_size\":")
        writer.integer(Int64(request.pageSize))
        writer.raw(",\"first_page_url\":")
        writer.string(url(baseURL, request, page: 0, token: nil))
        writer.raw(",\"previous_page_url\":")
        if let key = page.previousBefore {
            writer.string(url(baseURL, request, page: max(0, request.page - 1), token: PageToken(direction: .before, key: key)))
        } else {
            writer.raw("null")
        }
        writer.raw(",\"url\":")
        writer.string(url(baseURL, request, page: request.page, token: request.token))
        writer.raw(",\"next_page_url\":")
        if let key = page.nextAfter {
            writer.string(url(baseURL, request, page: request.page + 1, token: PageToken(direction: .after, key: key)))
        } else {
            writer.raw("null")
        }
        writer.raw(",\"key\":\"events\"}}")
        return writer.bytes
    }

    static func url(_ baseURL: String, _ request: EventListRequest, page: Int, token: PageToken?) -> String {
        var pairs = request.echoedParameters
        pairs.append(("PageSize", String(request.pageSize)))
        pairs.append(("Page", String(page)))
        if let token { pairs.append(("PageToken", token.encoded)) }
        return baseURL + "/v1/Events?" + QueryString.build(pairs)
    }
}
