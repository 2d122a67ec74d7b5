/// The built-in copy of `pipelines/demo.yaml`, so `demo` works from any directory. A test keeps
/// the two identical.
enum DemoPipeline {
    static let yaml = #"""
# The pipeline `siem-forwarder demo` runs against the built-in Twilio simulator.
# SIMULATOR_URL, FORWARDER_PORT, OPERATIONS_PORT and DEMO_OUTPUT_DIR are set by the demo command.
# Their defaults let it run by hand too, from the repository's top directory:
#   siem-forwarder simulate --port 8081 --webhook-url http://127.0.0.1:8080/webhooks/event-streams
#   siem-forwarder run --config pipelines/demo.yaml
state:
  dir: ${DEMO_OUTPUT_DIR:-./demo-output}/state
  retention: 1d
server:
  listen: 127.0.0.1:${FORWARDER_PORT:-8080}
operations:
  listen: 127.0.0.1:${OPERATIONS_PORT:-9464}
log:
  level: warning
  format: text
sources:
  monitor:
    base_url: ${SIMULATOR_URL:-http://127.0.0.1:8081}
    account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    password: simulator-auth-token
    poll_interval: 2s
    lookback: 5s
    page_size: 1000
    backfill: 2d
  event_streams:
    path: /webhooks/event-streams
    public_url: http://127.0.0.1:${FORWARDER_PORT:-8080}/webhooks/event-streams
    auth_token: simulator-auth-token
    allowed_delay: 2s
merge:
  max_hold: 30s
outputs:
  - name: splunk
    format: ndjson
    transport:
      type: file
      path: ${DEMO_OUTPUT_DIR:-./demo-output}/ndjson/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz
      gzip_level: 6
      rotate: { max_bytes: 4MiB, max_age: 10s }
  - name: syslog-archive
    format: rfc5424
    rfc5424: { hostname: demo-forwarder }
    transport:
      type: file
      path: ${DEMO_OUTPUT_DIR:-./demo-output}/rfc5424/twilio-{seq}.log
      rotate: { max_bytes: 4MiB }
  - name: arcsight
    format: cef
    cef: { syslog_header: true, hostname: demo-forwarder }
    transport:
      type: file
      path: ${DEMO_OUTPUT_DIR:-./demo-output}/cef/twilio-{seq}.cef
      rotate: { max_bytes: 4MiB }
"""#
}
