import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@testable import TwilioSimulator

/// 2026-11-20T12:00:00Z: history ends here in most tests, so its days are fixed.
let fixedHistoryEnd = Date(timeIntervalSince1970: 1_795_176_000)

/// A small, quiet configuration: fixed history end, no live events, no faults.
func quietConfiguration(seed: UInt64 = 7, days: Int = 3, perDay: Int = 400) -> SimulatorConfiguration {
    var configuration = SimulatorConfiguration()
    configuration.seed = seed
    configuration.historyDays = days
    configuration.historyEventsPerDay = perDay
    configuration.historyEnd = fixedHistoryEnd
    configuration.eventsPerMinute = 0
    configuration.webhookEventsPerMinute = 0
    return configuration
}

/// Runs `body` against a started simulator and always stops it.
func withSimulator<T>(
    _ configuration: SimulatorConfiguration, _ body: (TwilioSimulator) async throws -> T
) async throws -> T {
    let simulator = try await TwilioSimulator.start(configuration)
    do {
        let result = try await body(simulator)
        await simulator.stop()
        return result
    } catch {
        await simulator.stop()
        throw error
    }
}

struct HTTPResult {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) as? [String: Any]
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

enum Credentials {
    case account
    case apiKey
    case wrongPassword
    case none

    func header(_ configuration: SimulatorConfiguration) -> String? {
        let pair: String
        switch self {
        case .account: pair = "\(configuration.accountSid):\(configuration.authToken)"
        case .apiKey: pair = "SK0123456789abcdef0123456789abcdef:\(configuration.authToken)"
        case .wrongPassword: pair = "\(configuration.accountSid):not-the-token"
        case .none: return nil
        }
        return "Basic " + Data(pair.utf8).base64EncodedString()
    }
}

/// GET `pathOrURL` (absolute, or relative to the simulator) with the given credentials.
func get(
    _ simulator: TwilioSimulator, _ pathOrURL: String, credentials: Credentials = .account,
    timeout: TimeAmount = .seconds(30)
) async throws -> HTTPResult {
    let url = pathOrURL.hasPrefix("http") ? pathOrURL : simulator.baseURL + pathOrURL
    var request = HTTPClientRequest(url: url)
    if let header = credentials.header(simulator.configuration) {
        request.headers.add(name: "Authorization", value: header)
    }
    let response = try await HTTPClient.shared.execute(request, timeout: timeout)
    let body = try await response.body.collect(upTo: 256 << 20)
    return HTTPResult(
        status: Int(response.status.code),
        headers: response.headers.map { ($0.name, $0.value) },
        body: Array(buffer: body)
    )
}

/// Every event of a listing, following `meta.next_page_url` verbatim from `query`'s page 0.
func listAll(_ simulator: TwilioSimulator, query: String) async throws -> (events: [[String: Any]], pages: Int) {
    var next: String? = "/v1/Events?" + query
    var events: [[String: Any]] = []
    var pages = 0
    while let url = next {
        let result = try await get(simulator, url)
        #expect(result.status == 200, "GET \(url) answered \(result.status): \(result.text)")
        guard result.status == 200, let json = result.json,
              let page = json["events"] as? [[String: Any]], let meta = json["meta"] as? [String: Any]
        else { break }
        events.append(contentsOf: page)
        pages += 1
        next = meta["next_page_url"] as? String
    }
    return (events, pages)
}

func sids(_ events: [[String: Any]]) -> [String] {
    events.compactMap { $0["sid"] as? String }
}

/// Ground-truth events as parsed JSON objects.
func groundTruthObjects(_ simulator: TwilioSimulator) async -> [[String: Any]] {
    await simulator.groundTruthLines().compactMap {
        (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
    }
}

/// Resident set size of this process in kilobytes (Linux).
func residentKilobytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
    return 0
}
