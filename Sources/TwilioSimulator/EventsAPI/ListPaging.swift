/// Paging of the Events API's lists the way Twilio pages them: `PageSize` (default 50, 1–1000),
/// `Page` (an index kept for the client) and an opaque `PageToken` naming the item a page
/// continues after (`PA…`) or ends before (`PB…`), so a page stays put while items are added.
/// A pure value: it picks a page of ids and builds the `meta` URLs.
struct ListPaging: Sendable, Equatable {
    var pageSize: Int
    var page: Int
    var token: Token?

    /// Where a page starts: after the item with this key, or ending just before it.
    enum Token: Sendable, Equatable {
        case after(String)
        case before(String)

        var encoded: String {
            switch self {
            case .after(let key): "PA" + key
            case .before(let key): "PB" + key
            }
        }

        init?(_ text: String) {
            if text.hasPrefix("PA"), text.count > 2 { self = .after(String(text.dropFirst(2))) }
            else if text.hasPrefix("PB"), text.count > 2 { self = .before(String(text.dropFirst(2))) }
            else { return nil }
        }
    }

    static let defaultPageSize = 50

    /// Reads `PageSize`, `Page` and `PageToken` from a query.
    static func parse(_ query: [String: String]) -> Result<ListPaging, EventsAPIFailure> {
        var paging = ListPaging(pageSize: defaultPageSize, page: 0, token: nil)
        if let text = query["PageSize"] {
            guard let size = Int(text), (1...1000).contains(size) else {
                return .failure(.invalid("PageSize must be an integer between 1 and 1000, not '\(text)'"))
            }
            paging.pageSize = size
        }
        if let text = query["Page"] {
            guard let page = Int(text), page >= 0 else {
                return .failure(.invalid("Page must be an integer of at least 0, not '\(text)'"))
            }
            paging.page = page
        }
        if let text = query["PageToken"], !text.isEmpty {
            guard let token = Token(text) else { return .failure(.invalid("PageToken '\(text)' is not a page token of this list")) }
            paging.token = token
        }
        return .success(paging)
    }

    /// The items of this page (from `keys`, the whole list in order), and whether a page comes
    /// after it and one before it. Without a token the page is `Page × PageSize` items in.
    func select(_ keys: [String]) -> (range: Range<Int>, hasNext: Bool, hasPrevious: Bool) {
        let start: Int
        let end: Int
        switch token {
        case .after(let key):
            start = keys.firstIndex { $0 > key } ?? keys.count
            end = min(keys.count, start + pageSize)
        case .before(let key):
            end = keys.firstIndex { $0 >= key } ?? keys.count
            start = max(0, end - pageSize)
        case nil:
            start = min(keys.count, page * pageSize)
            end = min(keys.count, start + pageSize)
        }
        return (start..<end, end < keys.count, start > 0)
    }

    /// The `meta` object of a list page.
    func meta(key: String, listURL: String, filters: [(String, String)], keys: [String]) -> JSONValue {
        let (range, hasNext, hasPrevious) = select(keys)
        func url(page: Int, token: Token?) -> String {
            var pairs = filters
            pairs.append(("PageSize", String(pageSize)))
            pairs.append(("Page", String(page)))
            if let token { pairs.append(("PageToken", token.encoded)) }
            return listURL + "?" + QueryString.build(pairs)
        }
        let next: JSONValue = hasNext ? .string(url(page: page + 1, token: .after(keys[range.upperBound - 1]))) : .null
        let previous: JSONValue = hasPrevious && page > 0
            ? .string(url(page: page - 1, token: .before(keys[range.lowerBound]))) : .null
        return .object([
            ("page", .int(Int64(page))), ("page_size", .int(Int64(pageSize))),
            ("first_page_url", .string(url(page: 0, token: nil))), ("previous_page_url", previous),
            ("url", .string(url(page: page, token: token))), ("next_page_url", next), ("key", .string(key)),
        ])
    }
}
