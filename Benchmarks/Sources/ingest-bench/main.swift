import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import TwilioSimulator

// Load client for the Event Streams endpoint: C concurrent clients each POST signed JSON arrays
// of B CloudEvents (IAM ip.blocked) until R requests are done; prints throughput and latency
// percentiles. Every event id is unique, so the forwarder should end up with exactly R x B.
//   ingest-bench <public_url> <auth_token> [clients=16] [batch=50] [requests=4000] [id_prefix=bench]

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: ingest-bench <public_url> <auth_token> [clients] [batch] [requests] [id_prefix]\n".utf8))
    exit(64)
}
let url = arguments[1]
let token = arguments[2]
let clients = arguments.count > 3 ? Int(arguments[3]) ?? 16 : 16
let batch = arguments.count > 4 ? Int(arguments[4]) ?? 50 : 50
let requests = arguments.count > 5 ? Int(arguments[5]) ?? 4000 : 4000
/// Distinct prefixes keep the ids of several runs against one forwarder apart.
let idPrefix = arguments.count > 6 ? arguments[6] : "bench"

/// One request body: a JSON array of `batch` IAM ip.blocked CloudEvents.
func body(request: Int, time: String, now: Int64) -> [UInt8] {
    var text = "["
    for k in 0..<batch {
        if k > 0 { text += "," }
        let id = idPrefix + String(format: "-%08d-%04d", request, k)
        let ip = "198.51.\(request % 250).\(k % 250)"
        text += """
        {"specversion":"1.0","type":"com.twilio.iam.ip.blocked","source":"/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","id":"\(id)",\
        "dataschema":"https://events-schemas.twilio.com/IAM.IpBlocked/1","datacontenttype":"application/json",\
        "time":"\(time)",\
        "data":{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","address":"\(ip)","action":"POST",\
        "resource":"/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json",\
        "authentication_method":"API Key","auth_sid":"SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",\
        "request_sid":"RQ\(id)","timestamp":"\(now)"}}
        """
    }
    return Array((text + "]").utf8)
}

/// The next request number to send, shared by the clients.
actor Counter {
    private var next = 0
    private var failed = 0
    let limit: Int
    init(limit: Int) { self.limit = limit }
    func take() -> Int? {
        guard next < limit else { return nil }
        defer { next += 1 }
        return next
    }
    func fail() { failed += 1 }
    var failures: Int { failed }
}

var configuration = HTTPClient.Configuration()
configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: clients)
let http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
// Bodies and signatures are made before the clock starts: the client shares the machine with the
// forwarder, and only the forwarder's work should be timed.
let now = Int64(Date().timeIntervalSince1970 * 1000)
let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(now) / 1000))
let prepared: [HTTPClientRequest] = (0..<requests).map { number in
    let bytes = body(request: number, time: time, now: now)
    let signedURL = TwilioSignature.urlWithBodyHash(url, body: bytes)
    var request = HTTPClientRequest(url: signedURL)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.headers.add(name: "X-Twilio-Signature", value: TwilioSignature.sign(url: signedURL, authToken: token))
    request.body = .bytes(bytes)
    return request
}
let counter = Counter(limit: requests)
let started = ContinuousClock.now
let latencies: [Double] = try await withThrowingTaskGroup(of: [Double].self) { group in
    for _ in 0..<clients {
        group.addTask {
            var mine: [Double] = []
            while let number = await counter.take() {
                let request = prepared[number]
                let sent = ContinuousClock.now
                var delivered = false
                while !delivered {
                    let response = try await http.execute(request, timeout: .seconds(10))
                    _ = try await response.body.collect(upTo: 1 << 20)
                    if response.status == .ok {
                        delivered = true
                    } else {
                        await counter.fail()
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
                mine.append((ContinuousClock.now - sent).secondsDouble * 1000)
            }
            return mine
        }
    }
    var all: [Double] = []
    for try await part in group { all += part }
    return all
}
let elapsed = (ContinuousClock.now - started).secondsDouble
try await shutDown(http)

let sorted = latencies.sorted()
func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
print(String(format: "requests %d x %d events, %d clients: %.0f req/s, %.0f events/s", requests, batch, clients,
             Double(requests) / elapsed, Double(requests * batch) / elapsed))
print(String(format: "latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f", percentile(0.5), percentile(0.9), percentile(0.99), sorted.last ?? 0))
print("non-200 answers retried: \(await counter.failures)")

/// Shuts the client down from an async context (top-level code would pick the blocking overload).
func shutDown(_ client: HTTPClient) async throws {
    try await client.shutdown()
}

extension Duration {
    var secondsDouble: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
