#!/usr/bin/env bash
# Delivery latency of the release binary (see Benchmarks/README.md):
#  1. live: both sources, the Monitor source at its defaults (poll_interval 60s, lookback 10m),
#     an append file and RFC 5424 over TCP; Event Streams 200 → record in each output and Monitor
#     event visible in the simulator → record in each output, p50/p90/p99/max;
#  2. catch-up: 6 days × 20,000 Monitor events into gzip files with max_age 1s under `run`: the
#     time from the last page journaled to every event in a completed file.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
SECONDS_LIVE=${SECONDS_LIVE:-150}
swift build -c release --scratch-path "$SCRATCH" --product siem-forwarder >/dev/null
swift build -c release --scratch-path "$SCRATCH" --product latency-bench >/dev/null
bin=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
"$bin/latency-bench" live "$bin/siem-forwarder" "$SECONDS_LIVE" 300
"$bin/latency-bench" catchup "$bin/siem-forwarder" 6 20000
