#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// What the event loop has seen of one stream connection, shared with the sink: whether the
/// peer closed or the connection failed, and how many bytes went into the socket.
final class ConnectionState: Sendable {
    /// The connection's life as the event loop sees it.
    enum Phase: Sendable, Equatable {
        case open
        /// The peer closed its side cleanly (TCP FIN, or TLS close_notify); the socket is still
        /// ours to query and close.
        case peerClosed
        /// The channel closed without an error: closed by this side, or by the peer after this
        /// side had closed its output.
        case closed
        /// The connection failed; the reason is for messages.
        case failed(String)

        /// Why a connection in this phase can no longer be written to, for messages; nil while open.
        var endReason: String? {
            switch self {
            case .open: nil
            case .peerClosed: "it closed the connection"
            case .closed: "connection closed"
            case .failed(let reason): reason
            }
        }
    }

    private let phase = Mutex(Phase.open)
    /// Bytes handed to the socket on this connection, TLS records included.
    let bytesSent = Atomic<Int64>(0)
    /// The collector ended TLS with its close_notify: it read every record sent before ours. A
    /// plain TCP close (or a TLS close without close_notify) proves nothing about records still
    /// in flight, so it never sets this.
    let closedWithCloseNotify = Atomic<Bool>(false)
    /// Completes when the peer closes or the connection fails; never fails.
    let ended: EventLoopPromise<Void>
    /// Completes when the connection is ready for records: at once for TCP, after the
    /// handshake for TLS.
    let ready: EventLoopPromise<Void>

    init(eventLoop: any EventLoop) {
        ended = eventLoop.makePromise()
        ready = eventLoop.makePromise()
    }

    var current: Phase { phase.withLock { $0 } }

    func peerClosed() {
        phase.withLock { if $0 == .open { $0 = .peerClosed } }
        ended.succeed()
    }

    func failed(_ reason: String) {
        phase.withLock { if $0 == .open || $0 == .peerClosed { $0 = .failed(reason) } }
        ended.succeed()
    }

    func closed() {
        phase.withLock { if $0 == .open || $0 == .peerClosed { $0 = .closed } }
        ended.succeed()
    }
}

/// Counts the bytes that go into the socket. It sits next to the socket, below TLS, so the count
/// is comparable with what the kernel reports as acknowledged.
final class ByteCountingHandler: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let state: ConnectionState

    init(state: ConnectionState) {
        self.state = state
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        state.bytesSent.add(Int64(unwrapOutboundIn(data).readableBytes), ordering: .relaxed)
        context.write(data, promise: promise)
    }
}

/// The last handler of a stream connection: discards what the collector sends, and records
/// the handshake, the peer's close and failures in the shared ``ConnectionState``. It lives on
/// the connection's event loop.
final class ConnectionEventHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let state: ConnectionState
    private let tls: Bool
    /// NIOSSL reported a TCP FIN without close_notify; the `inputClosed` it sends next is not one.
    private var uncleanShutdown = false

    init(state: ConnectionState, tls: Bool) {
        self.state = state
        self.tls = tls
    }

    func channelActive(context: ChannelHandlerContext) {
        if !tls { state.ready.succeed() }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            // Through NIOSSL, input closes on the collector's close_notify, or after a TCP FIN
            // without one, which NIOSSL reports first as an unclean shutdown.
            if tls, !uncleanShutdown { state.closedWithCloseNotify.store(true, ordering: .releasing) }
            state.peerClosed()
            state.ready.fail(ChannelError.eof)
        case TLSUserEvent.handshakeCompleted:
            state.ready.succeed()
        case TLSUserEvent.shutdownCompleted:
            state.closedWithCloseNotify.store(true, ordering: .releasing)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TCP FIN without TLS close_notify: the peer closed; `inputClosed` follows.
        if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl {
            uncleanShutdown = true
            return
        }
        state.failed(TransportError.reason(error))
        state.ready.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.closed()
        state.ready.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }
}

/// Reads from the kernel how much of what was sent on a TCP connection the peer has
/// acknowledged.
enum TCPAcknowledgement {
    #if os(Linux)
    /// Room for the kernel's `struct tcp_info` (232 bytes in Linux 6.x; the kernel copies at most
    /// the size asked for, and NIO zeroes the buffer first).
    private typealias RawTCPInfo = (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
    )
    /// Offset of `tcpi_bytes_acked` (Linux 4.1+) in `struct tcp_info` of `<linux/tcp.h>`. The
    /// struct only grows at its end and has no padding before this field on any architecture;
    /// Glibc's own `struct tcp_info` stops before it, hence the raw read.
    private static let bytesAckedOffset = 120
    #endif

    /// Payload bytes the peer has acknowledged on this connection, or nil where the system does
    /// not say. `tcpi_bytes_acked` counts the SYN as one byte, which is taken off.
    static func bytesAcked(_ channel: any Channel) async throws -> Int64? {
        #if os(Linux)
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        let info: RawTCPInfo = try await provider.unsafeGetSocketOption(level: .tcp, name: .tcp_info).get()
        let acked = withUnsafeBytes(of: info) { $0.load(fromByteOffset: bytesAckedOffset, as: UInt64.self) }
        return max(0, Int64(clamping: acked) - 1)
        #else
        return nil
        #endif
    }
}
