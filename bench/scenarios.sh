#!/usr/bin/env bash
# Throughput scenarios of issue 8: the collector pinned to core 0, the load
# (otelcol-loadgen, and its sink when one is used) pinned to core 1.
# Prints one markdown table row a scenario: items/s accepted (delivered for the
# sink scenario), the collector's CPU over the run (% of one core, from
# /proc/<pid>/task/*/schedstat), its peak RSS (VmHWM), latency p50/p99.
# Usage: bash bench/scenarios.sh            (DURATION=10s by default)
#        ONLY="grpc-nop http-nop" bash bench/scenarios.sh   (a subset)
# Ports (127.0.0.1 only): collector 24317 (gRPC) / 24318 (HTTP), its
# telemetry 28888, pprof 21777, sink 25317, prometheus exporter 28889;
# kafka-tier: tansu 29092, the gateway's telemetry 28898.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10s}"
SECS="${DURATION%s}"
case "$SECS" in
  ''|*[!0-9]*) echo "DURATION must be whole seconds, like 10s (got $DURATION)" >&2; exit 2 ;;
esac
[ "$SECS" -ge 5 ] || { echo "DURATION must be at least 5s" >&2; exit 2; }
ONLY="${ONLY:-}"
cargo build --release -p otelcol-rs -p otelcol-loadgen >&2
TARGET="${CARGO_TARGET_DIR:-target}"
# COL=<binary> measures another build (a baseline) with the same load generator.
COL="${COL:-$TARGET/release/otelcol-rs}"
LG="$TARGET/release/otelcol-loadgen"
WORK=$(mktemp -d)
PIDS=()
cleanup() { # newest first (the collector before the sink it drains into)
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop "${PIDS[i]}"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_port() { # port: up to 10 s
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "port $1 never opened" >&2; return 1
}
start_collector() { # config
  taskset -c 0 "$COL" --config "$1" >"$WORK/collector.log" 2>&1 &
  CPID=$!; PIDS+=("$CPID")
  wait_port 28888; wait_port 24317; wait_port 24318
  # The ports may belong to a leftover collector: make sure ours is the one up.
  sleep 0.2
  kill -0 "$CPID" 2>/dev/null || { echo "the collector exited; its log:" >&2; cat "$WORK/collector.log" >&2; exit 1; }
}
stop() { # pid: TERM, then KILL after 10 s
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
# On-CPU time of every thread, in ns (schedstat is exact; utime/stime in
# /proc/<pid>/stat are sampled at the scheduler tick and swing by ±0.5% of a
# core at low load).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'; }
kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" "$2" | tail -1; }
want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }
# Mean items per batch-processor export so far, from the collector's own
# metrics (histogram sum / count over every pipeline), or "-".
batch_mean() {
  curl -s http://127.0.0.1:28888/metrics | awk '
    /^otelcol_processor_batch_batch_send_size_sum/ {s += $NF}
    /^otelcol_processor_batch_batch_send_size_count/ {c += $NF}
    END {if (c > 0) printf "%.0f", s / c; else printf "-"}'
}

# scenario NAME CONFIG NOTE LOADGEN-ARGS... : one row, collector under load.
scenario() {
  local name=$1 cfg=$2 note=$3; shift 3
  want "$name" || return 0
  start_collector "$cfg"
  local t0 w0 t1 w1 lg
  # CPU is measured in steady state: from 2 s after the load starts (new
  # connections, first heap growth) to 1 s before it stops.
  timeout 120 taskset -c 1 "$LG" run --duration "$DURATION" "$@" >"$WORK/lg.out" 2>&1 &
  lg=$!
  sleep 2
  t0=$(cpu_ns "$CPID"); w0=$(date +%s.%N)
  sleep $((SECS - 3))
  t1=$(cpu_ns "$CPID"); w1=$(date +%s.%N)
  wait "$lg" || true
  local hwm cpu mean
  mean=$(batch_mean)
  note="$note; mean batch $mean"
  hwm=$(kib "$CPID" VmHWM)
  cpu=$(awk -v a="$t0" -v b="$t1" -v x="$w0" -v y="$w1" -v h=1e9 'BEGIN {printf "%.1f", (b - a) / h / (y - x) * 100}')
  if [ -n "${SINK_PID:-}" ]; then
    stop "$CPID"  # drains the exporter's queue into the sink
    sleep 0.5; stop "$SINK_PID"; SINK_PID=
    local sent got secs
    sent=$(field items "$WORK/lg.out"); got=$(field "${SINK_SIGNAL:-traces}" "$WORK/sink.out")
    secs=$(field seconds "$WORK/lg.out")
    note="$note; sink got ${got:-?} of ${sent:-?} sent"
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" \
      "$(awk -v n="${got:-0}" -v s="${secs:-1}" 'BEGIN {printf "%.0f", n / s}')" "$cpu" "$(mib "$hwm")" \
      "$(field p50_ms "$WORK/lg.out")" "$(field p99_ms "$WORK/lg.out")" "$note"
  else
    stop "$CPID"
    local errs; errs=$(field errors "$WORK/lg.out")
    [ "${errs:-0}" = 0 ] || note="$note; **${errs} failed requests** ($(grep -o 'error .*' "$WORK/lg.out" | tr '\n' ' '))"
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$(field items_per_s "$WORK/lg.out")" \
      "$cpu" "$(mib "$hwm")" "$(field p50_ms "$WORK/lg.out")" "$(field p99_ms "$WORK/lg.out")" "$note"
  fi
  [ -s "$WORK/lg.out" ] && grep -q RESULT "$WORK/lg.out" || { echo "loadgen output:" >&2; cat "$WORK/lg.out" >&2; }
}

echo "otelcol-rs scenarios, $(date -u +%FT%TZ), $(lscpu | sed -n 's/^Model name: *//p'), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| scenario | items/s | CPU % of a core | RSS peak MiB | p50 ms | p99 ms | notes |"
echo "|---|---|---|---|---|---|---|"

if want idle; then
  start_collector bench/scenarios/nop.yaml
  sleep 3
  t0=$(cpu_ns "$CPID"); sleep 2; t1=$(cpu_ns "$CPID")
  printf '| idle | - | %s | %s | - | - | VmRSS after 5 s |\n' \
    "$(awk -v a="$t0" -v b="$t1" -v h=1e9 'BEGIN {printf "%.1f", (b - a) / h / 2 * 100}')" "$(mib "$(kib "$CPID" VmRSS)")"
  stop "$CPID"
fi
SPANS=(--signal traces --items 1000 --attributes 7 --resources 4)
scenario http-nop bench/scenarios/nop.yaml "OTLP/HTTP → batch → nop, 64 conn" \
  --protocol http --endpoint 127.0.0.1:24318 --connections 64 "${SPANS[@]}"
scenario http-nop-8conn bench/scenarios/nop.yaml "OTLP/HTTP → batch → nop, 8 conn" \
  --protocol http --endpoint 127.0.0.1:24318 --connections 8 "${SPANS[@]}"
scenario grpc-nop bench/scenarios/nop.yaml "OTLP/gRPC → batch → nop, 8 conn × 8 streams" \
  --protocol grpc --endpoint 127.0.0.1:24317 --connections 8 --streams 8 "${SPANS[@]}"
if want grpc-otlp-sink; then
  taskset -c 1 "$LG" sink --listen 127.0.0.1:25317 >"$WORK/sink.out" 2>&1 &
  SINK_PID=$!; PIDS+=("$SINK_PID"); wait_port 25317
fi
scenario grpc-otlp-sink bench/scenarios/otlp.yaml "OTLP/gRPC → batch → otlp → sink (delivered/s)" \
  --protocol grpc --endpoint 127.0.0.1:24317 --connections 8 --streams 8 "${SPANS[@]}"
if want grpc-gzip-otlp-gzip; then
  taskset -c 1 "$LG" sink --listen 127.0.0.1:25317 >"$WORK/sink.out" 2>&1 &
  SINK_PID=$!; PIDS+=("$SINK_PID"); wait_port 25317
fi
scenario grpc-gzip-otlp-gzip bench/scenarios/otlp-gzip.yaml "OTLP/gRPC gzip → batch → otlp gzip → sink (delivered/s)" \
  --protocol grpc --endpoint 127.0.0.1:24317 --connections 8 --streams 8 --gzip "${SPANS[@]}"
if want logs-otap-method; then
  taskset -c 1 "$LG" sink --listen 127.0.0.1:25317 >"$WORK/sink.out" 2>&1 &
  SINK_PID=$!; PIDS+=("$SINK_PID"); wait_port 25317
fi
SINK_SIGNAL=logs scenario logs-otap-method bench/scenarios/logs-otap.yaml "logs ~300 B, 512/request, gRPC gzip in and out, answered after export → sink (delivered/s)" \
  --protocol grpc --endpoint 127.0.0.1:24317 --connections 8 --streams 8 --gzip \
  --signal logs --items 512 --attributes 7 --resources 4
scenario http-filter bench/scenarios/filter.yaml "OTLP/HTTP → filter (OTTL attribute condition) → batch → nop, 64 conn" \
  --protocol http --endpoint 127.0.0.1:24318 --connections 64 "${SPANS[@]}"
scenario http-attributes bench/scenarios/attributes.yaml "OTLP/HTTP → attributes insert → batch → nop, 64 conn" \
  --protocol http --endpoint 127.0.0.1:24318 --connections 64 "${SPANS[@]}"
scenario http-span-rename bench/scenarios/span-rename.yaml "OTLP/HTTP → span name from_attributes [http.method, http.route] → batch → nop, 64 conn" \
  --protocol http --endpoint 127.0.0.1:24318 --connections 64 "${SPANS[@]}"
scenario http-transform bench/scenarios/transform.yaml "OTLP/HTTP → transform set(...) where ... == nil → batch → nop, 64 conn" \
  --protocol http --endpoint 127.0.0.1:24318 --connections 64 "${SPANS[@]}"
scenario grpc-10k bench/scenarios/nop.yaml "10k spans/s, 100-span gRPC requests" \
  --protocol grpc --endpoint 127.0.0.1:24317 --connections 1 --streams 64 --rate 10000 \
  --signal traces --items 100 --attributes 7 --resources 4
scenario metrics-grpc bench/scenarios/nop.yaml "metrics, 1000 points/request, gRPC 8×8 (items = data points)" \
  --protocol grpc --endpoint 127.0.0.1:24317 --connections 8 --streams 8 --signal metrics --items 1000
scenario logs-grpc bench/scenarios/nop.yaml "logs, 1000 records/request, gRPC 8×8" \
  --protocol grpc --endpoint 127.0.0.1:24317 --connections 8 --streams 8 --signal logs --items 1000
if want grpc-loadbalancing-3; then
  taskset -c 1 "$LG" sink --listen 127.0.0.1:25317 --listen 127.0.0.1:25327 --listen 127.0.0.1:25337 \
    >"$WORK/sink.out" 2>&1 &
  SINK_PID=$!; PIDS+=("$SINK_PID"); wait_port 25317; wait_port 25327; wait_port 25337
fi
scenario grpc-loadbalancing-3 bench/scenarios/loadbalancing.yaml "OTLP/gRPC → loadbalancing (traceID) → 3 backends (delivered/s)" \
  --protocol grpc --endpoint 127.0.0.1:24317 --connections 8 --streams 8 "${SPANS[@]}"
if want tail-sampling-100k; then
  # 100k spans a second of 100,000 trace ids (1,000 request variants of 100
  # spans: each trace gets a span a second), held for decision_wait (10 s):
  # the memory a held trace costs, from the RSS growth over the traces held.
  start_collector bench/scenarios/tailsampling.yaml
  rss0=$(kib "$CPID" VmRSS)
  timeout 120 taskset -c 1 "$LG" run --duration "$DURATION" --protocol grpc --endpoint 127.0.0.1:24317 \
    --connections 1 --streams 16 --rate 100000 --variants 1000 --signal traces --items 100 --attributes 7 --resources 4 \
    >"$WORK/lg.out" 2>&1 &
  lg=$!
  sleep 2
  t0=$(cpu_ns "$CPID"); w0=$(date +%s.%N)
  sleep $((SECS - 3))
  t1=$(cpu_ns "$CPID"); w1=$(date +%s.%N)
  held=$(curl -s http://127.0.0.1:28888/metrics | awk '/^otelcol_processor_tail_sampling_sampling_traces_on_memory/ {s += $NF} END {printf "%.0f", s}')
  rss1=$(kib "$CPID" VmRSS)
  wait "$lg" || true
  per=$(awk -v a="$rss0" -v b="$rss1" -v n="$held" 'BEGIN {if (n > 0) printf "%.0f", (b - a) / n * 1000; else printf "-"}')
  printf '| tail-sampling-100k | %s | %s | %s | %s | %s | OTLP/gRPC 100-span requests → tail_sampling (10 s wait) → nop; %s traces of ~10 spans held, %s KiB RSS per 1,000 traces held |\n' \
    "$(field items_per_s "$WORK/lg.out")" \
    "$(awk -v a="$t0" -v b="$t1" -v x="$w0" -v y="$w1" -v h=1e9 'BEGIN {printf "%.1f", (b - a) / h / (y - x) * 100}')" \
    "$(mib "$(kib "$CPID" VmHWM)")" "$(field p50_ms "$WORK/lg.out")" "$(field p99_ms "$WORK/lg.out")" "$held" "$per"
  stop "$CPID"
fi
if want kafka-tier; then
  # agent (core 0: OTLP → batch → kafka) → tansu → gateway (core 1: kafka →
  # nop), load at a fixed KAFKA_RATE (default 100k) spans/s from core 1. Spans/s the gateway's
  # pipeline accepted, and each side's CPU per million spans.
  TANSU="${OTELCOL_TEST_TANSU:-${OTELCOL_CACHE:-$HOME/.cache/otelcol-rs}/tools/tansu-0.6.0/bin/tansu}"
  taskset -c 1 "$TANSU" broker --listener-url tcp://127.0.0.1:29092 --advertised-listener-url tcp://127.0.0.1:29092 \
    --storage-engine memory://tansu/ >"$WORK/tansu.log" 2>&1 &
  TPID=$!; PIDS+=("$TPID"); wait_port 29092
  "$TANSU" topic create otlp_spans --broker tcp://127.0.0.1:29092 --partitions 4 >/dev/null
  start_collector bench/scenarios/kafka-agent.yaml
  taskset -c 1 "$COL" --config bench/scenarios/kafka-gateway.yaml >"$WORK/gateway.log" 2>&1 &
  GPID=$!; PIDS+=("$GPID"); wait_port 28898; sleep 3
  accepted() { curl -s http://127.0.0.1:28898/metrics | awk '/^otelcol_receiver_accepted_spans/ {s += $NF} END {printf "%.0f", s}'; }
  timeout 120 taskset -c 1 "$LG" run --duration "$DURATION" --protocol grpc --endpoint 127.0.0.1:24317 \
    --connections 1 --streams 16 --rate "${KAFKA_RATE:-100000}" --signal traces --items 100 --attributes 7 --resources 4 >"$WORK/lg.out" 2>&1 &
  lg=$!
  sleep 2
  a0=$(cpu_ns "$CPID"); g0=$(cpu_ns "$GPID"); n0=$(accepted); w0=$(date +%s.%N)
  sleep $((SECS - 3))
  a1=$(cpu_ns "$CPID"); g1=$(cpu_ns "$GPID"); n1=$(accepted); w1=$(date +%s.%N)
  wait "$lg" || true
  printf '| kafka-tier | %s | %s | %s | %s | %s | OTLP/gRPC 100-span requests at %s/s → agent (batch → kafka, acks 1) → tansu (memory) → gateway (kafka → nop): spans/s the gateway accepted; CPU %% of the agent; agent CPU s per million spans %s, gateway %s (gateway CPU %s%% of a core) |\n' \
    "$(awk -v a="$n0" -v b="$n1" -v x="$w0" -v y="$w1" 'BEGIN {printf "%.0f", (b - a) / (y - x)}')" \
    "$(awk -v a="$a0" -v b="$a1" -v x="$w0" -v y="$w1" -v h=1e9 'BEGIN {printf "%.1f", (b - a) / h / (y - x) * 100}')" \
    "$(mib "$(kib "$CPID" VmHWM)")" "$(field p50_ms "$WORK/lg.out")" "$(field p99_ms "$WORK/lg.out")" "${KAFKA_RATE:-100000}" \
    "$(awk -v a="$a0" -v b="$a1" -v m="$n0" -v n="$n1" 'BEGIN {if (n > m) printf "%.2f", (b - a) / 1e9 / ((n - m) / 1e6); else printf "-"}')" \
    "$(awk -v a="$g0" -v b="$g1" -v m="$n0" -v n="$n1" 'BEGIN {if (n > m) printf "%.2f", (b - a) / 1e9 / ((n - m) / 1e6); else printf "-"}')" \
    "$(awk -v a="$g0" -v b="$g1" -v x="$w0" -v y="$w1" -v h=1e9 'BEGIN {printf "%.1f", (b - a) / h / (y - x) * 100}')"
  stop "$GPID"; stop "$CPID"; stop "$TPID"
fi
if want prometheus-scrape; then
  # 100 distinct requests × 1000 points, each point its own series; then five
  # scrapes of the whole /metrics page from core 1 (curl's time_total: request
  # to last byte of the text format).
  start_collector bench/scenarios/prometheus.yaml
  wait_port 28889
  taskset -c 1 "$LG" run --protocol grpc --endpoint 127.0.0.1:24317 --connections 1 --streams 4 \
    --signal metrics --items 1000 --variants 100 --requests 100 --distinct-series >"$WORK/lg.out" 2>&1 || true
  taskset -c 1 curl -s http://127.0.0.1:28889/metrics >"$WORK/scrape.txt"
  series=$(grep -vc '^#' "$WORK/scrape.txt" || true)
  t0=$(cpu_ns "$CPID"); w0=$(date +%s.%N)
  times=()
  for _ in 1 2 3 4 5; do
    times+=("$(taskset -c 1 curl -s -o /dev/null -w '%{time_total}' http://127.0.0.1:28889/metrics)")
  done
  t1=$(cpu_ns "$CPID"); w1=$(date +%s.%N)
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  printf '| prometheus-scrape | %s series | %s | %s | %s | %s | scrape of the prometheus exporter, median and max of 5 (ms); %s bytes a page |\n' \
    "$series" \
    "$(awk -v a="$t0" -v b="$t1" -v x="$w0" -v y="$w1" -v h=1e9 'BEGIN {printf "%.1f", (b - a) / h / (y - x) * 100}')" \
    "$(mib "$(kib "$CPID" VmHWM)")" \
    "$(echo "$sorted" | sed -n 3p | awk '{printf "%.1f", $1 * 1000}')" \
    "$(echo "$sorted" | tail -1 | awk '{printf "%.1f", $1 * 1000}')" \
    "$(stat -c %s "$WORK/scrape.txt")"
  stop "$CPID"
fi
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
