import Foundation
import NIOCore
import NIOPosix

/// A plain TCP connection for requests an HTTP client will not send: a head that promises more
/// body than is ever sent, or a chunked body without its end, to prove the server answers
/// without waiting for the rest.
struct RawHTTPConnection {
    /// Sends `head` (an HTTP/1.1 request head without the final blank line) and then `parts` as
    /// they are, and returns the status code of the answer, read before anything else is sent.
    static func statusAfterSending(port: Int, head: String, parts: [[UInt8]]) async throws -> (status: Int, head: String) {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: head + "\r\n\r\n"))
            for part in parts {
                try await outbound.write(ByteBuffer(bytes: part))
            }
            var received = ""
            for try await buffer in inbound {
                received += String(buffer: buffer)
                if let end = received.range(of: "\r\n\r\n") {
                    let responseHead = String(received[..<end.lowerBound])
                    let statusText = responseHead.split(separator: " ").dropFirst().first ?? ""
                    return (Int(statusText) ?? 0, responseHead)
                }
            }
            return (0, received)
        }
    }

    /// Opens a connection, sends `head` and `parts`, and leaves it open (an upload that stalls);
    /// the caller closes the channel.
    static func stalledUpload(port: Int, head: String, parts: [[UInt8]]) async throws -> any Channel {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: head + "\r\n\r\n"))
        for part in parts {
            try await channel.writeAndFlush(ByteBuffer(bytes: part))
        }
        return channel
    }

    /// One chunk of a chunked body.
    static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        Array((String(bytes.count, radix: 16) + "\r\n").utf8) + bytes + Array("\r\n".utf8)
    }
}
