import CoreMetrics
@testable import EventStreamsReceiver
import Synchronization
import Testing

@Suite("webhook request counters")
struct WebhookMetricsTests {
    /// Counts the handles it is asked for and what they are incremented by, per label and dimensions.
    final class CountingFactory: MetricsFactory, Sendable {
        /// One counter's running total.
        final class Handler: CounterHandler, Sendable {
            let value = Mutex<Int64>(0)
            func increment(by amount: Int64) { value.withLock { $0 += amount } }
            func reset() { value.withLock { $0 = 0 } }
        }

        let made = Mutex<[String: Int]>([:])
        let handlers = Mutex<[String: Handler]>([:])

        func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
            let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
            made.withLock { $0[key, default: 0] += 1 }
            return handlers.withLock { handlers in
                if let existing = handlers[key] { return existing }
                let handler = Handler()
                handlers[key] = handler
                return handler
            }
        }

        func value(_ key: String) -> Int64 { handlers.withLock { $0[key] }?.value.withLock { $0 } ?? 0 }

        func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
            NOOPMetricsHandler.instance
        }

        func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { NOOPMetricsHandler.instance }
        func destroyCounter(_ handler: any CounterHandler) {}
        func destroyRecorder(_ handler: any RecorderHandler) {}
        func destroyTimer(_ handler: any TimerHandler) {}
    }

    @Test("each status and reason gets one handle, made once and counted on every request")
    func handlesMadeOnce() {
        let factory = CountingFactory()
        let metrics = WebhookMetrics(factory: factory)
        for _ in 0..<100 { metrics.answered(status: 200) }
        for _ in 0..<3 {
            metrics.answered(status: 403)
            metrics.rejected(reason: "signature_invalid")
        }
        metrics.rejected(reason: "address")
        let requests = "siem_forwarder_event_streams_requests_total|status="
        let rejected = "siem_forwarder_event_streams_rejected_total|reason="
        #expect(factory.made.withLock { $0 } == [
            requests + "200": 1, requests + "403": 1, rejected + "signature_invalid": 1, rejected + "address": 1,
        ])
        #expect(factory.value(requests + "200") == 100)
        #expect(factory.value(requests + "403") == 3)
        #expect(factory.value(rejected + "signature_invalid") == 3)
        #expect(factory.value(rejected + "address") == 1)
    }
}
