import CoreMetrics
import Prometheus

/// Every metric the forwarder exports, with the `# HELP` text `/metrics` shows for it: one
/// prefix (`siem_forwarder_`), units in the names. Docs/OPERATIONS.md documents the same list, and
/// a test keeps the two in step.
package enum MetricCatalog {
    package static let help: [String: String] = [
        "siem_forwarder_build_info": "Always 1; the version label says which release runs.",
        "siem_forwarder_monitor_requests_total": "Monitor API requests, retries included.",
        "siem_forwarder_monitor_retries_total": "Monitor API requests retried (429, 5xx, timeouts, resets, unreadable pages).",
        "siem_forwarder_monitor_events_total": "Monitor events fetched, by result: new to the journal or a duplicate of one it holds.",
        "siem_forwarder_monitor_watermark_lag_seconds": "How far what the Monitor poller has seen trails now; grows while the API fails.",
        "siem_forwarder_monitor_last_success_timestamp_seconds": "When the Monitor poller last completed a window (Unix time).",
        "siem_forwarder_event_streams_requests_total": "Event Streams webhook requests answered, by HTTP status.",
        "siem_forwarder_event_streams_rejected_total": "Event Streams webhook requests refused, by reason.",
        "siem_forwarder_event_streams_events_total": "CloudEvents received, by result: new to the journal or a duplicate (Twilio retries).",
        "siem_forwarder_event_streams_pending_requests": "Webhook deliveries waiting to be stored; at max_pending_requests new ones get 429.",
        "siem_forwarder_event_streams_commit_duration_seconds": "How long one group commit of webhook deliveries took.",
        "siem_forwarder_event_streams_commit_batch_deliveries": "Webhook deliveries stored by one group commit.",
        "siem_forwarder_nats_messages_total": "Stream messages the NATS source took, by result: new to the journal, a duplicate, or rejected (not an NDJSON record; left in the stream).",
        "siem_forwarder_nats_pending_messages": "Messages in the stream the NATS source's durable consumer has not fetched yet.",
        "siem_forwarder_merge_released_total": "Events given a release sequence (handed to the outputs).",
        "siem_forwarder_merge_late_total": "Events released after their time had already been released (flagged late).",
        "siem_forwarder_merge_frontier_lag_seconds": "How far the release frontier trails now.",
        "siem_forwarder_merge_delay_seconds": "How long the oldest event waiting for release has waited (at most merge.max_delay normally).",
        "siem_forwarder_output_events_total": "Events written to the output.",
        "siem_forwarder_output_bytes_total": "Bytes written to the output, framing included (before compression).",
        "siem_forwarder_output_failures_total": "Times the output failed and restarted from its committed position.",
        "siem_forwarder_output_event_age_seconds": "Event-time age of the newest event the output wrote.",
        "siem_forwarder_output_pending_events": "Released events the output has not delivered yet.",
        "siem_forwarder_output_lag_seconds": "How long ago the forwarder received the oldest event the output has not delivered.",
        "siem_forwarder_output_connections_total": "Connections a TCP or TLS output opened.",
        "siem_forwarder_output_connect_failures_total": "Connection attempts of a TCP or TLS output that failed.",
        "siem_forwarder_output_unconfirmed_records": "Records a TCP or TLS output wrote that the collector has not confirmed yet.",
        "siem_forwarder_output_unconfirmed_resent_total": "Unconfirmed records a TCP or TLS output sent again after a connection ended.",
        "siem_forwarder_output_truncated_total": "UDP records cut to max_datagram_bytes.",
        "siem_forwarder_output_dropped_total": "UDP records the kernel refused to send (best effort).",
        "siem_forwarder_output_directory_free_bytes": "Free space of the file system holding the file output's directory.",
        "siem_forwarder_journal_size_bytes": "Size of the journal with its write-ahead log.",
        "siem_forwarder_state_free_bytes": "Free space of the file system holding state.dir.",
    ]
}

/// swift-metrics' factory for the Prometheus registry, adding each family's `# HELP` from the
/// catalog (the plain factory writes none).
package struct CatalogedMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let plain: PrometheusMetricsFactory

    package init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        self.plain = PrometheusMetricsFactory(registry: registry)
    }

    package func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard let help = MetricCatalog.help[label] else { return plain.makeCounter(label: label, dimensions: dimensions) }
        return registry.makeCounter(descriptor: Self.descriptor(label, help), labels: dimensions)
    }

    package func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        plain.makeFloatingPointCounter(label: label, dimensions: dimensions)
    }

    package func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard let help = MetricCatalog.help[label] else { return plain.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate) }
        return aggregate
            ? registry.makeValueHistogram(descriptor: Self.descriptor(label, help), labels: dimensions, buckets: Self.valueBuckets)
            : registry.makeGauge(descriptor: Self.descriptor(label, help), labels: dimensions)
    }

    package func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        guard let help = MetricCatalog.help[label] else { return plain.makeMeter(label: label, dimensions: dimensions) }
        return registry.makeGauge(descriptor: Self.descriptor(label, help), labels: dimensions)
    }

    package func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard let help = MetricCatalog.help[label] else { return plain.makeTimer(label: label, dimensions: dimensions) }
        return registry.makeDurationHistogram(descriptor: Self.descriptor(label, help), labels: dimensions, buckets: Self.durationBuckets)
    }

    /// The whole label is the name (units are already in it); the catalog's text is its HELP.
    static func descriptor(_ label: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: help)
    }

    package func destroyCounter(_ handler: any CounterHandler) { plain.destroyCounter(handler) }
    package func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { plain.destroyFloatingPointCounter(handler) }
    package func destroyRecorder(_ handler: any RecorderHandler) { plain.destroyRecorder(handler) }
    package func destroyMeter(_ handler: any MeterHandler) { plain.destroyMeter(handler) }
    package func destroyTimer(_ handler: any TimerHandler) { plain.destroyTimer(handler) }

    static let durationBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                              .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5)]
    static let valueBuckets: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500]
}
