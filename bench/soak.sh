#!/usr/bin/env bash
# Soak scenario of issue 14 (documented in RELIABILITY.md, not run in CI):
# SOAK_MINUTES (30) of OTLP/gRPC traces at RATE items/s (half the measured
# capacity of the otlp scenario) into a collector (otlp → memory_limiter →
# batch → otlp exporter with its default sending queue and retries) whose
# backend, an otelcol-loadgen sink, goes away for OUTAGE_S (10) seconds of
# every minute.
#
# Passes when
#   * RSS is flat after warm-up: the mean of the last minute is less than
#     5% above the mean of the first minute after WARMUP_MINUTES (1);
#   * nothing acknowledged is lost: every item the load generator got an
#     OK for was accepted by the receiver, and the sink received at least
#     that many (more is allowed: an export cut by the outage is retried);
#   * the counts add up (self-metrics): accepted = sent + failed + queued,
#     checked once the queue, the retries and the sends in flight have
#     drained (queued = 0), with refused = enqueue failed (a full queue
#     refuses: the sender keeps the data) and
#     failed = 0.
#
# Usage: bash bench/soak.sh                         (release build, 30 min)
#        SOAK_MINUTES=2 PROFILE=debug RATE=5000 bash bench/soak.sh   (a short check)
# Ports (127.0.0.1 only): collector 34317 (gRPC), telemetry 38888, sink 35317.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES="${SOAK_MINUTES:-30}"
RATE="${RATE:-450000}"
OUTAGE_S="${OUTAGE_S:-10}"
WARMUP_MINUTES="${WARMUP_MINUTES:-1}"
PROFILE="${PROFILE:-release}"
case "$MINUTES$RATE$OUTAGE_S$WARMUP_MINUTES" in
  *[!0-9]*) echo "SOAK_MINUTES, RATE, OUTAGE_S and WARMUP_MINUTES are whole numbers" >&2; exit 2 ;;
esac
[ "$MINUTES" -gt "$WARMUP_MINUTES" ] || { echo "SOAK_MINUTES must be more than WARMUP_MINUTES" >&2; exit 2; }
[ "$OUTAGE_S" -lt 50 ] || { echo "OUTAGE_S must be under 50" >&2; exit 2; }
if [ "$PROFILE" = release ]; then
  cargo build --release -p otelcol-rs -p otelcol-loadgen >&2
else
  cargo build -p otelcol-rs -p otelcol-loadgen >&2
fi
TARGET="${CARGO_TARGET_DIR:-target}"
DIR="$PROFILE"; [ "$PROFILE" = dev ] && DIR=debug
COL="$TARGET/$DIR/otelcol-rs"
LG="$TARGET/$DIR/otelcol-loadgen"
WORK=$(mktemp -d)
PIDS=()
SINK_PID=""
stop() { # pid: TERM, then KILL after 10 s
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  local p
  for p in "${PIDS[@]}"; do stop "$p"; done
  [ -n "$SINK_PID" ] && stop "$SINK_PID"
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
SINKS=0
sink_up() {
  SINKS=$((SINKS + 1))
  "$LG" sink --listen 127.0.0.1:35317 >"$WORK/sink.$SINKS.log" 2>&1 &
  SINK_PID=$!
  wait_port 35317
}
sink_down() {
  stop "$SINK_PID"
  SINK_PID=""
}
# Sum of a self-metric over all its series (0 when absent).
metric() {
  curl -s http://127.0.0.1:38888/metrics | awk -v n="$1" '
    index($0, n) == 1 && (substr($0, length(n) + 1, 1) == "{" || substr($0, length(n) + 1, 1) == " ") { s += $NF }
    END { printf "%d\n", s }'
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

cat >"$WORK/collector.yaml" <<'EOF'
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:34317
processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: 1024
    spike_limit_mib: 256
  batch:
exporters:
  otlp:
    endpoint: 127.0.0.1:35317
    compression: none
    tls:
      insecure: true
    retry_on_failure:
      initial_interval: 1s
      max_interval: 5s
      max_elapsed_time: 10m
service:
  telemetry:
    metrics:
      address: 127.0.0.1:38888
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [otlp]
EOF

sink_up
"$COL" --config "$WORK/collector.yaml" >"$WORK/collector.log" 2>&1 &
CPID=$!; PIDS+=("$CPID")
wait_port 38888; wait_port 34317
sleep 0.5
kill -0 "$CPID" 2>/dev/null || { echo "the collector exited; its log:" >&2; cat "$WORK/collector.log" >&2; exit 1; }

echo "soak: $MINUTES min at $RATE spans/s, backend away ${OUTAGE_S}s every minute ($PROFILE build)"
"$LG" run --protocol grpc --endpoint 127.0.0.1:34317 --connections 4 --streams 2 \
  --rate "$RATE" --duration "${MINUTES}m" --timeout 60s >"$WORK/load.log" 2>&1 &
LPID=$!; PIDS+=("$LPID")

# One RSS sample every 5 s; the sink goes away at second 50 of every minute.
: >"$WORK/rss.txt"
START=$(date +%s)
END=$((START + MINUTES * 60))
while [ "$(date +%s)" -lt "$END" ]; do
  T=$(( $(date +%s) - START ))
  echo "$T $(rss_kib "$CPID")" >>"$WORK/rss.txt"
  SEC=$((T % 60))
  if [ -n "$SINK_PID" ] && [ "$SEC" -ge $((60 - OUTAGE_S)) ]; then
    sink_down
    echo "  $(printf '%4d' "$T")s: backend down; RSS $(rss_kib "$CPID") KiB, accepted $(metric otelcol_receiver_accepted_spans), sent $(metric otelcol_exporter_sent_spans)"
  elif [ -z "$SINK_PID" ] && [ "$SEC" -lt $((60 - OUTAGE_S)) ]; then
    sink_up
  fi
  sleep 5
done
[ -z "$SINK_PID" ] && sink_up
wait "$LPID" || true
PIDS=("$CPID")

# Drain: once the backend is back, the queue empties and the batches the
# exporter holds in retry back-off go out (up to DRAIN_S, 180 s).
for _ in $(seq "${DRAIN_S:-180}"); do
  # Enqueue-failed spans were refused to the sender (retryable error), not
  # accepted: every accepted span ends as sent or send failed.
  DONE=$(( $(metric otelcol_exporter_sent_spans) + $(metric otelcol_exporter_send_failed_spans) ))
  [ "$(metric otelcol_exporter_queue_size)" -eq 0 ] && [ "$DONE" -ge "$(metric otelcol_receiver_accepted_spans)" ] && break
  sleep 1
done
ACCEPTED=$(metric otelcol_receiver_accepted_spans)
REFUSED=$(metric otelcol_receiver_refused_spans)
SENT=$(metric otelcol_exporter_sent_spans)
FAILED=$(metric otelcol_exporter_send_failed_spans)
ENQ_FAILED=$(metric otelcol_exporter_enqueue_failed_spans)
QUEUED=$(metric otelcol_exporter_queue_size)
stop "$CPID"; PIDS=()
sink_down
ACKED=$(awk '/^RESULT/ { for (i = 1; i <= NF; i++) if ($i ~ /^items=/) { sub("items=", "", $i); print $i } }' "$WORK/load.log")
ACKED="${ACKED:-0}"
RECEIVED=$(cat "$WORK"/sink.*.log | awk '/^SINK_TOTAL/ { for (i = 1; i <= NF; i++) if ($i ~ /^traces=/) { sub("traces=", "", $i); s += $i } } END { printf "%d\n", s }')

# RSS: mean of the first minute after warm-up against the mean of the last
# minute (the same minute when SOAK_MINUTES = WARMUP_MINUTES + 1: a check
# of the script, not of RSS).
read -r FIRST LAST < <(awk -v w="$((WARMUP_MINUTES * 60))" -v e="$((MINUTES * 60))" '
  $1 >= w && $1 < w + 60 { f += $2; nf++ }
  $1 >= e - 60 { l += $2; nl++ }
  END { printf "%d %d\n", (nf ? f / nf : 0), (nl ? l / nl : 0) }' "$WORK/rss.txt")
GROWTH=$(awk -v f="$FIRST" -v l="$LAST" 'BEGIN { printf "%.1f", (f > 0 ? (l - f) * 100 / f : 0) }')

echo
grep -E "accepted|latency|error" "$WORK/load.log" | sed 's/^/  load: /'
echo "RSS after warm-up: first minute ${FIRST} KiB, last minute ${LAST} KiB: ${GROWTH}% growth"
echo "acknowledged to the load generator: $ACKED spans; received by the sink ($SINKS runs): $RECEIVED"
echo "self-metrics: accepted $ACCEPTED, refused $REFUSED, sent $SENT, send failed $FAILED, enqueue failed $ENQ_FAILED, queue size $QUEUED"

FAIL=0
awk -v g="$GROWTH" 'BEGIN { exit !(g < 5) }' || { echo "FAIL: RSS grew ${GROWTH}% (limit 5%)"; FAIL=1; }
[ "$ACKED" -gt 0 ] || { echo "FAIL: nothing was acknowledged"; FAIL=1; }
[ "$ACCEPTED" -eq "$ACKED" ] || { echo "FAIL: the receiver accepted $ACCEPTED, the load generator was acknowledged $ACKED"; FAIL=1; }
[ "$RECEIVED" -ge "$ACKED" ] || { echo "FAIL: acknowledged $ACKED, the sink received only $RECEIVED"; FAIL=1; }
# After the drain nothing is queued, in retry or in flight, so the identity
# is accepted = sent + failed; a shortfall is data lost
# without being counted (or still in flight after DRAIN_S).
[ "$QUEUED" -eq 0 ] && [ "$ACCEPTED" -eq $((SENT + FAILED)) ] || { echo "FAIL: accepted $ACCEPTED != sent $SENT + failed $FAILED + queued ($QUEUED batches)"; FAIL=1; }
# A full queue refuses (the sender gets a retryable error and keeps the
# data): those spans are the receiver's refused ones, never dropped.
[ "$REFUSED" -eq "$ENQ_FAILED" ] || { echo "FAIL: refused $REFUSED != enqueue failed $ENQ_FAILED"; FAIL=1; }
[ "$FAILED" -eq 0 ] || { echo "FAIL: data was dropped (send failed $FAILED)"; FAIL=1; }
if [ "$FAIL" -eq 0 ]; then echo "PASS"; else echo "collector log tail:"; tail -20 "$WORK/collector.log"; exit 1; fi
