#!/usr/bin/env bash
# Runs every test of otelcol-rs on a fresh machine: installs what the tests
# need (the OpenTelemetry Python SDK in a venv), checks formatting and lints,
# builds the binaries the integration tests start, and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${OTELCOL_CACHE:-$HOME/.cache/otelcol-rs}"
# Keep build output outside the clone so CI's fresh clones reuse it: one
# target dir per checkout path, because cargo does not rebuild a test when
# only the `CARGO_MANIFEST_DIR` it embeds (`env!`) changes, so a binary
# built in another checkout would read that checkout's files.
CHECKOUT_KEY="$(pwd -P | cksum | cut -d' ' -f1)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target-$CHECKOUT_KEY}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Fresh clones gain nothing from incremental artifacts, which cost gigabytes.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# Python peers: the official OpenTelemetry SDK, pinned.
VENV="$CACHE/venv"
REQ=integration-tests/python/requirements.txt
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$REQ" "$VENV/requirements.txt"; then
  echo "==> installing the OpenTelemetry Python SDK into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
  cp "$REQ" "$VENV/requirements.txt"
fi
export OTELCOL_TEST_PYTHON="$VENV/bin/python"

# The Zipkin protobuf exporter (the zipkin receiver's real protobuf client)
# pins protobuf 3.x, which the OTLP exporters above cannot share: its own venv.
VENV_ZIPKIN_PROTO="$CACHE/venv-zipkin-proto"
REQ_ZIPKIN_PROTO=receivers/zipkin/tests/python/requirements-proto.txt
if [ ! -x "$VENV_ZIPKIN_PROTO/bin/python" ] || ! cmp -s "$REQ_ZIPKIN_PROTO" "$VENV_ZIPKIN_PROTO/requirements.txt"; then
  echo "==> installing the Zipkin protobuf exporter into $VENV_ZIPKIN_PROTO"
  rm -rf "$VENV_ZIPKIN_PROTO"
  python3 -m venv "$VENV_ZIPKIN_PROTO"
  "$VENV_ZIPKIN_PROTO/bin/pip" install --quiet --disable-pip-version-check -r "$REQ_ZIPKIN_PROTO"
  cp "$REQ_ZIPKIN_PROTO" "$VENV_ZIPKIN_PROTO/requirements.txt"
fi
export OTELCOL_TEST_PYTHON_ZIPKIN_PROTO="$VENV_ZIPKIN_PROTO/bin/python"

# A real Prometheus (and promtool) for the prometheus exporters' tests.
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  echo "==> installing Prometheus (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

# A real DNS server (dnsmasq) for the loadbalancing exporter's DNS resolver tests.
if ! command -v dnsmasq >/dev/null 2>&1; then
  echo "==> installing dnsmasq (Debian package dnsmasq-base)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends dnsmasq-base >/dev/null
fi

# node-exporter: the real peer the hostmetrics receiver's values are compared with.
if ! command -v prometheus-node-exporter >/dev/null 2>&1; then
  echo "==> installing prometheus-node-exporter (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus-node-exporter >/dev/null
fi

# logrotate rotates for real under the file_log receiver's tests.
if ! command -v logrotate >/dev/null 2>&1; then
  echo "==> installing logrotate (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends logrotate >/dev/null
fi

# openssl writes the htpasswd hashes (apr1, MD5-crypt, SHA-crypt) basicauth's tests verify.
if ! command -v openssl >/dev/null 2>&1; then
  echo "==> installing openssl (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends openssl >/dev/null
fi

# librdkafka (the kafka components' client) builds from its bundled C
# sources: a C compiler, make, and OpenSSL's headers.
if ! command -v cc >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1 || ! pkg-config --exists openssl 2>/dev/null; then
  echo "==> installing a C toolchain and libssl-dev (Debian packages) for librdkafka"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends build-essential pkg-config libssl-dev >/dev/null
fi

# A real Kafka-protocol broker (tansu, crates.io) for the kafka components'
# tests: built once into the cache (about 14 minutes cold), its build folder
# removed afterwards.
TANSU_VERSION=0.6.0
TANSU_ROOT="$CACHE/tools/tansu-$TANSU_VERSION"
if [ ! -x "$TANSU_ROOT/bin/tansu" ]; then
  echo "==> installing tansu $TANSU_VERSION (a Kafka-protocol broker) into $TANSU_ROOT"
  mkdir -p "$TANSU_ROOT"
  CARGO_TARGET_DIR="$TANSU_ROOT/build" cargo install tansu --version "$TANSU_VERSION" \
    --features dynostore,libsql --locked --root "$TANSU_ROOT" --quiet
  rm -rf "$TANSU_ROOT/build"
fi
export OTELCOL_TEST_TANSU="$TANSU_ROOT/bin/tansu"

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo build (binaries the integration tests run)"
cargo build --workspace --bins --locked
echo "==> cargo test"
# llm-app's tests install scoped `tracing` subscribers; tracing caches callsite
# interest per process, so they run one at a time to stay deterministic.
cargo test --workspace --locked --exclude llm-app
cargo test -p llm-app --locked -- --test-threads=1
