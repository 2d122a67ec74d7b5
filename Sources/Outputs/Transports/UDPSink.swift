import ForwarderCore
import Journal
import Logging
import Metrics
import NIOCore
import NIOPosix
import Synchronization

/// Sends syslog over UDP (RFC 5426): one record per datagram to one collector.
///
/// Delivery is at most once. The position is committed as soon as a batch's datagrams are handed
/// to the kernel: UDP has no acknowledgement, so a collector that is down, restarting or too slow
/// loses those records, and nothing is sent again. Send failures (a refusal reported by ICMP,
/// no route, a full buffer) are counted in `siem_forwarder_output_dropped_total` and logged at most
/// every ten seconds; they never stop the output. Records longer than `maxDatagramBytes` are cut
/// at the last UTF-8 character boundary at or before the limit (RFC 5426 §3.2 lets a sender
/// truncate) and counted in `siem_forwarder_output_truncated_total`.
///
/// The host name is resolved when the first datagram is sent and again after a send fails (at
/// most every five seconds; if it then fails to resolve, the last address is kept). A name that
/// never resolved is the one error that is thrown, so the output waits and retries instead of
/// dropping everything it reads.
package actor UDPSink: RecordSink {
    private let name: String
    private let config: UDPTransportConfig
    private let group: any EventLoopGroup
    private let logger: Logger
    private let drops: DropReporter
    private let truncated: Counter
    private var channel: (any Channel)?
    private var address: SocketAddress?
    private var needsResolve = true
    private var lastResolve: ContinuousClock.Instant?
    private static let reresolveInterval = Duration.seconds(5)

    /// A sink sending to `config.host:config.port`; `name` is the output's name, used in
    /// metrics (dimension `output`) and messages.
    package init(name: String, config: UDPTransportConfig, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger) {
        self.name = name
        self.config = config
        self.group = group
        self.logger = logger
        drops = DropReporter(output: name, endpoint: "udp://\(config.host):\(config.port)", logger: logger)
        truncated = Counter(label: "siem_forwarder_output_truncated_total", dimensions: [("output", name)])
    }

    private var endpoint: String { "udp://\(config.host):\(config.port)" }

    package func recover(position: OutputPosition, files: [OutputFile], commit: OutputCommitter) async throws -> OutputPosition {
        position
    }

    /// Sends each record of `batch` as one datagram, by the batch's record boundaries.
    package func write(_ batch: RecordBatch, now: Timestamp, commit: OutputCommitter) async throws {
        guard batch.count > 0 else { return }
        let records = batch.bytes
        let channel = try await openChannel()
        var futures: [EventLoopFuture<Void>] = []
        futures.reserveCapacity(batch.count)
        var offset = records.readerIndex
        var cut = 0
        for length in batch.lengths {
            guard var datagram = records.getSlice(at: offset, length: length) else { break }
            offset += length
            let limit = Self.truncationLength(of: datagram, limit: config.maxDatagramBytes)
            if limit < length {
                datagram.moveWriterIndex(to: limit)
                cut += 1
            }
            futures.append(channel.write(datagram))
        }
        channel.flush()
        if cut > 0 { truncated.increment(by: cut) }
        let results = try await EventLoopFuture.whenAllComplete(futures, on: channel.eventLoop).get()
        var failed = 0
        var firstError: (any Error)?
        for case .failure(let error) in results {
            failed += 1
            if firstError == nil { firstError = error }
        }
        if let firstError {
            drops.dropped(failed, reason: TransportError.reason(firstError))
            needsResolve = true
        }
        try await commit(.position(OutputPosition(sequence: batch.through)))
    }

    package func tick(now: Timestamp, commit: OutputCommitter) async throws {}

    package func nextDeadline() async -> Timestamp? { nil }

    package func finish(now: Timestamp, commit: OutputCommitter) async throws {
        if let channel {
            self.channel = nil
            try? await channel.close()
        }
    }

    /// How many leading bytes of `datagram` to send: all of them when within `limit`, else the
    /// longest prefix of at most `limit` bytes that does not end inside a UTF-8 sequence.
    package static func truncationLength(of datagram: ByteBuffer, limit: Int) -> Int {
        let length = datagram.readableBytes
        guard length > limit else { return length }
        var cut = max(0, limit)
        while cut > 0, let byte = datagram.getInteger(at: datagram.readerIndex + cut, as: UInt8.self), byte & 0xC0 == 0x80 {
            cut -= 1
        }
        return cut
    }

    private func openChannel() async throws -> any Channel {
        if needsResolve, lastResolve.map({ ContinuousClock.now - $0 >= Self.reresolveInterval }) ?? true {
            needsResolve = false
            lastResolve = .now
            let resolved: SocketAddress?
            do {
                resolved = try await resolve()
            } catch {
                guard address != nil else { throw error }
                logger.warning("Output \(name) keeps sending to the address it had: \(error)")
                resolved = nil
            }
            if let resolved, resolved != address {
                address = resolved
                closeChannel()
            }
        }
        if let channel, channel.isActive { return channel }
        closeChannel()
        guard let address else {
            needsResolve = true
            throw TransportError(.resolve, output: name, endpoint: endpoint, underlying: "no address")
        }
        let drops = self.drops
        do {
            let opened = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramErrorHandler(drops: drops))
                    }
                }
                .connect(to: address).get()
            channel = opened
            logger.info("Output \(name) sending datagrams to \(address)")
            return opened
        } catch {
            needsResolve = true
            throw TransportError(.connect, output: name, endpoint: endpoint, error: error)
        }
    }

    private func resolve() async throws(TransportError) -> SocketAddress {
        let host = config.host
        let port = config.port
        do {
            return try await NIOThreadPool.singleton.runIfActive {
                try SocketAddress.makeAddressResolvingHost(host, port: port)
            }
        } catch {
            throw TransportError(.resolve, output: name, endpoint: endpoint, error: error)
        }
    }

    private func closeChannel() {
        guard let stale = channel else { return }
        channel = nil
        stale.close(promise: nil)
    }
}

/// Counts dropped datagrams and logs them at most every ten seconds, from the sink and from the
/// event loop (refusals reported by ICMP arrive as read errors).
final class DropReporter: Sendable {
    private struct Window {
        var lastLog: ContinuousClock.Instant?
        var unreported = 0
    }

    private let output: String
    private let endpoint: String
    private let logger: Logger
    private let counter: Counter
    private let window = Mutex(Window())
    private static let logInterval = Duration.seconds(10)

    init(output: String, endpoint: String, logger: Logger) {
        self.output = output
        self.endpoint = endpoint
        self.logger = logger
        counter = Counter(label: "siem_forwarder_output_dropped_total", dimensions: [("output", output)])
    }

    func dropped(_ count: Int, reason: String) {
        counter.increment(by: count)
        let now = ContinuousClock.now
        let report: Int? = window.withLock { window in
            window.unreported += count
            if let last = window.lastLog, now - last < Self.logInterval { return nil }
            window.lastLog = now
            defer { window.unreported = 0 }
            return window.unreported
        }
        if let report {
            logger.warning("Output \(output) dropped \(report) datagrams to \(endpoint) (\(reason)); UDP does not resend, check that the collector is listening")
        }
    }
}

/// Discards anything the collector sends back and reports the errors a connected UDP socket
/// receives (ECONNREFUSED after an ICMP port unreachable) as drops.
final class DatagramErrorHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let drops: DropReporter

    init(drops: DropReporter) {
        self.drops = drops
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        drops.dropped(1, reason: TransportError.reason(error))
    }
}
