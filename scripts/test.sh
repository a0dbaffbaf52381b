#!/usr/bin/env bash
# The whole test suite, from a clean clone:
#   1. installs what is missing (scripts/setup.sh),
#   2. builds and runs every test in build/ (warnings are errors),
#   3. builds and runs every test again under ASan+UBSan in build-asan/,
#   4. runs every libFuzzer target for a bounded number of inputs (build-fuzz/, clang).
# Ends with "N passed, N failed[, N skipped]" counted from meson's test logs; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

jobs=$(nproc)
fuzz_runs=${RTSP2_FUZZ_RUNS:-10000}
failed_steps=0

configure() {  # dir, extra options...
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson configure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

run_suite() {  # dir, label
  local dir=$1 label=$2
  echo "== $label: build ($dir)"
  if ! ninja -C "$dir" >"$dir/build-output.txt" 2>&1; then
    tail -60 "$dir/build-output.txt"
    echo "== $label: BUILD FAILED"
    failed_steps=$((failed_steps + 1))
    return
  fi
  echo "== $label: test"
  rm -f "$dir/meson-logs/testlog.json"
  meson test -C "$dir" --num-processes "$jobs" --print-errorlogs || true
}

# Build time is most of this script's time. No debug information in build/ (its failures report file and
# line from the checks themselves), and line tables only under the sanitisers (enough for their stack
# traces): a fifth to a third less compile time than -g. These options stay in the build directories (an
# existing build/ loses its debug information; build-asan/'s c_args and cpp_args are replaced).
configure build -Dwerror=true -Dtests=enabled -Ddebug=false
run_suite build "default build"

configure build-asan -Dwerror=true -Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false \
  -Dbuildtype=debug -Dc_args=-g1 -Dcpp_args=-g1
run_suite build-asan "ASan+UBSan build"

echo "== fuzz: $fuzz_runs runs per target"
fuzz_log=$(mktemp)
# Each target prints one "fuzz NAME: ..." line, counted below; a failed fuzz build prints "fuzz build: FAILED".
bash scripts/fuzz.sh "$fuzz_runs" | tee "$fuzz_log" || true

# Count meson's results from both builds plus one result per fuzz target.
python3 - "$root/build/meson-logs/testlog.json" "$root/build-asan/meson-logs/testlog.json" "$fuzz_log" \
  "$failed_steps" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:3]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for line in lines:
        if not line.strip():
            continue
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
for line in open(sys.argv[3]):
    if line.startswith("fuzz "):
        if line.startswith("fuzz build: FAILED"):
            failed += 1
        elif "no finding" in line:
            passed += 1
        elif "FINDING" in line:
            failed += 1
failed += int(sys.argv[4])  # build or fuzz-build failures that produced no test result
summary = f"{passed} passed, {failed} failed"
if skipped:
    summary += f", {skipped} skipped"
print(summary)
sys.exit(1 if failed or passed == 0 else 0)
PY
