#!/usr/bin/env bash
# Runs every libFuzzer target over its seed corpus plus a fixed number of generated inputs.
#   scripts/fuzz.sh [RUNS]     (default 10000 runs per target)
# Builds with clang in build-fuzz/. Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10000}
if [ ! -f build-fuzz/build.ninja ]; then
  # Line tables only (-g1): enough for a finding's stack trace.
  if ! CC=clang CXX=clang++ meson setup build-fuzz -Dfuzzing=true -Dtests=disabled -Dexamples=disabled \
    -Dbench=disabled -Db_lundef=false -Dc_args=-g1 -Dcpp_args=-g1 >/dev/null; then
    echo "fuzz build: FAILED (meson setup)"
    exit 1
  fi
fi
# Only the fuzz targets and what they link: the plugins' element code is not fuzzed, and building it with
# clang under the fuzzer's instrumentation took most of this build's time.
ninja -C build-fuzz build.ninja >/dev/null 2>&1 || true  # re-configures first when a meson.build changed
targets=$(meson introspect build-fuzz --targets | python3 -c '
import json, os, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and t["name"].startswith("fuzz_"):
        print(os.path.relpath(t["filename"][0], os.path.abspath("build-fuzz")))') || targets=""
if [ -z "$targets" ]; then
  echo "fuzz build: FAILED (no fuzz targets in build-fuzz)"
  exit 1
fi
# shellcheck disable=SC2086  # one target per word
if ! ninja -C build-fuzz -j"$(nproc)" $targets >build-fuzz/build-output.txt 2>&1; then
  tail -40 build-fuzz/build-output.txt
  echo "fuzz build: FAILED"
  exit 1
fi
mkdir -p fuzz-out
# Each target runs on one CPU: as many at a time as there are CPUs (RTSP2_FUZZ_JOBS to say otherwise), results
# printed in name order.
parallel=${RTSP2_FUZZ_JOBS:-$(nproc)}
results=$(mktemp -d)
run_target() {  # exe name
  local exe=$1 name=$2 work
  work=$(mktemp -d)
  # A scratch corpus so that the committed seeds are never rewritten.
  cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
  if "$exe" -runs="$runs" -max_len=8192 -rss_limit_mb=1024 -timeout=10 -print_final_stats=0 \
      -artifact_prefix="fuzz-out/$name-" "$work" >"$work.log" 2>&1; then
    echo "fuzz $name: $runs runs, no finding" >"$results/$name"
  else
    { echo "fuzz $name: FINDING (log below; input kept in fuzz-out/)"; tail -40 "$work.log"; } >"$results/$name"
  fi
  rm -rf "$work" "$work.log"
}
names=()
# shellcheck disable=SC2086  # one target per word
for exe in $(printf 'build-fuzz/%s\n' $targets | sort); do
  name=$(basename "$exe"); name=${name#fuzz_}
  names+=("$name")
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  run_target "$exe" "$name" &
done
wait
status=0
for name in "${names[@]}"; do
  if [ -f "$results/$name" ]; then
    cat "$results/$name"
  else
    echo "fuzz $name: FINDING (the run left no result)"
  fi
  head -1 "$results/$name" 2>/dev/null | grep -q "no finding" || status=1
done
rm -rf "$results"
exit $status
