import ForwarderCore
import Hummingbird
import EventStreamsReceiver

/// Guards the admin API: `Authorization: Bearer <admin.token>`, compared in constant time;
/// anything else is answered 401 with a reason and `WWW-Authenticate: Bearer`.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = ForwarderRequestContext
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), ConstantTime.equal(String(header.dropFirst(prefix.count)), token) else {
            let reason = header.isEmpty ? "the admin API needs Authorization: Bearer <admin.token>" : "the admin token does not match"
            return Response(
                status: .unauthorized,
                headers: [.contentType: "application/json", .wwwAuthenticate: "Bearer"],
                body: .init(byteBuffer: JSONBody.error(reason))
            )
        }
        return try await next(request, context)
    }
}

/// Small JSON answers of the operations listener.
enum JSONBody {
    /// `{"error":"…"}` with a trailing newline.
    static func error(_ reason: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString("{\"error\":")
        buffer.writeJSONString(reason)
        buffer.writeStaticString("}\n")
        return buffer
    }
}

extension ForwarderHTTPServer {
    /// The `/admin` route group behind the bearer token, or nil when no `admin.token` is set (its
    /// routes are then absent: 404).
    static func adminGroup(on router: Router<ForwarderRequestContext>, token: String?) -> RouterGroup<ForwarderRequestContext>? {
        guard let token, !token.isEmpty else { return nil }
        return router.group("admin").add(middleware: AdminAuthMiddleware(token: token))
    }
}
