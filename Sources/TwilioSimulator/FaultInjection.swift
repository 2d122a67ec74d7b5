import CNIOLinux
import Hummingbird
import NIOCore
import NIOPosix

/// The transport-level faults: dropping the connection without an answer, answering with a
/// body cut short, and answering slowly. (Status-code faults are ordinary ``APIResponse``s.)
enum FaultInjection {
    /// Thrown after the connection was dropped on purpose, so nothing more is written.
    struct ConnectionDropped: Error {}
    /// Thrown by a body writer halfway through, which makes the server close the connection.
    struct BodyTruncated: Error {}

    /// Resets the TCP connection (SO_LINGER 0, then close: the peer gets RST, no response).
    static func reset(_ channel: any Channel) async throws -> Never {
        if let provider = channel as? any SocketOptionProvider {
            try? await provider.setSoLinger(NIOLinger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close().get()
        throw ConnectionDropped()
    }

    /// `response` with its body cut: either the headers promise the full length and the
    /// connection closes early (`closeEarly`), or the response is well framed but its body is
    /// only a prefix, which is not valid JSON.
    static func truncated(_ response: APIResponse, closeEarly: Bool) -> Response {
        let full = response.body
        let cut = max(1, full.count * 2 / 5)
        let prefix = Array(full.prefix(cut))
        var headers = HTTPFields(response)
        if closeEarly {
            headers[.contentLength] = String(full.count)
            let body = ResponseBody(contentLength: full.count) { writer in
                try await writer.write(ByteBuffer(bytes: prefix))
                throw BodyTruncated()
            }
            return Response(status: .init(code: response.status), headers: headers, body: body)
        }
        return Response(status: .init(code: response.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: prefix)))
    }

    /// `response` with its status, headers and the first half of its body at once, and the rest
    /// only after `delay`: a slow page, which a client's timeout has to cut in the middle of the body.
    static func slowBody(_ response: APIResponse, delay: Duration) -> Response {
        let full = response.body
        let half = full.count / 2
        var headers = HTTPFields(response)
        headers[.contentLength] = String(full.count)
        let body = ResponseBody(contentLength: full.count) { writer in
            try await writer.write(ByteBuffer(bytes: full[..<half]))
            try await Task.sleep(for: delay)
            try await writer.write(ByteBuffer(bytes: full[half...]))
            try await writer.finish(nil)
        }
        return Response(status: .init(code: response.status), headers: headers, body: body)
    }
}

extension HTTPFields {
    /// Content type plus the response's extra headers.
    init(_ response: APIResponse) {
        self.init()
        self[.contentType] = response.contentType
        if let retryAfter = response.retryAfter { self[.retryAfter] = retryAfter }
        if let challenge = response.wwwAuthenticate { self[.wwwAuthenticate] = challenge }
    }
}

extension APIResponse {
    var hummingbirdResponse: Response {
        Response(
            status: .init(code: status), headers: HTTPFields(self),
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
