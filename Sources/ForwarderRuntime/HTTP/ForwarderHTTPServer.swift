import EventStreamsReceiver
import ForwarderCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// The routes of the operations listener: liveness, readiness, status and metrics (the admin API
/// adds its own). The public listener carries only the Event Streams webhook.
package enum ForwarderHTTPServer {
    /// Adds `/healthz`, `/readyz`, `/status` and `/metrics` to a router.
    package static func addOperationalRoutes(
        to router: Router<ForwarderRequestContext>, readiness: @escaping @Sendable () async -> ReadinessReport,
        status: @escaping @Sendable () async -> ReadinessReport, metrics: PrometheusCollectorRegistry?
    ) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}\n")))
        }
        router.get("/readyz") { _, _ in render(await readiness()) }
        router.get("/status") { _, _ in render(await status()) }
        router.get("/metrics") { _, _ in
            var bytes: [UInt8] = []
            metrics?.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes))
            )
        }
    }

    /// `{"ready":…,"components":{name:{"ready":…,"detail":…}}}`, 200 when every component is ready, else 503.
    static func render(_ report: ReadinessReport) -> Response {
            var buffer = ByteBuffer()
            buffer.writeStaticString("{\"ready\":")
            buffer.writeStaticString(report.ready ? "true" : "false")
            buffer.writeStaticString(",\"components\":{")
            for (k, component) in report.components.enumerated() {
                if k > 0 { buffer.writeStaticString(",") }
                buffer.writeJSONString(component.name)
                buffer.writeStaticString(":{\"ready\":")
                buffer.writeStaticString(component.ready ? "true" : "false")
                buffer.writeStaticString(",\"detail\":")
                buffer.writeJSONString(component.detail)
                buffer.writeStaticString("}")
            }
            buffer.writeStaticString("}}\n")
            return Response(status: report.ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}

/// Readiness of the whole forwarder: each component with a reason when it is not ready.
package struct ReadinessReport: Sendable {
    /// One component's readiness.
    package struct Component: Sendable {
        package var name: String
        package var ready: Bool
        package var detail: String
    }

    package var components: [Component]
    package var ready: Bool { components.allSatisfy(\.ready) }
}
