#!/usr/bin/env bash
# The side-by-side performance table: every scenario RUNS times (default 3) in one run, on one
# release build, against one release simulator, next to the alternative a user has.
#
#   catch-up   siem-forwarder run --once (gzip NDJSON, level 6, page 1000)  vs  HashiCorp Grove 2.2.0
#              (twilio_monitor_events, local_file output) on DAYS x PER_DAY events, no API latency
#   replay     siem-forwarder replay (all days at once)  vs  a script on the official twilio library
#              (twilio_replay.py)  vs  curl + gzip -6 per day in parallel (the physical limit), every
#              simulator answer delayed LATENCY (default 200ms±50ms, like Twilio)
#   encoders / file path (forwarder-bench, one core): NDJSON, RFC 5424, CEF; NDJSON.gz vs zlib alone
#   incremental  three `run --once` polls after a catch-up: list requests vs ceil(new / page) + 1
#   ingest     Benchmarks/ingest.sh: webhook ingest through the forwarder, and the receiver alone
#              with and without its journal (p50/p99)
#
# Grove and the twilio library come from PyPI into Benchmarks/.venv. Output: one table on stdout,
# raw rows in Benchmarks/results/run-<time>.csv. Every forwarder run is checked: every event once.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DAYS=${DAYS:-6}
PER_DAY=${PER_DAY:-20000}
LATENCY=${LATENCY:-200ms±50ms}
SCRATCH=${SCRATCH:-.build-release}
SCENARIOS=${SCENARIOS:-catch-up replay incremental ingest micro}
ACCOUNT=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
TOKEN=simulator-auth-token
command -v /usr/bin/time >/dev/null || { apt-get update && apt-get install -y time; }
command -v curl >/dev/null || { apt-get update && apt-get install -y curl; }

venv=Benchmarks/.venv
if [ ! -x "$venv/bin/grove" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q grove==2.2.0
fi

swift build -c release --scratch-path "$SCRATCH" --product siem-forwarder >/dev/null 2>&1
bin=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/siem-forwarder
work=$(mktemp -d)
sims=()
trap 'for p in "${sims[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
mkdir -p Benchmarks/results
csv=Benchmarks/results/run-$(date -u +%Y%m%dT%H%M%SZ).csv
echo "scenario,tool,run,wall_s,cpu_s,rss_kib,events,bytes" > "$csv"

# start_simulator PORT [LATENCY]: a release simulator with DAYS x PER_DAY events of history.
start_simulator() {
    local port=$1 latency=${2:-}
    "$bin" simulate --port "$port" --history-days "$DAYS" --history-events-per-day "$PER_DAY" \
        --events-per-minute 0 ${latency:+--latency "$latency"} > "$work/sim-$port.log" 2>&1 &
    sims+=($!)
    until grep -q "listening" "$work/sim-$port.log" 2>/dev/null; do sleep 0.2; done
}

# timed SCENARIO TOOL RUN OUTDIR COMMAND...: runs COMMAND under /usr/bin/time, appends a row.
timed() {
    local scenario=$1 tool=$2 run=$3 out=$4; shift 4
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S %M" -o "$work/time" "$@" > "$work/cmd.out" 2> "$work/cmd.err" \
        || { echo "$tool failed:"; tail -20 "$work/cmd.err"; exit 1; }
    end=$(date +%s.%N)
    local cpu rss events bytes
    read -r user sys rss < <(tail -1 "$work/time")
    cpu=$(echo "$user + $sys" | bc)
    events=$(find "$out" -name '*.gz' -print0 | xargs -0 cat | zcat | wc -l)
    bytes=$(find "$out" -name '*.gz' -print0 | xargs -0 cat | wc -c)
    echo "$scenario,$tool,$run,$(echo "$end - $start" | bc),$cpu,$rss,$events,$bytes" >> "$csv"
}

# unique_ids OUTDIR: the number of distinct Monitor event ids in the gzip NDJSON files.
unique_ids() {
    find "$1" -name '*.gz' -print0 | xargs -0 cat | zcat | grep -o '"sid":"AE[0-9a-f]*"' | sort -u | wc -l
}

forwarder_config() { # PORT STATE OUT
    cat <<YAML
state:
  dir: $2
operations:
  listen: 127.0.0.1:0
log:
  level: warning
sources:
  monitor:
    base_url: http://127.0.0.1:$1
    account_sid: $ACCOUNT
    password: $TOKEN
    lookback: 10s
    page_size: 1000
    backfill: $((DAYS + 1))d
outputs:
  - name: files
    format: ndjson
    transport:
      type: file
      path: $3/twilio-{yyyy}{MM}{dd}-{HH}{mm}{ss}-{seq}.ndjson.gz
      gzip_level: 6
      rotate: { max_bytes: 64MiB, max_age: 5m }
YAML
}

total=$((DAYS * PER_DAY))
if [[ " $SCENARIOS " == *" catch-up "* ]]; then
    start_simulator 18601
    for run in $(seq "$RUNS"); do
        d="$work/catchup-fwd-$run"; mkdir -p "$d/out"
        forwarder_config 18601 "$d/state" "$d/out" > "$d/pipeline.yaml"
        timed catch-up siem-forwarder "$run" "$d/out" "$bin" run --once --config "$d/pipeline.yaml"
        [ "$(unique_ids "$d/out")" = "$total" ] || { echo "catch-up: the forwarder's files do not hold $total events once"; exit 1; }

        g="$work/catchup-grove-$run"; mkdir -p "$g/config" "$g/out"
        printf '{"name":"bench","identity":"%s","key":"%s","connector":"twilio_monitor_events"}\n' "$ACCOUNT" "$TOKEN" > "$g/config/twilio.json"
        timed catch-up grove "$run" "$g/out" env PYTHONPATH=Benchmarks/compare SIMULATOR_BASE_URL=http://127.0.0.1:18601 \
            GROVE_CONFIG_HANDLER=local_file GROVE_CONFIG_LOCAL_FILE_PATH="$g/config" \
            GROVE_OUTPUT_HANDLER=local_file GROVE_OUTPUT_LOCAL_FILE_PATH="$g/out" GROVE_CACHE_HANDLER=local_memory \
            "$venv/bin/grove"
    done
fi

if [[ " $SCENARIOS " == *" replay "* ]]; then
    start_simulator 18602 "$LATENCY"
    # Whole UTC days from the first day of the simulator's history to today: every event.
    from=$(date -u -d "-$DAYS days" +%F)
    to=$(date -u +%F)
    end=$(date -u -d "+1 day" +%F)
    days=$(for i in $(seq "$DAYS" -1 0); do date -u -d "-$i days" +%F; done)
    for run in $(seq "$RUNS"); do
        d="$work/replay-fwd-$run"; mkdir -p "$d/out"
        forwarder_config 18602 "$d/state" "$d/out" > "$d/pipeline.yaml"
        timed replay siem-forwarder "$run" "$d/out" "$bin" replay --config "$d/pipeline.yaml" --from "$from" --to "$to"
        [ "$(unique_ids "$d/out")" = "$total" ] || { echo "replay: the forwarder's files do not hold $total events once"; exit 1; }

        p="$work/replay-py-$run"; mkdir -p "$p"
        timed replay twilio-python "$run" "$p" env PYTHONPATH=Benchmarks/compare SIMULATOR_BASE_URL=http://127.0.0.1:18602 \
            "$venv/bin/python" Benchmarks/compare/twilio_replay.py "$ACCOUNT" "$TOKEN" "${from}T00:00:00+00:00" "${end}T00:00:00+00:00" "$p/events.ndjson.gz"

        c="$work/replay-curl-$run"; mkdir -p "$c"
        timed replay curl+gzip "$run" "$c" bash -c 'printf "%s\n" $1 | xargs -P 10 -I{} Benchmarks/compare/curl_day.sh http://127.0.0.1:18602 {} '"$c" _ "$days"
    done
fi

# Incremental polls: after a catch-up, the simulator makes new events live (INCREMENTAL_PER_MINUTE);
# each later `run --once` on the same state should list them in ceil(new / page) + 1 requests.
incremental_rows=()
if [[ " $SCENARIOS " == *" incremental "* ]]; then
    port=18603
    "$bin" simulate --port "$port" --history-days 1 --history-events-per-day 1000 \
        --events-per-minute "${INCREMENTAL_PER_MINUTE:-6000}" > "$work/sim-$port.log" 2>&1 &
    sims+=($!)
    until grep -q "listening" "$work/sim-$port.log" 2>/dev/null; do sleep 0.2; done
    d="$work/incremental"; mkdir -p "$d/out"
    forwarder_config "$port" "$d/state" "$d/out" > "$d/pipeline.yaml"
    list_requests() { curl -sf "http://127.0.0.1:$port/simulator/stats" | python3 -c 'import json, sys; print(json.load(sys.stdin)["listRequests"])'; }
    lines() { find "$d/out" -name '*.gz' -print0 | xargs -0 -r cat | zcat | wc -l; }
    "$bin" run --once --config "$d/pipeline.yaml" > "$d/catch-up.log" 2>&1
    for round in 1 2 3; do
        # The workload, not a synchronisation: the simulator makes events while the forwarder is stopped.
        sleep "${INCREMENTAL_WAIT:-10}"
        before_requests=$(list_requests); before_lines=$(lines)
        "$bin" run --once --config "$d/pipeline.yaml" > "$d/round-$round.log" 2>&1
        requests=$(( $(list_requests) - before_requests )); new=$(( $(lines) - before_lines ))
        bound=$(( (new + 999) / 1000 + 1 ))
        incremental_rows+=("| incremental poll $round | $new | $requests | $bound | $([ "$requests" -le "$bound" ] && echo yes || echo NO) |")
    done
fi

python3 - "$csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
if not rows:
    sys.exit(0)
groups = {}
for r in rows:
    groups.setdefault((r["scenario"], r["tool"]), []).append(r)
print(f"| scenario | tool | runs | wall median (min–max) | events/s | MB/s out | CPU µs/event | peak RSS | vs forwarder |")
print("|---|---|---|---|---|---|---|---|---|")
medians = {}
for (scenario, tool), rs in groups.items():
    walls = sorted(float(r["wall_s"]) for r in rs)
    medians[(scenario, tool)] = statistics.median(walls)
for (scenario, tool), rs in groups.items():
    walls = sorted(float(r["wall_s"]) for r in rs)
    med = statistics.median(walls)
    events = int(rs[0]["events"]) if tool != "curl+gzip" else int(next((g[0]["events"] for (s, t), g in groups.items() if s == scenario and t == "siem-forwarder"), 0))
    out = statistics.median(int(r["bytes"]) for r in rs)
    cpu = statistics.median(float(r["cpu_s"]) for r in rs)
    rss = max(int(r["rss_kib"]) for r in rs)
    ratio = med / medians.get((scenario, "siem-forwarder"), med)
    print(f"| {scenario} | {tool} | {len(rs)} | {med:.2f} s ({walls[0]:.2f}–{walls[-1]:.2f}) | {events / med:,.0f} | {out / med / 1e6:.1f} | {cpu / max(events, 1) * 1e6:.0f} | {rss // 1024} MiB | {ratio:.2f}× |")
PY
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $DAYS days x $PER_DAY events; replay latency $LATENCY; rows in $csv"
echo "('vs forwarder' = the tool's median wall time / the forwarder's: 10× means the forwarder is ten times faster. curl+gzip's CPU counts only the shell pipeline's children that time sees.)"

if [ ${#incremental_rows[@]} -gt 0 ]; then
    echo
    echo "| poll | new events | list requests | ⌈new/1000⌉ + 1 | within |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${incremental_rows[@]}"
fi

if [[ " $SCENARIOS " == *" ingest "* ]]; then
    echo
    SCRATCH="$SCRATCH" bash Benchmarks/ingest.sh 2>/dev/null
fi

if [[ " $SCENARIOS " == *" micro "* ]]; then
    echo
    swift run -c release --scratch-path "$SCRATCH" forwarder-bench 100000 2>/dev/null
fi
