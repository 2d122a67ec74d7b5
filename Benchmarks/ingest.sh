#!/usr/bin/env bash
# Durable ingest throughput of the Event Streams endpoint: a release `siem-forwarder run` with
# only the webhook source and a gzip NDJSON output, loaded by `ingest-bench` (16 clients POSTing
# signed arrays of 50 IAM CloudEvents). Prints req/s, events/s, p50/p99 latency, journal
# transactions per request (from /metrics), and checks every event reached the files once.
# Then the cost of durability: the same receiver and HTTP server alone (`ingest-server`), once
# storing each batch in a journal and once storing nothing, under the same load.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-16}
BATCH=${BATCH:-50}
REQUESTS=${REQUESTS:-4000}
PORT=${PORT:-18556}
OPS_PORT=${OPS_PORT:-19556}

SCRATCH=${SCRATCH:-.build-release}
for product in siem-forwarder ingest-bench ingest-server; do
    swift build -c release --scratch-path "$SCRATCH" --product "$product" >/dev/null
done
bin=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
work=$(mktemp -d)
fwd=; srv=
trap 'kill $fwd $srv 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/bench.yaml" <<YAML
state:
  dir: $work/state
server:
  listen: 127.0.0.1:$PORT
operations:
  listen: 127.0.0.1:$OPS_PORT
log:
  level: warning
sources:
  event_streams:
    path: /webhooks/event-streams
    public_url: http://127.0.0.1:$PORT/webhooks/event-streams
    auth_token: bench-token
    allowed_delay: 1s
outputs:
  - name: files
    format: ndjson
    transport:
      type: file
      path: $work/out/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz
      rotate: { max_bytes: 64MiB, max_age: 5m }
YAML

"$bin/siem-forwarder" run --config "$work/bench.yaml" > "$work/forwarder.log" 2>&1 &
fwd=$!
until curl -sf "http://127.0.0.1:$OPS_PORT/healthz" >/dev/null; do sleep 0.1; done

echo "== siem-forwarder run (journal, merger, gzip NDJSON output)"
"$bin/ingest-bench" "http://127.0.0.1:$PORT/webhooks/event-streams" bench-token "$CLIENTS" "$BATCH" "$REQUESTS"

metrics=$(curl -sf "http://127.0.0.1:$OPS_PORT/metrics")
commits=$(echo "$metrics" | awk '/^siem_forwarder_event_streams_commit_duration_seconds_count/ {print $NF}')
commits=${commits:-0}
new=$(echo "$metrics" | awk '/^siem_forwarder_event_streams_events_total\{result="new"\}/ {print $2}')
echo "journal transactions: $commits for $REQUESTS requests ($(awk -v c="$commits" -v r="$REQUESTS" 'BEGIN {printf "%.3f", c / r}') per request); new events: $new"

expected=$((REQUESTS * BATCH))
# Events within allowed_delay of "now" are released a moment later; wait for the output to have
# written all of them before stopping (a stop earlier would keep the rest, durably, for next run).
for _ in $(seq 1 600); do
    written=$(curl -sf "http://127.0.0.1:$OPS_PORT/metrics" | awk '/^siem_forwarder_output_events_total/ {print $2}')
    [ "${written:-0}" -ge "$expected" ] && break
    sleep 0.1
done
kill -TERM $fwd
wait $fwd || true
lines=$(find "$work/out" -name '*.ndjson.gz' -exec zcat {} + | wc -l)
unique=$(find "$work/out" -name '*.ndjson.gz' -exec zcat {} + | grep -o '"event":{"id":"[^"]*"' | sort -u | wc -l)
echo "records in files: $lines, unique ids: $unique, expected: $expected"
[ "$lines" -eq "$expected" ] && [ "$unique" -eq "$expected" ] || { echo "MISMATCH"; exit 1; }

for mode in durable discard; do
    echo "== ingest-server $mode (the receiver alone; $([ $mode = durable ] && echo "a journal, one fsync per batch" || echo "no journal"))"
    mkdir -p "$work/$mode"
    "$bin/ingest-server" "$mode" "$PORT" "$work/$mode" "http://127.0.0.1:$PORT/webhooks/event-streams" bench-token > "$work/$mode.log" 2>&1 &
    srv=$!
    until grep -q listening "$work/$mode.log" 2>/dev/null; do sleep 0.1; done
    "$bin/ingest-bench" "http://127.0.0.1:$PORT/webhooks/event-streams" bench-token "$CLIENTS" "$BATCH" "$REQUESTS" "$mode"
    kill -TERM $srv
    wait $srv || true
    srv=
done
