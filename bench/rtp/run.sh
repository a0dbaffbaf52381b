#!/usr/bin/env bash
# Benchmark of the rtp2 payloaders/depayloaders against upstream (not a test).
#   bench/rtp/run.sh [ROUNDS]            CPU time per packet, median of ROUNDS (default 15) alternating rounds
#   bench/rtp/run.sh --callgrind         instructions per packet per element (valgrind callgrind), one pass
# Uses the plugin from build/ (meson setup build; the default buildtype is debugoptimized, -O2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
ninja -C build >/dev/null
out=build/bench-rtp
mkdir -p "$out"
# bench/meson.build does not build this directory; compile the driver here.
c++ -std=c++20 -O2 -o "$out/bench_rtp" bench/rtp/bench_rtp.cpp \
  $(pkg-config --cflags --libs gstreamer-1.0 gstreamer-app-1.0)
export GST_PLUGIN_PATH_1_0="$root/build/gst/rtp"
export GST_REGISTRY_1_0="$root/$out/registry.bin"
if [ "${1:-}" = "--callgrind" ]; then
  # One profile per element and pass, collected only around the push loop (see bench_rtp.cpp).
  rm -f "$out"/cg.out*
  valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no --callgrind-out-file="$out/cg.out" \
    "$out/bench_rtp" --callgrind >/dev/null 2>"$out/valgrind.log"
  printf "| case | element | packets | instructions/packet |\n|---|---|---:|---:|\n"
  for f in $(ls "$out"/cg.out.* | sort -t. -k3 -n); do
    desc=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
    total=$(sed -n 's/^totals: //p' "$f" | awk '{print $1}')
    packets=${desc##*| }
    printf "| %s | %d |\n" "$desc" $((total / packets))
  done
else
  "$out/bench_rtp" --rounds "${1:-15}"
fi
