import ForwarderCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One plain-HTTP GET of a readiness URL within a deadline, for `health`: the status and body, or
/// why there was none. The connection is closed at the deadline, so the probe never outlives it.
enum ReadinessProbe {
    /// What came back.
    enum Outcome: Sendable {
        case answered(status: Int, body: [UInt8])
        case refused(reason: String)
        case timedOut
    }

    /// The most of a body that is read; `/readyz` answers a few hundred bytes.
    static let maxBodyBytes = 64 * 1024

    static func get(_ target: HealthTarget, timeout: Duration) async -> Outcome {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(timeout))
                .connect(host: target.host, port: target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
            let closing = channel.channel.eventLoop.scheduleTask(deadline: deadline) { channel.channel.close(promise: nil) }
            defer { closing.cancel() }
            return try await channel.executeThenClose { inbound, outbound in
                var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.path)
                head.headers.add(name: "Host", value: target.authority)
                head.headers.add(name: "User-Agent", value: "siem-forwarder-health/\(ForwarderVersion.current)")
                head.headers.add(name: "Connection", value: "close")
                try await outbound.write(.head(head))
                try await outbound.write(.end(nil))
                var status: Int?
                var body: [UInt8] = []
                for try await part in inbound {
                    switch part {
                    case .head(let response):
                        status = Int(response.status.code)
                    case .body(let buffer):
                        body.append(contentsOf: buffer.readableBytesView.prefix(maxBodyBytes - body.count))
                    case .end:
                        if let status { return .answered(status: status, body: body) }
                    }
                }
                return NIODeadline.now() >= deadline ? .timedOut : .refused(reason: "the connection closed before a complete answer")
            }
        } catch {
            return NIODeadline.now() >= deadline ? .timedOut : .refused(reason: reason(error))
        }
    }

    /// The operating system's words for a failed connection ("connection refused"), else the error.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            if let failure = error.connectionErrors.first { return reason(failure.error) }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "\(error.host) does not resolve" }
            return "no address of \(error.host) accepts connections"
        case let error as IOError:
            let text = String(cString: strerror(error.errnoCode))
            return text.prefix(1).lowercased() + text.dropFirst()
        case ChannelError.connectTimeout:
            return "no connection within the timeout"
        default:
            return "\(error)"
        }
    }
}

/// What `health` says and how it exits, from what the probe got. No I/O.
struct HealthVerdict {
    var ready: Bool
    var line: String

    init(target: HealthTarget, outcome: ReadinessProbe.Outcome, timeout: Double) {
        let url = target.url
        switch outcome {
        case .answered(let status, _) where status == 200:
            ready = true
            line = "Ready: \(url) answered 200."
        case .answered(let status, let body):
            ready = false
            line = "Not ready: \(url) answered \(status)\(Self.explanation(status: status, body: body))."
        case .refused(let reason):
            ready = false
            line = "Not ready: nothing answers at \(url) (\(reason))."
        case .timedOut:
            ready = false
            let seconds = timeout == timeout.rounded() ? String(Int(timeout)) : String(timeout)
            line = "Not ready: \(url) did not answer within \(seconds) s."
        }
    }

    /// `: journal: disk full; source:event_streams: stopping` from a `/readyz` JSON body (its
    /// components that are not ready), else the body's first line; a hint for a 404.
    static func explanation(status: Int, body: [UInt8]) -> String {
        if let report = try? JSONReader.parse(body), case .object(let members)? = report["components"] {
            let failing = members.filter { $0.value["ready"] != .bool(true) }
                .map { "\($0.key): \($0.value["detail"]?.scalarText ?? "not ready")" }
            if !failing.isEmpty { return ": " + failing.joined(separator: "; ") }
        }
        if status == 404 { return " (is this the operations listener, operations.listen?)" }
        let text = String(decoding: body, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? "" : ": " + String(trimmed.prefix(300))
    }
}
