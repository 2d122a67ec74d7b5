import AsyncHTTPClient
import ForwarderCore
import Foundation
import Gzip
import Logging
import MonitorPoller
import NIOCore
import NIOHTTP1
import NIOPosix
import OutputFormats
import Outputs
import TwilioSimulator

// Micro-benchmarks of the hot path, one core: decoding Monitor pages, encoding records, and
// zlib alone compressing the same NDJSON bytes (the wall DESIGN.md names), and libdeflate alone
// in the members the file sink cuts. Run in release:
//   swift run -c release forwarder-bench [events]

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100_000 : 100_000
let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

func shutDown(_ client: HTTPClient) async throws {
    try await client.shutdown()
}

func measure(_ label: String, events: Int, bytes: Int? = nil, _ body: () throws -> Void) rethrows {
    let start = ContinuousClock.now
    try body()
    let seconds = (ContinuousClock.now - start).secondsDouble
    var line = String(format: "%-34@ %9.0f events/s", label as NSString, Double(events) / seconds)
    if let bytes { line += String(format: "  %7.1f MB/s", Double(bytes) / seconds / 1e6) }
    line += String(format: "  (%.3f s)", seconds)
    print(line)
}

var config = SimulatorConfiguration()
config.historyDays = 1
config.historyEventsPerDay = count
config.eventsPerMinute = 0
// A fixed history, so two runs (two builds) encode the same events and their digests compare.
config.historyEnd = Date(timeIntervalSince1970: 1_795_132_800)  // 2026-11-20T00:00:00Z
config.port = 18_699  // the port is in every event's url
let simulator = try await TwilioSimulator.start(config, logger: quiet)
let http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
let client = MonitorClient(http: http, baseURL: simulator.baseURL, username: config.accountSid, password: config.authToken)

// Fetch the raw pages once, so decoding is measured without the network.
var bodies: [[UInt8]] = []
var url: String? = client.listURL(startDate: Timestamp(epochMilliseconds: 0), endDate: nil, pageSize: 1000)
while let next = url {
    var request = HTTPClientRequest(url: next)
    request.headers.add(name: "Authorization", value: "Basic " + Data("\(config.accountSid):\(config.authToken)".utf8).base64EncodedString())
    let response = try await http.execute(request, timeout: .seconds(60))
    let body = Array(try await response.body.collect(upTo: 64 << 20).readableBytesView)
    bodies.append(body)
    url = try MonitorPage(decoding: body, receivedAt: Timestamp(epochMilliseconds: 0)).nextPageURL
}
try await shutDown(http)
await simulator.stop()

print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; \(count) simulated Monitor events")
var events: [ForwardedEvent] = []
events.reserveCapacity(count)
let pageBytes = bodies.reduce(0) { $0 + $1.count }
try measure("decode Monitor pages (JSON)", events: count, bytes: pageBytes) {
    for body in bodies {
        for event in try MonitorPage(decoding: body, receivedAt: Timestamp(epochMilliseconds: 0)).events {
            events.append(ForwardedEvent(sequence: Int64(events.count + 1), event: event))
        }
    }
}

// The way pages were decoded before: every event parsed into a whole `JSONValue` tree, then
// interpreted. Side by side with the member-by-member reader above, and checked to agree.
var treeEvents: [TwilioEvent] = []
treeEvents.reserveCapacity(count)
try measure("decode Monitor pages, whole tree", events: count, bytes: pageBytes) {
    for body in bodies {
        try JSONReader.read(body) { (reader, buffer) throws(JSONParseError) in
            try reader.readObject { (key, reader) throws(JSONParseError) in
                guard key == "events" else {
                    try reader.skipValue()
                    return
                }
                try reader.readArray { (reader) throws(JSONParseError) in
                    let (value, range) = try reader.readValueWithRange()
                    let raw = Array(UnsafeRawBufferPointer(rebasing: buffer[range]))
                    treeEvents.append(MonitorEventDecoder.decode(value, raw: raw, receivedAt: Timestamp(epochMilliseconds: 0)))
                }
            }
        }
    }
}
guard treeEvents == events.map(\.event) else { fatalError("the two Monitor decoders disagree") }
print("  both decoders give the same \(treeEvents.count) events")
treeEvents = []

var ndjson = ByteBuffer()
let framer = NewlineDelimitedFramer()
measure("encode NDJSON", events: events.count) {
    var record = ByteBuffer()
    for event in events {
        record.clear()
        NDJSONEncoder().encode(event, into: &record)
        framer.frame(record, into: &ndjson)
    }
}
let ndjsonBytes = Array(ndjson.readableBytesView)
print(String(format: "NDJSON record size: %.0f bytes on average", Double(ndjsonBytes.count) / Double(events.count)) + ", digest \(digest(ndjson))")

var zlibLevel6Seconds = 0.0
for level in [1, 6] {
    var out: [UInt8] = []
    out.reserveCapacity(ndjsonBytes.count / 4)
    let zlibStart = ContinuousClock.now
    try measure("zlib alone, level \(level)", events: events.count, bytes: ndjsonBytes.count) {
        let compressor = try GzipCompressor(level: level)
        try ndjsonBytes.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let end = min(all.count, offset + 64 * 1024)
                try compressor.compress(UnsafeRawBufferPointer(rebasing: all[offset..<end]), into: &out)
                offset = end
            }
        }
        try compressor.finish(into: &out)
    }
    if level == 6 { zlibLevel6Seconds = (ContinuousClock.now - zlibStart).secondsDouble }
    print(String(format: "  compressed to %.1f%%", Double(out.count) * 100 / Double(ndjsonBytes.count)))
}

// libdeflate alone on the same bytes, cut into the 1 MiB members the gzip file sink compresses
// (one core here; the sink runs two at once).
for level in [1, 6] {
    var compressed = 0
    try measure("libdeflate alone, level \(level), 1 MiB members", events: events.count, bytes: ndjsonBytes.count) {
        try ndjsonBytes.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let end = min(all.count, offset + (1 << 20))
                compressed += try GzipMember.compress(UnsafeRawBufferPointer(rebasing: all[offset..<end]), level: level).count
                offset = end
            }
        }
    }
    print(String(format: "  compressed to %.1f%%", Double(compressed) * 100 / Double(ndjsonBytes.count)))
}

// The file path an output drives (encode, frame, gzip file sink) next to zlib alone.
try await benchmarkFilePath(events, zlibSeconds: zlibLevel6Seconds, ndjsonBytes: ndjsonBytes.count)

// Syslog formats: the encoder alone (one core), then the transport alone on pre-encoded records.
try await benchmarkSyslogFormats(events, logger: quiet)
