#!/usr/bin/env bash
# Memory and throughput of the whole pipeline on 1,000,000 simulated Monitor events:
# a release build, `siem-forwarder simulate` (10 days x 100,000 events) as the Twilio API, and
# `siem-forwarder run --once` backfilling all of it into rotating gzip NDJSON files.
# Prints events/s, the forwarder's peak RSS, and checks every event arrived exactly once.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS_PER_DAY=${EVENTS_PER_DAY:-100000}
DAYS=${DAYS:-10}
GZIP_LEVEL=${GZIP_LEVEL:-6}
PORT=${PORT:-18555}
command -v /usr/bin/time >/dev/null || { apt-get update && apt-get install -y time; }

swift build -c release --product siem-forwarder >/dev/null
bin=$(swift build -c release --show-bin-path)/siem-forwarder
work=$(mktemp -d)
trap 'kill $sim 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" simulate --port "$PORT" --history-days "$DAYS" --history-events-per-day "$EVENTS_PER_DAY" \
    --events-per-minute 0 > "$work/sim.log" 2>&1 &
sim=$!
until grep -q "listening" "$work/sim.log" 2>/dev/null; do sleep 0.2; done

cat > "$work/bench.yaml" <<YAML
state:
  dir: $work/state
server:
  listen: 127.0.0.1:0
operations:
  listen: 127.0.0.1:0
log:
  level: warning
sources:
  monitor:
    base_url: http://127.0.0.1:$PORT
    account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    password: simulator-auth-token
    lookback: 10s
    page_size: 1000
    backfill: $((DAYS + 1))d
outputs:
  - name: files
    format: ndjson
    transport:
      type: file
      path: $work/out/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz
      gzip_level: $GZIP_LEVEL
      rotate: { max_bytes: 64MiB, max_age: 5m }
YAML

start=$(date +%s.%N)
/usr/bin/time -v "$bin" run --once --config "$work/bench.yaml" 2> "$work/time.log" >/dev/null
end=$(date +%s.%N)

events=$(zcat "$work"/out/*.ndjson.gz | wc -l)
unique=$(zcat "$work"/out/*.ndjson.gz | grep -o '"event":{"id":"[^"]*"' | sort -u | wc -l)
truth=$(curl -s "http://127.0.0.1:$PORT/simulator/events" | wc -l)
rss=$(grep "Maximum resident set size" "$work/time.log" | awk '{print $NF}')
cpu=$(grep -E "User time|System time" "$work/time.log" | awk '{s+=$NF} END {print s}')
secs=$(echo "$end - $start" | bc)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "events: $events written, $unique unique, $truth in the simulator's ground truth"
echo "wall: ${secs}s  ->  $(echo "$events / $secs" | bc) events/s (forwarder CPU ${cpu}s, simulator on the same 2 cores)"
echo "forwarder peak RSS: $((rss / 1024)) MiB"
echo "output: $(du -sh "$work/out" | cut -f1) in $(ls "$work/out" | wc -l) files"
[ "$events" = "$truth" ] && [ "$unique" = "$truth" ] || { echo "MISMATCH"; exit 1; }
