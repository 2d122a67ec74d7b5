#!/usr/bin/env bash
# A replay of 1,000,000 Monitor events: `siem-forwarder simulate` (10 days x 100,000 events, each
# answer delayed LATENCY, default 200ms±50ms like a real Twilio page) and `siem-forwarder replay`
# of the whole range into one gzip file per day. Prints the rate, the replay's peak RSS and checks
# every event is in the day files exactly once.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS_PER_DAY=${EVENTS_PER_DAY:-100000}
DAYS=${DAYS:-10}
LATENCY=${LATENCY:-200ms±50ms}
CONCURRENCY=${CONCURRENCY:-10}
PORT=${PORT:-18557}
SCRATCH=${SCRATCH:-.build}
command -v /usr/bin/time >/dev/null || { apt-get update && apt-get install -y time; }

swift build -c release --scratch-path "$SCRATCH" --product siem-forwarder >/dev/null
bin=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/siem-forwarder
work=$(mktemp -d)
trap 'kill $sim 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" simulate --port "$PORT" --history-days "$DAYS" --history-events-per-day "$EVENTS_PER_DAY" \
    --events-per-minute 0 --filter-precision day --latency "$LATENCY" > "$work/sim.log" 2>&1 &
sim=$!
until grep -q "listening" "$work/sim.log" 2>/dev/null; do sleep 0.2; done

cat > "$work/bench.yaml" <<YAML
state:
  dir: $work/state
operations:
  listen: 127.0.0.1:0
log:
  level: warning
sources:
  monitor:
    base_url: http://127.0.0.1:$PORT
    account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    password: simulator-auth-token
    page_size: 1000
outputs:
  - name: files
    format: ndjson
    transport:
      type: file
      path: $work/out/twilio-{seq}.ndjson.gz
YAML

from=$(date -u -d "-$DAYS days" +%F)
to=$(date -u -d "-1 day" +%F)
start=$(date +%s.%N)
/usr/bin/time -v "$bin" replay --config "$work/bench.yaml" --from "$from" --to "$to" --concurrency "$CONCURRENCY" \
    2> "$work/time.log" > "$work/replay.log"
end=$(date +%s.%N)

files=$(find "$work/out" -name 'twilio-replay-*.ndjson.gz')
events=$(cat $files | zcat | wc -l)
unique=$(cat $files | zcat | grep -o '"event":{"id":"[^"]*"' | sort -u | wc -l)
rss=$(grep "Maximum resident set size" "$work/time.log" | awk '{print $NF}')
cpu=$(grep -E "User time|System time" "$work/time.log" | awk '{s+=$NF} END {print s}')
secs=$(echo "$end - $start" | bc)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); API latency $LATENCY; concurrency $CONCURRENCY"
tail -1 "$work/replay.log"
echo "events: $events written, $unique unique, in $(echo "$files" | wc -l) day files"
echo "wall: ${secs}s  ->  $(echo "$events / $secs" | bc) events/s (replay CPU ${cpu}s, simulator on the same cores)"
echo "replay peak RSS: $((rss / 1024)) MiB"
[ "$events" = "$unique" ] || { echo "DUPLICATES"; exit 1; }
