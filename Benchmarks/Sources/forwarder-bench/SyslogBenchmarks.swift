import ForwarderCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import OutputFormats
import Outputs

/// Accepts TCP connections on 127.0.0.1, discards what it reads, closes when the client does.
final class DiscardHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { context.close(promise: nil) }
    }
}

/// RFC 5424 and CEF encoders alone on one core, then the TCP and UDP transports alone on
/// pre-encoded RFC 5424 records, so the encoder's cost is separate from the transport's.
func benchmarkSyslogFormats(_ events: [ForwardedEvent], logger: Logger) async throws {
    let rfc5424JSON = RFC5424Encoder(options: RFC5424Options(message: .json), hostname: "bench-host")
    let rfc5424Text = RFC5424Encoder(options: RFC5424Options(message: .text), hostname: "bench-host")
    let cef = CEFEncoder(options: CEFOptions(), hostname: "bench-host")
    let cefSyslog = CEFEncoder(options: CEFOptions(syslogHeader: true), hostname: "bench-host")
    var rfc5424Records = ByteBuffer()
    var rfc5424Lengths: [Int] = []
    for (label, encoder) in [("encode RFC 5424 (MSG json)", rfc5424JSON as any EventEncoder), ("encode RFC 5424 (MSG text)", rfc5424Text),
                             ("encode CEF", cef), ("encode CEF with syslog header", cefSyslog)] {
        var all = ByteBuffer()
        var lengths: [Int] = []
        lengths.reserveCapacity(events.count)
        measure(label, events: events.count) {
            var record = ByteBuffer()
            for event in events {
                record.clear()
                encoder.encode(event, into: &record)
                let start = all.writerIndex
                OctetCountingFramer().frame(record, into: &all)
                lengths.append(all.writerIndex - start)
            }
        }
        print(String(format: "  record size: %.0f bytes on average", Double(all.readableBytes) / Double(events.count)) + ", digest \(digest(all))")
        if label == "encode RFC 5424 (MSG json)" {
            rfc5424Records = all
            rfc5424Lengths = lengths
        }
    }

    let discard = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .childChannelOption(.allowRemoteHalfClosure, value: true)
        .childChannelInitializer { $0.pipeline.addHandler(DiscardHandler()) }
        .bind(host: "127.0.0.1", port: 0).get()
    let discardPort = discard.localAddress?.port ?? 0
    let noCommit = OutputCommitter { _ in }
    let stream = StreamSink(name: "bench", config: TCPTransportConfig(host: "127.0.0.1", port: discardPort), logger: logger)
    let batches = recordBatches(of: events, bytes: rfc5424Records, lengths: rfc5424Lengths)
    let streamStart = ContinuousClock.now
    for batch in batches {
        try await stream.write(batch, now: Timestamp(epochMilliseconds: 0), commit: noCommit)
    }
    try await stream.finish(now: Timestamp(epochMilliseconds: 0), commit: noCommit)
    let streamSeconds = (ContinuousClock.now - streamStart).secondsDouble
    print(String(format: "%-34@ %9.0f events/s  %7.1f MB/s  (%.3f s, batches of 1000, until the collector closed)",
                 "TCP transport alone (loopback)" as NSString, Double(events.count) / streamSeconds,
                 Double(rfc5424Records.readableBytes) / streamSeconds / 1e6, streamSeconds))
    try await discard.close().get()

    let udpTarget = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let udp = UDPSink(name: "bench", config: UDPTransportConfig(host: "127.0.0.1", port: udpTarget.localAddress?.port ?? 0, maxDatagramBytes: 65507), logger: logger)
    var unframed = ByteBuffer()
    var unframedLengths: [Int] = []
    for event in events {
        let start = unframed.writerIndex
        rfc5424JSON.encode(event, into: &unframed)
        unframedLengths.append(unframed.writerIndex - start)
    }
    let udpBatches = recordBatches(of: events, bytes: unframed, lengths: unframedLengths)
    let udpStart = ContinuousClock.now
    for batch in udpBatches {
        try await udp.write(batch, now: Timestamp(epochMilliseconds: 0), commit: noCommit)
    }
    let udpSeconds = (ContinuousClock.now - udpStart).secondsDouble
    print(String(format: "%-34@ %9.0f events/s  (%.3f s, one datagram per record)", "UDP transport alone (loopback)" as NSString,
                 Double(events.count) / udpSeconds, udpSeconds))
    try await udpTarget.close().get()
}

/// `events`' pre-encoded records (laid end to end in `bytes`, `lengths[i]` each) cut into batches
/// of 1000 as the output service hands them to a sink, built before the transport is timed.
private func recordBatches(of events: [ForwardedEvent], bytes: ByteBuffer, lengths: [Int]) -> [RecordBatch] {
    var offset = 0
    return stride(from: 0, to: events.count, by: 1000).map { start in
        let end = min(events.count, start + 1000)
        let batchLengths = Array(lengths[start..<end])
        let length = batchLengths.reduce(0, +)
        let slice = bytes.getSlice(at: bytes.readerIndex + offset, length: length)!
        offset += length
        return RecordBatch(bytes: slice, lengths: batchLengths, records: events[start..<end].map(RecordBatch.Record.init), through: Int64(end))
    }
}
