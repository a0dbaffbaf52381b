#!/usr/bin/env bash
# rtspsrc2 vs upstream rtspsrc, same server, same run (not a test). Prints a Markdown report on stdout.
#
#  1. CPU time per received RTP packet and peak RSS, raw video (rtpvrawpay, /raw) over UDP and over TCP,
#     each element in its own client process (bench_client.cpp) for --seconds after --warmup.
#  2. Time to first buffer with the RTSP connection through a proxy delaying each direction by --delay-ms
#     (delay_proxy.cpp), on the H.264 + AAC mount (/av), with the requests counted; median of --runs.
#
# Usage: bench/rtsp/run.sh [--seconds 10] [--warmup 2] [--runs 5] [--delay-ms 25] [--width 640 --height 480
#        --fps 30]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

seconds=10
warmup=2
runs=5
delay_ms=25
width=640
height=480
fps=30
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --delay-ms) delay_ms=$2; shift 2 ;;
    --width) width=$2; shift 2 ;;
    --height) height=$2; shift 2 ;;
    --fps) fps=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# A release build of the plugin and the example server; the bench tools next to them.
bdir="$root/build-bench"
if [ ! -f "$bdir/build.ninja" ]; then
  meson setup "$bdir" -Dbuildtype=release -Dtests=disabled >/dev/null
fi
ninja -C "$bdir" gst/rtsp/libgstrtsp2.so examples/rtsp2-example-server >/dev/null
tools="$bdir/bench-rtsp"
mkdir -p "$tools"
for t in delay_proxy:rtsp2-delay-proxy bench_client:rtsp2-bench-client; do
  src="bench/rtsp/${t%%:*}.cpp"
  bin="$tools/${t##*:}"
  if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
    # shellcheck disable=SC2046
    c++ -std=c++20 -O2 -o "$bin" "$src" $(pkg-config --cflags --libs gstreamer-1.0 gio-2.0) -pthread
  fi
done

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

wait_port() {  # file -> port printed as "port N"
  local f=$1 port=""
  for _ in $(seq 1 100); do
    port=$(awk '/^port /{print $2; exit}' "$f" 2>/dev/null || true)
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.1
  done
  echo "no port in $f" >&2
  return 1
}

"$bdir/examples/rtsp2-example-server" --port 0 --width "$width" --height "$height" --fps "$fps" \
  --record-file "$work/rec.ts" >"$work/server.out" 2>&1 &
pids+=($!)
port=$(wait_port "$work/server.out")

export GST_PLUGIN_PATH="$bdir/gst/rtsp"
client() { "$tools/rtsp2-bench-client" "$@"; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }

echo "# rtspsrc2 vs rtspsrc"
echo
echo "$(date -u +%Y-%m-%d), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), GStreamer $(pkg-config --modversion gstreamer-1.0)."
echo "Server: rtsp2-example-server on 127.0.0.1 in its own process. Command: \`bench/rtsp/run.sh --seconds $seconds --warmup $warmup --runs $runs --delay-ms $delay_ms --width $width --height $height --fps $fps\`"
echo
echo "## CPU per received RTP packet (raw video ${width}x${height}@${fps}, rtpvrawpay)"
echo
echo "| transport | element | packets/s | CPU ms/s | µs CPU per packet | peak RSS (MiB) |"
echo "|---|---|---:|---:|---:|---:|"
for proto in udp tcp; do
  for f in rtspsrc rtspsrc2; do
    line=$(client --factory "$f" --url "rtsp://127.0.0.1:$port/raw" --protocols "$proto" --warmup "$warmup" \
      --seconds "$seconds" --latency 200 2>"$work/client.err" || true)
    if [ -z "$(echo "$line" | field packets)" ]; then
      echo "| $proto | $f | failed: $(tail -1 "$work/client.err") | | | |"
      continue
    fi
    packets=$(echo "$line" | field packets)
    cpu=$(echo "$line" | field cpu_ms)
    upp=$(echo "$line" | field us_per_packet)
    rss=$(echo "$line" | field peak_rss_kb)
    awk -v p="$proto" -v f="$f" -v n="$packets" -v c="$cpu" -v u="$upp" -v r="$rss" -v s="$seconds" \
      'BEGIN { printf "| %s | %s | %.0f | %.0f | %.2f | %.1f |\n", p, f, n / s, c / s, u, r / 1024 }'
  done
done

echo
echo "## Time to first buffer through a proxy delaying each direction by ${delay_ms} ms (H.264 + AAC, /av)"
echo
echo "| element | first buffer, median of $runs (ms) | min–max (ms) | RTSP requests (stopping ones excluded) |"
echo "|---|---:|---:|---|"
for f in rtspsrc rtspsrc2; do
  times=()
  reqs=""
  for _ in $(seq 1 "$runs"); do
    "$tools/rtsp2-delay-proxy" --target-port "$port" --delay-ms "$delay_ms" >"$work/proxy.out" 2>&1 &
    proxy=$!
    pport=$(wait_port "$work/proxy.out")
    line=$(client --factory "$f" --url "rtsp://127.0.0.1:$pport/av" --first-buffer-only --latency 0 \
      2>"$work/client.err" || true)
    kill "$proxy" 2>/dev/null || true
    wait "$proxy" 2>/dev/null || true
    t=$(echo "$line" | field first_buffer_ms)
    [ -n "$t" ] && times+=("$t")
    # Requests sent until the client stopped, without those of stopping (PAUSE, TEARDOWN).
    reqs=$(awk '/^request /{print $2}' "$work/proxy.out" | grep -vE '^(PAUSE|TEARDOWN)$' | paste -sd' ' -)
  done
  if [ ${#times[@]} -eq 0 ]; then
    echo "| $f | failed: $(tail -1 "$work/client.err") | | |"
    continue
  fi
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  median=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  min=$(echo "$sorted" | head -1)
  max=$(echo "$sorted" | tail -1)
  n=$(echo "$reqs" | wc -w)
  echo "| $f | $median | $min–$max | $n: $reqs |"
done
