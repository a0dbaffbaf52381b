#!/usr/bin/env bash
# Benchmark of rtspsink2 against upstream rtspclientsink (not a test).
#   bench/rtsp/sink_run.sh [ROUNDS] [SECONDS]   default 3 rounds of 10 s per variant and transport
# Uses the plugins and the example server from build/ (meson setup build; debugoptimized, -O2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
ninja -C build >/dev/null
out=build/bench-sink
mkdir -p "$out"
# bench/meson.build does not build this directory; compile the driver here.
c++ -std=c++20 -O2 -o "$out/sink_bench" bench/rtsp/sink_bench.cpp \
  $(pkg-config --cflags --libs gstreamer-1.0 gstreamer-app-1.0 gio-2.0)
export GST_PLUGIN_PATH_1_0="$root/build/gst/rtsp:$root/build/gst/rtp"
export GST_REGISTRY_1_0="$root/$out/registry.bin"
"$out/sink_bench" --server build/examples/rtsp2-example-server --rounds "${1:-3}" --seconds "${2:-10}" --dir "$out"
