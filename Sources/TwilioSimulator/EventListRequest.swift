/// A validated `GET /v1/Events` request: date bounds, at most one field filter, paging.
/// Parsing is pure and answers Twilio's 400s for anything the API would refuse.
struct EventListRequest: Sendable {
    /// Inclusive `event_date` bounds, epoch seconds.
    var minDate: Int64 = .min
    var maxDate: Int64 = .max
    var filter: EventFilter?
    var pageSize = 50
    var page = 0
    var token: PageToken?
    /// The filter parameters as received, echoed into the `meta` URLs.
    var echoedParameters: [(String, String)] = []

    static let defaultPageSize = 50
    static let maximumPageSize = 1000
    static let filterNames = ["ActorSid", "EventType", "ResourceSid", "ResourceType", "SourceIpAddress"]

    static func parse(
        _ parameters: [String: String], precision: FilterPrecision, catalog: EventCatalog
    ) -> Result<EventListRequest, APIResponseError> {
        var request = EventListRequest()

        if let text = parameters["PageSize"] {
            guard let size = Int(text), size >= 1 else {
                return .failure(.init(TwilioErrors.invalidParameter("PageSize", value: text, expected: "is not a positive integer")))
            }
            guard size <= maximumPageSize else {
                return .failure(.init(TwilioErrors.invalidParameter(
                    "PageSize", value: text, expected: "is greater than the maximum page size of \(maximumPageSize)"
                )))
            }
            request.pageSize = size
        }
        if let text = parameters["Page"] {
            guard let page = Int(text), page >= 0 else {
                return .failure(.init(TwilioErrors.invalidParameter("Page", value: text, expected: "is not a non-negative integer")))
            }
            request.page = page
        }

        let present = filterNames.filter { !(parameters[$0] ?? "").isEmpty }
        if present.count > 1 {
            return .failure(.init(TwilioErrors.invalidFilterCombination(present)))
        }

        for (name, isStart) in [("StartDate", true), ("EndDate", false)] {
            guard let text = parameters[name] else { continue }
            guard let parsed = DateFilterParsing.parse(text) else {
                return .failure(.init(TwilioErrors.invalidParameter(
                    name, value: text,
                    expected: "is not a valid ISO 8601 date or date-time (expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)"
                )))
            }
            if isStart {
                request.minDate = DateFilterParsing.lowerBound(parsed, precision: precision)
            } else {
                request.maxDate = DateFilterParsing.upperBound(parsed, precision: precision)
            }
            request.echoedParameters.append((name, text))
        }

        if let name = present.first, let value = parameters[name] {
            request.filter = EventFilter(name: name, value: value, catalog: catalog)
            request.echoedParameters.append((name, value))
        }

        if let text = parameters["PageToken"], !text.isEmpty {
            guard let token = PageToken(decoding: text) else {
                return .failure(.init(TwilioErrors.invalidParameter("PageToken", value: text, expected: "is not a valid page token")))
            }
            request.token = token
        }
        return .success(request)
    }
}

/// An error answer carried through `Result`.
struct APIResponseError: Error, Sendable {
    var response: APIResponse
    init(_ response: APIResponse) { self.response = response }
}

/// The one non-date filter a listing may carry, resolved to catalog indices.
enum EventFilter: Sendable {
    case actor(UInt16)
    case eventType(UInt8)
    case resourceSid(UInt16)
    case resourceType(Int)
    case sourceIP(UInt16)
    /// The value names nothing the simulator ever generates: no event matches.
    case matchesNothing

    init(name: String, value: String, catalog: EventCatalog) {
        switch name {
        case "ActorSid": self = catalog.actorIndex(sid: value).map(EventFilter.actor) ?? .matchesNothing
        case "EventType": self = EventTypes.eventTypeIndexByName[value].map { .eventType(UInt8($0)) } ?? .matchesNothing
        case "ResourceSid": self = catalog.resourceSidID(sid: value).map(EventFilter.resourceSid) ?? .matchesNothing
        case "ResourceType": self = EventTypes.resourceTypeIndexByName[value].map(EventFilter.resourceType) ?? .matchesNothing
        case "SourceIpAddress": self = catalog.ipIndex(address: value).map(EventFilter.sourceIP) ?? .matchesNothing
        default: self = .matchesNothing
        }
    }

    @inline(__always)
    func matches(_ record: EventRecord, catalog: EventCatalog) -> Bool {
        switch self {
        case .actor(let actor): return record.actor == actor
        case .eventType(let type): return record.eventType == type
        case .resourceSid(let id): return catalog.resources[Int(record.resource)].sidID == id
        case .resourceType(let type): return catalog.resources[Int(record.resource)].typeIndex == type
        case .sourceIP(let ip): return record.ip == ip
        case .matchesNothing: return false
        }
    }
}
