#!/usr/bin/env bash
# Soak: a release `siem-forwarder run` for DURATION seconds (default 1800) under steady load —
# the simulator's live Monitor events (with 2 % API faults) and Event Streams deliveries — plus a
# burst of signed webhook batches every BURST_EVERY seconds (ingest-bench), with `retention: 5m`
# so pruning runs. Samples RSS, open file descriptors and the journal's size every SAMPLE seconds
# into soak.csv, prints min/max/last of each, and checks at the end that the gzip files hold every
# record once. Bounded means: RSS and descriptors flat after warm-up, the journal no larger than
# about retention + one pruning interval (10 min) of events.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-1800}
SAMPLE=${SAMPLE:-15}
BURST_EVERY=${BURST_EVERY:-120}
MONITOR_PER_MINUTE=${MONITOR_PER_MINUTE:-3000}
WEBHOOK_PER_MINUTE=${WEBHOOK_PER_MINUTE:-3000}
SIM_PORT=${SIM_PORT:-18621}
PORT=${PORT:-18622}
OPS_PORT=${OPS_PORT:-19622}
RESULTS=${RESULTS:-$PWD/Benchmarks/results}

SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product siem-forwarder >/dev/null
swift build -c release --scratch-path "$SCRATCH" --product ingest-bench >/dev/null
bin=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
work=$(mktemp -d)
mkdir -p "$RESULTS"
csv="$RESULTS/soak-$(date -u +%Y%m%dT%H%M%SZ).csv"
trap 'kill $fwd $sim 2>/dev/null || true' EXIT

"$bin/siem-forwarder" simulate --port "$SIM_PORT" --history-days 1 --history-events-per-day 20000 \
    --events-per-minute "$MONITOR_PER_MINUTE" --faults 0.02 \
    --webhook-url "http://127.0.0.1:$PORT/webhooks/event-streams" --webhook-events-per-minute "$WEBHOOK_PER_MINUTE" \
    > "$work/simulator.log" 2>&1 &
sim=$!
until curl -sf -u ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:simulator-auth-token "http://127.0.0.1:$SIM_PORT/v1/Events?PageSize=1" >/dev/null; do sleep 0.2; done

cat > "$work/soak.yaml" <<YAML
state:
  dir: $work/state
  retention: 5m
server:
  listen: 127.0.0.1:$PORT
operations:
  listen: 127.0.0.1:$OPS_PORT
log:
  level: warning
sources:
  monitor:
    base_url: http://127.0.0.1:$SIM_PORT
    account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    password: simulator-auth-token
    poll_interval: 5s
    lookback: 1m
    backfill: 1d
  event_streams:
    path: /webhooks/event-streams
    public_url: http://127.0.0.1:$PORT/webhooks/event-streams
    auth_token: simulator-auth-token
outputs:
  - name: files
    format: ndjson
    transport:
      type: file
      path: $work/out/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz
      rotate: { max_bytes: 64MiB, max_age: 1m }
  - name: archive
    format: rfc5424
    transport: { type: file, path: $work/archive/twilio.log, rotate: { max_bytes: 32MiB } }
YAML

"$bin/siem-forwarder" run --config "$work/soak.yaml" > "$work/forwarder.log" 2>&1 &
fwd=$!
until curl -sf "http://127.0.0.1:$OPS_PORT/healthz" >/dev/null; do sleep 0.1; done

echo "seconds,rss_kib,fds,journal_bytes,output_events" > "$csv"
start=$(date +%s)
next_burst=$BURST_EVERY
bursts=0
while :; do
    now=$(( $(date +%s) - start ))
    [ "$now" -ge "$DURATION" ] && break
    rss=$(awk '/^VmRSS/ {print $2}' /proc/$fwd/status)
    fds=$(ls /proc/$fwd/fd | wc -l)
    journal=$(cat "$work"/state/journal.sqlite* 2>/dev/null | wc -c)
    written=$(curl -sf "http://127.0.0.1:$OPS_PORT/metrics" | awk '/^siem_forwarder_output_events_total\{output="files"\}/ {print $2}')
    echo "$now,$rss,$fds,$journal,${written:-0}" >> "$csv"
    if [ "$now" -ge "$next_burst" ]; then
        bursts=$((bursts + 1))
        "$bin/ingest-bench" "http://127.0.0.1:$PORT/webhooks/event-streams" simulator-auth-token 8 50 400 "burst$bursts" \
            > "$work/burst-$bursts.log" 2>&1 &
        next_burst=$((next_burst + BURST_EVERY))
    fi
    sleep "$SAMPLE"
done
wait $(jobs -p | grep -v -e "^$fwd\$" -e "^$sim\$") 2>/dev/null || true
kill -TERM $fwd
wait $fwd || true
kill $sim 2>/dev/null || true

summary() {  # column name → "min … max, last …"
    awk -F, -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
        { v = $k + 0; if (min == "" || v < min) min = v; if (v > max) max = v; last = v }
        END { printf "%s: min %d, max %d, last %d\n", c, min, max, last }' "$csv"
}
echo "soak of ${DURATION}s, $bursts bursts of 20000 events, samples in $csv"
summary rss_kib
summary fds
summary journal_bytes
lines=$(find "$work/out" -name '*.ndjson.gz' -exec zcat {} + | wc -l)
unique=$(find "$work/out" -name '*.ndjson.gz' -exec zcat {} + | grep -o '"event":{"id":"[^"]*"' | sort -u | wc -l)
echo "records in gzip files: $lines, unique ids: $unique"
[ "$lines" -eq "$unique" ] || { echo "DUPLICATES in the gzip files"; exit 1; }
rm -rf "$work"
