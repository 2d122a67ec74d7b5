import AsyncHTTPClient
import Foundation
import Journal
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import TwilioSimulator

// End-to-end delivery latency of a running `siem-forwarder` (the binary given as argument):
//   latency-bench live <siem-forwarder> [seconds=150] [deliveries=300]
//     Both sources at the Monitor defaults (poll_interval 60s, lookback 10m) against an
//     in-process simulator, outputs an append file and RFC 5424 over TCP to a listener here.
//     Measures Event Streams 200 → record in each output, and Monitor event visible in the
//     simulator → record in each output; prints p50/p90/p99/max.
//   latency-bench catchup <siem-forwarder> [days=6] [per_day=20000]
//     A Monitor catch-up into gzip files with max_age 1s under `run`: the time from the last page
//     being journaled to every event being in a completed file.

let arguments = CommandLine.arguments
guard arguments.count >= 3, ["live", "catchup"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: latency-bench live|catchup <siem-forwarder> [...]\n".utf8))
    exit(64)
}
let binary = arguments[2]
let work = NSTemporaryDirectory() + "latency-bench-" + UUID().uuidString.prefix(8)
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
let token = "latency-token"
let quiet = Logger(label: "simulator") { _ in SwiftLogNoOpLogHandler() }

func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

/// Where and when each event id first showed up.
actor Arrivals {
    private(set) var times: [String: [String: Int64]] = [:]
    func saw(_ id: String, in output: String, at ms: Int64) {
        if times[output, default: [:]][id] == nil { times[output, default: [:]][id] = ms }
    }
    func count(_ output: String) -> Int { times[output]?.count ?? 0 }
}
let arrivals = Arrivals()

/// Accepts the forwarder's TCP connection and records each octet-counted RFC 5424 record's id.
final class CollectorHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private var buffer = ByteBuffer()
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        let at = nowMs()
        while let space = buffer.readableBytesView.firstIndex(of: UInt8(ascii: " ")),
              let length = Int(String(decoding: buffer.readableBytesView[buffer.readerIndex..<space], as: UTF8.self)),
              buffer.readableBytes >= space - buffer.readerIndex + 1 + length {
            buffer.moveReaderIndex(to: space + 1)
            let record = buffer.readString(length: length) ?? ""
            if let start = record.range(of: " id=\""), let end = record[start.upperBound...].firstIndex(of: "\"") {
                let id = String(record[start.upperBound..<end])
                Task { await arrivals.saw(id, in: "tcp", at: at) }
            }
        }
        buffer.discardReadBytes()
    }
}

func percentiles(_ values: [Int64]) -> String {
    guard !values.isEmpty else { return "no samples" }
    let sorted = values.sorted()
    func p(_ q: Double) -> Int64 { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
    return "n=\(sorted.count) p50 \(p(0.5)) ms, p90 \(p(0.9)) ms, p99 \(p(0.99)) ms, max \(sorted.last!) ms"
}

func startForwarder(_ config: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["run", "--config", config]
    _ = FileManager.default.createFile(atPath: work + "/forwarder.log", contents: nil)
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: work + "/forwarder.log"))
    try process.run()
    return process
}

func metric(_ port: Int, _ name: String) async -> Double? {
    guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(5)),
          let body = try? await response.body.collect(upTo: 1 << 22) else { return nil }
    for line in String(buffer: body).split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
        return line.split(separator: " ").last.flatMap { Double($0) }
    }
    return nil
}

func freePort() throws -> Int {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
    let port = channel.localAddress?.port ?? 0
    try channel.close().wait()
    return port
}

if arguments[1] == "live" {
    let seconds = arguments.count > 3 ? Int(arguments[3]) ?? 150 : 150
    let deliveries = arguments.count > 4 ? Int(arguments[4]) ?? 300 : 300
    var configuration = SimulatorConfiguration()
    configuration.historyDays = 1
    configuration.historyEventsPerDay = 200
    configuration.eventsPerMinute = 120
    let simulator = try await TwilioSimulator.start(configuration, logger: quiet)
    let collector = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .childChannelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(CollectorHandler()) } }
        .bind(host: "127.0.0.1", port: 0).get()
    let port = try freePort()
    let operationsPort = try freePort()
    let archive = work + "/archive/twilio.ndjson"
    try """
        state: { dir: \(work)/state }
        server: { listen: 127.0.0.1:\(port) }
        operations: { listen: 127.0.0.1:\(operationsPort) }
        log: { level: warning }
        sources:
          monitor:
            base_url: \(simulator.baseURL)
            account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
            password: simulator-auth-token
            backfill: 1d
          event_streams:
            public_url: http://127.0.0.1:\(port)/webhooks/event-streams
            auth_token: \(token)
        outputs:
          - name: archive
            format: ndjson
            transport: { type: file, path: \(archive) }
          - name: siem
            format: rfc5424
            transport: { type: tcp, host: 127.0.0.1, port: \(collector.localAddress!.port!), framing: octet-counting }
        """.write(toFile: work + "/pipeline.yaml", atomically: true, encoding: .utf8)
    let process = try startForwarder(work + "/pipeline.yaml")
    while await metric(operationsPort, "siem_forwarder_output_events_total") == nil { try await Task.sleep(for: .milliseconds(50)) }

    // Tail the append file: the moment each id's line appears.
    let tail = Task {
        var offset: UInt64 = 0
        var partial = ""
        while !Task.isCancelled {
            if let handle = FileHandle(forReadingAtPath: archive) {
                try? handle.seek(toOffset: offset)
                let data = handle.readDataToEndOfFile()
                try? handle.close()
                if !data.isEmpty {
                    offset += UInt64(data.count)
                    let at = nowMs()
                    partial += String(decoding: data, as: UTF8.self)
                    while let newline = partial.firstIndex(of: "\n") {
                        let line = partial[..<newline]
                        partial = String(partial[partial.index(after: newline)...])
                        if let start = line.range(of: "\"event\":{\"id\":\""), let end = line[start.upperBound...].firstIndex(of: "\"") {
                            await arrivals.saw(String(line[start.upperBound..<end]), in: "append", at: at)
                        }
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }
    let startedAt = nowMs()
    var acknowledged: [String: Int64] = [:]
    let interval = Double(seconds - 10) / Double(max(1, deliveries))
    for n in 0..<deliveries {
        let id = "latency-\(n)"
        let time = ISO8601DateFormatter().string(from: Date())
        let body = Array(#"{"specversion":"1.0","type":"com.twilio.iam.ip.blocked","source":"/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","id":"\#(id)","time":"\#(time)","data":{"address":"203.0.113.7"}}"#.utf8)
        let url = TwilioSignature.urlWithBodyHash("http://127.0.0.1:\(port)/webhooks/event-streams", body: body)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Twilio-Signature", value: TwilioSignature.sign(url: url, authToken: token))
        request.body = .bytes(body)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 16)
        if response.status == .ok { acknowledged[id] = nowMs() }
        try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
    }
    while nowMs() - startedAt < Int64(seconds) * 1000 { try await Task.sleep(for: .milliseconds(200)) }
    await simulator.pauseLiveEvents()
    let visible = await simulator.visibilityTimes().filter { $0.value >= startedAt }
    let released = await metric(operationsPort, "siem_forwarder_merge_released_total") ?? 0
    let late = await metric(operationsPort, "siem_forwarder_merge_late_total") ?? 0
    tail.cancel()
    process.terminate()
    process.waitUntilExit()
    await simulator.stop()
    try await collector.close().get()

    let seen = await arrivals.times
    print(String(format: "merge: %.0f events released, %.0f flagged late (%.1f %%), with %d deliveries and %d new Monitor events",
                 released, late, released > 0 ? 100 * late / released : 0, acknowledged.count, visible.count))
    for output in ["append", "tcp"] {
        let times = seen[output] ?? [:]
        print("Event Streams 200 → \(output): " + percentiles(acknowledged.compactMap { id, at in times[id].map { $0 - at } }))
        let monitor = visible.compactMap { id, at in times[id].map { $0 - at } }
        print("Monitor visible → \(output): " + percentiles(monitor) + " (\(visible.count - monitor.count) live events not delivered within the run)")
    }
} else {
    let days = arguments.count > 3 ? Int(arguments[3]) ?? 6 : 6
    let perDay = arguments.count > 4 ? Int(arguments[4]) ?? 20000 : 20000
    var configuration = SimulatorConfiguration()
    configuration.historyDays = days
    configuration.historyEventsPerDay = perDay
    configuration.eventsPerMinute = 0
    configuration.filterPrecision = .second
    configuration.maxVisibilityDelay = .milliseconds(1)
    let simulator = try await TwilioSimulator.start(configuration, logger: quiet)
    let total = await simulator.groundTruthIDs().count
    let port = try freePort()
    try """
        state: { dir: \(work)/state }
        operations: { listen: 127.0.0.1:\(port) }
        log: { level: warning }
        sources:
          monitor:
            base_url: \(simulator.baseURL)
            account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
            password: simulator-auth-token
            backfill: \(days + 1)d
            lookback: 2m
            page_size: 1000
        outputs:
          - name: files
            format: ndjson
            transport:
              type: file
              path: \(work)/out/twilio-{seq}.ndjson.gz
              rotate: { max_bytes: 64MiB, max_age: 1s }
        """.write(toFile: work + "/pipeline.yaml", atomically: true, encoding: .utf8)
    let started = ContinuousClock.now
    let process = try startForwarder(work + "/pipeline.yaml")
    while await metric(port, "siem_forwarder_output_events_total") == nil { try await Task.sleep(for: .milliseconds(20)) }
    // Read beside the running forwarder: a gzip output commits a range only with its completed file.
    let journal = try Journal(directory: work + "/state")
    var journaled: ContinuousClock.Instant?
    while true {
        let stats = try await journal.stats()
        if journaled == nil, stats.events >= total { journaled = .now }
        if journaled != nil, stats.pending == 0, try await journal.outputPosition("files")?.sequence == stats.lastSequence { break }
        try await Task.sleep(for: .milliseconds(10))
    }
    let done = ContinuousClock.now
    await journal.close()
    process.terminate()
    process.waitUntilExit()
    await simulator.stop()
    print("catch-up of \(total) events: journaled after \(journaled! - started), all in completed gzip files \(done - journaled!) later")
}
try? FileManager.default.removeItem(atPath: work)
