#!/usr/bin/env bash
# Builds and runs every fuzz target in fuzz/ for SECONDS each (default 60),
# one after the other, and prints the executions each reached. Not part of
# the test suite (scripts/test.sh); see RELIABILITY.md.
#
#   bash scripts/fuzz.sh [SECONDS]
#
# Environment:
#   FUZZ_TARGETS     targets to run (default: all, in the order below)
#   FUZZ_SANITIZER   address (default, cargo fuzz's) or none (faster; panics
#                    and assertion failures are still found)
#   FUZZ_JOBS        cargo build jobs (default: cargo's)
#   CARGO_TARGET_DIR build output (default ~/.cache/otelcol-rs/target-fuzz-run)
#
# The working corpus grows in ~/.cache/otelcol-rs/fuzz-corpus/<target>
# (seeded from fuzz/seeds/<target>, which stays small and committed); logs go
# to ~/.cache/otelcol-rs/fuzz-logs/<target>.log; a crash leaves its input in
# fuzz/artifacts/<target>/ (ignored by git) and makes the script exit 1.
# Builds and runs are `nice -n 10`: the fuzzers only take idle CPU.
set -euo pipefail

seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${OTELCOL_CACHE:-$HOME/.cache/otelcol-rs}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$cache/target-fuzz-run}
# cargo fuzz passes -Z flags (sanitizers, coverage options) that need
# nightly; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
export RUSTC_BOOTSTRAP=1
sanitizer=${FUZZ_SANITIZER:-address}
read -r -a targets <<<"${FUZZ_TARGETS:-wire_walk otlp_json ottl_parse http_body config_resolve}"
corpora=$cache/fuzz-corpus
logs=$cache/fuzz-logs
mkdir -p "$corpora" "$logs"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz from crates.io" >&2
    cargo install cargo-fuzz --locked
fi

cd "$root/fuzz"
build_args=(--sanitizer "$sanitizer")
[[ -n ${FUZZ_JOBS:-} ]] && build_args+=(--jobs "$FUZZ_JOBS")
nice -n 10 cargo fuzz build "${build_args[@]}" >&2

failed=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "$corpora/$t"
    log=$logs/$t.log
    echo "== $t: ${seconds}s (log: $log)" >&2
    status=ok
    # -print_final_stats: libFuzzer's `stat::number_of_executed_units` line.
    # -timeout: an input taking more than 10 s is a finding (a hang).
    if ! nice -n 10 cargo fuzz run "${build_args[@]}" "$t" "$corpora/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=10 >"$log" 2>&1; then
        status="FAILED: $(grep -m1 -o 'Test unit written to .*' "$log" || echo "see $log")"
        failed=1
    fi
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' ||
        grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#' || true)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    summary+=("$(printf '%-16s %14s execs %8s/s  %s' "$t" "${execs:-?}" "${rate:-?}" "$status")")
done

echo
printf '%s\n' "${summary[@]}"
exit "$failed"
