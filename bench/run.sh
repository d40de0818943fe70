#!/usr/bin/env bash
# Quick throughput check of otelcol-rs on one core: idle RSS, OTLP/HTTP and
# OTLP/gRPC → batch → nop with 1000-span requests, driven by otelcol-loadgen
# from the other core. The full set of issue-8 scenarios: bench/scenarios.sh.
# Usage: bash bench/run.sh   (needs cargo and taskset)
set -euo pipefail
cd "$(dirname "$0")/.."
ONLY="${ONLY:-idle http-nop http-nop-8conn grpc-nop}" exec bash bench/scenarios.sh
