import Synchronization

/// The simulator's base URL and the serializer bound to it, known only once the server has
/// bound its port (port 0 = ephemeral).
final class BaseURLBox: Sendable {
    private let value = Mutex<(String, EventJSON)?>(nil)

    func set(_ baseURL: String, catalog: EventCatalog) {
        value.withLock { $0 = (baseURL, EventJSON(catalog: catalog, baseURL: baseURL)) }
    }

    var baseURL: String { value.withLock { $0?.0 ?? "http://127.0.0.1" } }

    func current(catalog: EventCatalog) -> (baseURL: String, json: EventJSON) {
        value.withLock { $0 } ?? ("http://127.0.0.1", EventJSON(catalog: catalog, baseURL: "http://127.0.0.1"))
    }
}
