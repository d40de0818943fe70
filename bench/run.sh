#!/usr/bin/env bash
# Throughput of otelcol-rs on one core: OTLP/HTTP and OTLP/gRPC → batch → nop,
# 1000-span requests (~279 bytes a span), load from the other core with h2load.
# Usage: bash bench/run.sh   (needs: cargo, the test venv or python3 with
# opentelemetry-proto, h2load from Debian's nghttp2-client, taskset)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${OTELCOL_TEST_PYTHON:-$HOME/.cache/otelcol-rs/venv/bin/python}"
REQUESTS="${REQUESTS:-3000}"
cargo build --release -p otelcol-rs >/dev/null
BIN="${CARGO_TARGET_DIR:-target}/release/otelcol-rs"
WORK=$(mktemp -d)
"$PY" bench/make_body.py "$WORK/body.pb" 1000 4
taskset -c 0 "$BIN" --config bench/pipeline.yaml >"$WORK/collector.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18888/metrics && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2 " KiB"}' /proc/$PID/status; }
echo "idle RSS: $(rss)"
echo "== OTLP/HTTP protobuf, $REQUESTS requests x 1000 spans"
taskset -c 1 h2load --h1 -n "$REQUESTS" -c 8 -d "$WORK/body.pb" \
  -H 'Content-Type: application/x-protobuf' http://127.0.0.1:14318/v1/traces | grep -E "finished in|status codes|requests:"
echo "RSS after HTTP load: $(rss)"
echo "== OTLP/gRPC, $REQUESTS requests x 1000 spans"
taskset -c 1 h2load -n "$REQUESTS" -c 8 -m 4 -d "$WORK/body.grpc" \
  -H 'content-type: application/grpc' -H 'te: trailers' \
  http://127.0.0.1:14317/opentelemetry.proto.collector.trace.v1.TraceService/Export | grep -E "finished in|status codes|requests:"
echo "RSS after gRPC load: $(rss)"
curl -s http://127.0.0.1:18888/metrics | grep -E '^otelcol_receiver_(accepted|refused)_spans'
