/// The built-in copy of `pipelines/demo.yaml`, so `demo` works from any directory. A test keeps
/// the two identical.
enum DemoPipeline {
    static let yaml = #"""
# The pipeline `siem-forwarder demo` runs against the built-in Twilio simulator.
# SIMULATOR_URL and DEMO_OUTPUT_DIR are set by the demo command.
state:
  dir: ${DEMO_OUTPUT_DIR}/state
  retention: 1d
server:
  listen: 127.0.0.1:0
log:
  level: warning
  format: text
sources:
  monitor:
    base_url: ${SIMULATOR_URL}
    account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    password: simulator-auth-token
    poll_interval: 2s
    lookback: 10s
    page_size: 1000
    backfill: 2d
merge:
  max_hold: 30s
outputs:
  - name: splunk
    format: ndjson
    transport:
      type: file
      path: ${DEMO_OUTPUT_DIR}/ndjson/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz
      gzip_level: 6
      rotate: { max_bytes: 4MiB, max_age: 10s }
"""#
}
