#!/usr/bin/env bash
# Throughput into a JetStream stream and out of it, on one nats-server (JetStream, file storage):
#
#   publish x1   one `siem-forwarder run --once` catching up EVENTS Monitor events into the stream
#   publish x2   two forwarders at once, each with its own simulated account of EVENTS events
#   file x1      the same catch-up into gzip NDJSON files instead (what the bus costs)
#   consume      a forwarder reading the whole stream (3 x EVENTS) as a durable consumer
#                (`sources.nats`) into gzip NDJSON files
#
# Every run is checked: the stream holds each event once (its duplicate window drops resends) and
# the consumer's files hold every message of the stream once. RUNS (default 3) of each.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
EVENTS=${EVENTS:-100000}
SCRATCH=${SCRATCH:-.build-release}
TOKEN=simulator-auth-token
command -v nats-server >/dev/null || { apt-get update && apt-get install -y nats-server; }
command -v /usr/bin/time >/dev/null || { apt-get update && apt-get install -y time; }
command -v curl >/dev/null || { apt-get update && apt-get install -y curl; }

swift build -c release --scratch-path "$SCRATCH" --product siem-forwarder >/dev/null 2>&1
swift build -c release --scratch-path "$SCRATCH" --product nats-bench >/dev/null 2>&1
binpath=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
bin=$binpath/siem-forwarder
natsbench=$binpath/nats-bench
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
csv=$work/rows.csv

start_simulator() { # PORT SEED ACCOUNT
    "$bin" simulate --port "$1" --seed "$2" --account-sid "$3" --history-days 2 --history-events-per-day $((EVENTS / 2)) \
        --events-per-minute 0 > "$work/sim-$1.log" 2>&1 &
    pids+=($!)
    until grep -q "listening" "$work/sim-$1.log" 2>/dev/null; do sleep 0.2; done
}

publisher_config() { # SIMPORT ACCOUNT STATE OUTPUT-YAML
    cat <<YAML
state:
  dir: $3
operations:
  listen: 127.0.0.1:0
log:
  level: warning
sources:
  monitor:
    base_url: http://127.0.0.1:$1
    account_sid: $2
    password: $TOKEN
    lookback: 10s
    page_size: 1000
    backfill: 3d
outputs:
$4
YAML
}

nats_output="  - { name: bus, format: ndjson, transport: { type: nats, servers: [nats://127.0.0.1:18700], stream: TWILIO } }"
file_output() { echo "  - { name: files, format: ndjson, transport: { type: file, path: '$1/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz', gzip_level: 6 } }"; }

# row NAME EVENTS WALL CPU RSS_KIB: one measured run.
row() { echo "$1;$2;$3;$4;$5" >> "$csv"; }

accounts=(ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb)
start_simulator 18701 1 "${accounts[0]}"
start_simulator 18702 2 "${accounts[1]}"
for run in $(seq "$RUNS"); do
    r="$work/run-$run"; mkdir -p "$r"
    nats-server -js -p 18700 -sd "$r/nats" > "$r/nats.log" 2>&1 &
    nats=$!; pids+=($nats)
    until "$natsbench" create nats://127.0.0.1:18700 TWILIO 'twilio.>' 2>/dev/null; do sleep 0.2; done

    # publish x1
    publisher_config 18701 "${accounts[0]}" "$r/p1" "$nats_output" > "$r/p1.yaml"
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S %M" -o "$r/t1" "$bin" run --once --config "$r/p1.yaml" 2> "$r/p1.log"
    wall=$(echo "$(date +%s.%N) - $start" | bc); read -r u s m < "$r/t1"
    [ "$("$natsbench" count nats://127.0.0.1:18700 TWILIO)" = "$EVENTS" ] || { echo "publish x1: the stream does not hold $EVENTS events"; exit 1; }
    row "publish, 1 forwarder" "$EVENTS" "$wall" "$(echo "$u + $s" | bc)" "$m"

    # publish x2: account 0 again (all duplicates inside the window, stored once) and account 1.
    publisher_config 18701 "${accounts[0]}" "$r/p2a" "$nats_output" > "$r/p2a.yaml"
    publisher_config 18702 "${accounts[1]}" "$r/p2b" "$nats_output" > "$r/p2b.yaml"
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S %M" -o "$r/t2a" "$bin" run --once --config "$r/p2a.yaml" 2> "$r/p2a.log" &
    a=$!
    /usr/bin/time -f "%U %S %M" -o "$r/t2b" "$bin" run --once --config "$r/p2b.yaml" 2> "$r/p2b.log"
    wait $a
    wall=$(echo "$(date +%s.%N) - $start" | bc); read -r u1 s1 m1 < "$r/t2a"; read -r u2 s2 m2 < "$r/t2b"
    [ "$("$natsbench" count nats://127.0.0.1:18700 TWILIO)" = "$((2 * EVENTS))" ] || { echo "publish x2: the stream does not hold $((2 * EVENTS)) events once"; exit 1; }
    row "publish, 2 forwarders at once (one resending everything)" "$((2 * EVENTS))" "$wall" "$(echo "$u1 + $s1 + $u2 + $s2" | bc)" "$(( m1 > m2 ? m1 : m2 ))"

    # file x1: the same catch-up into gzip files
    mkdir -p "$r/f1-out"
    publisher_config 18701 "${accounts[0]}" "$r/f1" "$(file_output "$r/f1-out")" > "$r/f1.yaml"
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S %M" -o "$r/t3" "$bin" run --once --config "$r/f1.yaml" 2> "$r/f1.log"
    wall=$(echo "$(date +%s.%N) - $start" | bc); read -r u s m < "$r/t3"
    row "gzip files, 1 forwarder (no bus)" "$EVENTS" "$wall" "$(echo "$u + $s" | bc)" "$m"

    # consume: the whole stream into gzip files through a durable consumer
    total=$((2 * EVENTS))
    mkdir -p "$r/c-out"
    cat > "$r/c.yaml" <<YAML
state:
  dir: $r/c
operations:
  listen: 127.0.0.1:18703
log:
  level: warning
sources:
  nats: { servers: [nats://127.0.0.1:18700], stream: TWILIO, durable: files, batch: 1000 }
outputs:
$(file_output "$r/c-out")
YAML
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S %M" -o "$r/t4" "$bin" run --config "$r/c.yaml" 2> "$r/c.log" &
    c=$!
    until [ "$(curl -s http://127.0.0.1:18703/metrics | awk '/^siem_forwarder_output_events_total/ {print $2}')" = "$total" ]; do sleep 0.1; done
    wall=$(echo "$(date +%s.%N) - $start" | bc)
    kill -TERM "$(pgrep -P $c)" 2>/dev/null || kill -TERM $c
    wait $c || true
    read -r u s m < "$r/t4"
    got=$(find "$r/c-out" -name '*.ndjson.gz' -print0 | xargs -0 cat | zcat | grep -o '"event":{"id":"[^"]*"' | sort -u | wc -l)
    [ "$got" = "$total" ] || { echo "consume: the files hold $got distinct events, not $total"; exit 1; }
    row "consume the stream into gzip files (durable consumer)" "$total" "$wall" "$(echo "$u + $s" | bc)" "$m"

    kill $nats; wait $nats 2>/dev/null || true
done

python3 - "$csv" <<'PY'
import statistics, sys
groups = {}
for line in open(sys.argv[1]):
    name, events, wall, cpu, rss = line.strip().split(";")
    groups.setdefault(name, []).append((int(events), float(wall), float(cpu), int(rss)))
print("| scenario | events | runs | wall median (min–max) | events/s | CPU µs/event | peak RSS |")
print("|---|---|---|---|---|---|---|")
for name, runs in groups.items():
    walls = sorted(r[1] for r in runs)
    med = statistics.median(walls)
    events = runs[0][0]
    cpu = statistics.median(r[2] for r in runs)
    rss = max(r[3] for r in runs) // 1024
    print(f"| {name} | {events:,} | {len(runs)} | {med:.2f} s ({walls[0]:.2f}–{walls[-1]:.2f}) | {events / med:,.0f} | {cpu / events * 1e6:.0f} | {rss} MiB |")
PY
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); nats-server $(nats-server --version | awk '{print $NF}'); $RUNS runs of each, $EVENTS events per account"
