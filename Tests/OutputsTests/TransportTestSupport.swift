import OutputFormats
import TestSupport
import CoreMetrics
import ForwarderCore
import Foundation
import Journal
import NIOCore
import Outputs
import Synchronization

/// Counters and gauges by label (the `output` dimension is ignored), for asserting on a sink's metrics (bind it with
/// `withMetricsFactory` while creating the sink).
final class TestCounters: MetricsFactory, Sendable {
    private final class Handler: CounterHandler, Sendable {
        let value = Mutex<Int64>(0)
        func increment(by amount: Int64) { value.withLock { $0 += amount } }
        func reset() { value.withLock { $0 = 0 } }
    }

    private final class Gauge: RecorderHandler, Sendable {
        let value = Mutex<Double>(0)
        func record(_ value: Int64) { self.value.withLock { $0 = Double(value) } }
        func record(_ value: Double) { self.value.withLock { $0 = value } }
    }

    private let counters = Mutex<[String: Handler]>([:])
    private let gauges = Mutex<[String: Gauge]>([:])

    /// The last value recorded by the gauge `label` (0 before any).
    func gauge(_ label: String) -> Double {
        gauges.withLock { $0[label] }?.value.withLock { $0 } ?? 0
    }

    func value(_ label: String) -> Int64 {
        counters.withLock { $0[label] }?.value.withLock { $0 } ?? 0
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        counters.withLock { counters in
            if let existing = counters[label] { return existing }
            let handler = Handler()
            counters[label] = handler
            return handler
        }
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        gauges.withLock { gauges in
            if let existing = gauges[label] { return existing }
            let handler = Gauge()
            gauges[label] = handler
            return handler
        }
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        NOOPMetricsHandler.instance
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

/// Hand-built RFC 5424 records: `<134>1 2026-11-20T08:15:00.123Z host app - ip.blocked
/// [twilio@32473 id="E<n>" type="ip.blocked"] {"n":<n>}`.
enum SyslogLines {
    static func line(_ n: Int, host: String = "host", padding: String = "") -> String {
        #"<134>1 2026-11-20T08:15:00.123Z \#(host) app - ip.blocked [twilio@32473 id="E\#(n)" type="ip.blocked"] {"n":\#(n)\#(padding)}"#
    }

    /// Records `range` framed with `framer`, numbered by `n`, as the output service hands them to a sink.
    static func batch(_ range: ClosedRange<Int>, framer: any RecordFramer = UnframedFramer(), padding: String = "") -> RecordBatch {
        RecordBatch.lines(range, framer: framer) { line($0, padding: padding) }
    }

    /// The `n` of each message's `id="E<n>"`.
    static func ids(_ messages: [SyslogNG.Message]) -> [Int] {
        messages.compactMap { $0.structuredData["twilio@32473"]?["id"].flatMap { Int($0.dropFirst()) } }
    }
}

extension RecordBatch {
    /// The records `line(n)` for each `n` in `range`, framed with `framer` (newline-delimited by
    /// default), keyed `E<n>` and numbered `n`: what the output service hands a sink for the
    /// released sequences `range`.
    static func lines(_ range: ClosedRange<Int>, framer: any RecordFramer = NewlineDelimitedFramer(),
                      _ line: (Int) -> String) -> RecordBatch {
        var framed = ByteBuffer()
        var lengths: [Int] = []
        for n in range {
            let start = framed.writerIndex
            framer.frame(ByteBuffer(string: line(n)), into: &framed)
            lengths.append(framed.writerIndex - start)
        }
        let records = range.map { Record(key: "E\($0)", dataset: "event_streams", type: "ip.blocked", account: nil) }
        return RecordBatch(bytes: framed, lengths: lengths, records: records, through: Int64(range.upperBound))
    }
}

/// Encodes an event as the RFC 5424 line `SyslogLines.line(n)` where `n` is the event's id.
struct TestSyslogEncoder: EventEncoder {
    /// Appended to the JSON message, to make records as large as a test needs.
    var padding = ""
    /// Pseudo-random hex digits (seeded by the event id) appended too, so records do not compress.
    var noise = 0

    func encode(_ event: ForwardedEvent, into buffer: inout ByteBuffer) {
        let n = Int(event.event.id) ?? 0
        guard noise > 0 else {
            buffer.writeString(SyslogLines.line(n, padding: padding))
            return
        }
        var rng = SeededRandom(seed: UInt64(n))
        var digits = ""
        while digits.count < noise { digits += String(rng.next(), radix: 16) }
        buffer.writeString(SyslogLines.line(n, padding: padding + ",\"noise\":\"" + digits.prefix(noise) + "\""))
    }
}

/// Remembers the positions a sink commits (for driving a sink without a journal).
final class CommitLog: Sendable {
    private let positions = Mutex<[Int64]>([])

    var committer: OutputCommitter {
        OutputCommitter { commit in
            if case .position(let position) = commit {
                self.positions.withLock { $0.append(position.sequence) }
            }
        }
    }

    var last: Int64 { positions.withLock { $0.last ?? 0 } }
    var all: [Int64] { positions.withLock { $0 } }
}

/// The system clock as a `Timestamp`.
func now() -> Timestamp {
    WallClock.system.now()
}

/// Ticks `sink` until `done` or `timeout`; returns whether `done` became true.
func tick(_ sink: any RecordSink, commit: OutputCommitter, timeout: Duration = .seconds(15), until done: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !done() {
        guard ContinuousClock.now < deadline else { return false }
        try await sink.tick(now: now(), commit: commit)
        try await Task.sleep(for: .milliseconds(20))
    }
    return true
}
