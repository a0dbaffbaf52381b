#!/usr/bin/env bash
# Receive benchmark (not a test): upstream rtspsrc, rtspsrc2 rtp-engine=rtpbin and rtspsrc2 rtp-engine=native
# in ONE run against ONE server, writes docs/bench/receive.md and docs/bench/receive-cpu.png.
#
#   raw       one raw-video stream (/raw, rtpvrawpay 640x480@30, ~13,400 packets/s), over UDP and over TCP
#   cameras   1, 10 and 40 H.264 streams (~4 Mbit/s, ~430 packets/s each) in one client process, UDP and TCP
#   av        10 of those cameras with a G.711 audio stream each (two streams per element), UDP
#
# Each (scenario, client) is a fresh rtsp2-streams-client process (streams_client.cpp): CPU per received RTP
# packet, peak threads, peak RSS and packets lost of that process. The server (streams_server.cpp, H.264
# encoded once at its start and looped from memory) is one separate process for the whole run. Engine values
# the built rtspsrc2 lacks are skipped with a note.
#
# Usage:  bench/rtsp/streams_run.sh                 full run, ~15 minutes on 2 cores (five clients)
#         BENCH_QUICK=1 bench/rtsp/streams_run.sh   ~1 minute: 3 s windows, 1 and 10 cameras, cameras over
#                                                   UDP only; writes build-bench/receive-quick.md (+ -cpu.png)
# Environment (optional): BENCH_SECONDS (10; quick 3)  BENCH_WARMUP (2; quick 1)  BENCH_STREAMS ("1 10 40")
#   BENCH_CAM_PROTOCOLS ("udp tcp")  BENCH_RAW_PROTOCOLS ("udp tcp")  BENCH_LATENCY (2000, ms, every client)
#   BENCH_AV_STREAMS ("10"; "" for none)  BENCH_AV_PROTOCOLS ("udp")
#   BENCH_OUT (docs/bench/receive.md; the plot is written next to it as <name>-cpu.png)
#   BENCH_ROUNDS (1: each row is the run with the median µs/packet of that many, clients alternating)
#   BENCH_SETUP=0 (do not run scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
  seconds=${BENCH_SECONDS:-3}
  warmup=${BENCH_WARMUP:-1}
  counts=${BENCH_STREAMS:-"1 10"}
  cam_protocols=${BENCH_CAM_PROTOCOLS:-"udp"}
  out=${BENCH_OUT:-build-bench/receive-quick.md}
else
  seconds=${BENCH_SECONDS:-10}
  warmup=${BENCH_WARMUP:-2}
  counts=${BENCH_STREAMS:-"1 10 40"}
  cam_protocols=${BENCH_CAM_PROTOCOLS:-"udp tcp"}
  out=${BENCH_OUT:-docs/bench/receive.md}
fi
raw_protocols=${BENCH_RAW_PROTOCOLS:-"udp tcp"}
av_protocols=${BENCH_AV_PROTOCOLS:-"udp"}
av_counts=${BENCH_AV_STREAMS:-"10"}
rounds=${BENCH_ROUNDS:-1}
latency=${BENCH_LATENCY:-2000}
png="${out%.md}-cpu.png"
command_line="$(env | { grep -E '^BENCH_' || true; } | sort | sed 's/=\(.* .*\)$/="\1"/' | tr '\n' ' ')bench/rtsp/streams_run.sh"

say() { echo "streams_run: $*" >&2; }

# Packages (gnuplot-nox among them) from Debian through the project's own list.
if [ "${BENCH_SETUP:-1}" != 0 ]; then
  scripts/setup.sh >&2 || say "scripts/setup.sh failed; going on with what is installed"
fi
have_gnuplot=1
if ! command -v gnuplot >/dev/null; then
  have_gnuplot=0
  say "gnuplot is missing: no $png (install Debian's gnuplot-nox, e.g. with scripts/setup.sh)"
fi

# A release build of the plugin in a build directory of its own; the bench tools compiled next to it.
bdir="$root/build-bench"
if [ ! -f "$bdir/build.ninja" ]; then
  meson setup "$bdir" -Dbuildtype=release -Dtests=disabled >/dev/null
fi
buildtype=$(meson introspect --buildoptions "$bdir" |
  python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))')
if [ "$buildtype" != release ]; then
  meson configure "$bdir" -Dbuildtype=release >/dev/null
fi
ninja -j2 -C "$bdir" gst/rtsp/libgstrtsp2.so >/dev/null
tools="$bdir/bench-rtsp"
mkdir -p "$tools"
build_tool() {  # source binary pkg-config-modules...
  local src=$1 bin=$2
  shift 2
  if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
    # shellcheck disable=SC2046
    c++ -std=c++20 -O2 -o "$bin" "$src" $(pkg-config --cflags --libs "$@") -pthread
  fi
}
build_tool bench/rtsp/streams_server.cpp "$tools/rtsp2-streams-server" gstreamer-1.0 gstreamer-app-1.0 \
  gstreamer-rtsp-server-1.0
build_tool bench/rtsp/streams_client.cpp "$tools/rtsp2-streams-client" gstreamer-1.0

# Only our build's plugin (not another checkout's), in a registry of its own.
unset GST_PLUGIN_PATH
export GST_PLUGIN_PATH_1_0="$bdir/gst/rtsp"
export GST_REGISTRY_1_0="$bdir/bench-receive-registry.bin"

# Which receive engines this rtspsrc2 has: the enum values listed under its rtp-engine property.
inspect=$(gst-inspect-1.0 rtspsrc2 2>/dev/null || true)
if [ -z "$inspect" ]; then
  say "rtspsrc2 not found in $GST_PLUGIN_PATH_1_0"
  exit 1
fi
engines=$(echo "$inspect" | awk '/^  rtp-engine /{on=1; next} on && /^  [^ ]/{on=0} on && /\([0-9]+\): /{print $2}')
# label|factory|rtp-engine (empty: property not set)|--set name=value ...|environment NAME=value ...
clients=("rtspsrc|rtspsrc||")
notes=()
if [ -z "$engines" ]; then
  clients+=("rtspsrc2 rtpbin|rtspsrc2||")
  notes+=("this rtspsrc2 has no \`rtp-engine\` property: \"rtspsrc2 rtpbin\" is its only receive path (rtpbin), \"rtspsrc2 native\" was skipped")
  say "rtspsrc2 has no rtp-engine property: measuring its rtpbin path, skipping native"
else
  for e in rtpbin native; do
    if echo "$engines" | grep -qx "$e"; then
      clients+=("rtspsrc2 $e|rtspsrc2|$e|")
    else
      notes+=("this rtspsrc2's \`rtp-engine\` has no value \`$e\`: \"rtspsrc2 $e\" was skipped")
      say "rtspsrc2 has no rtp-engine=$e: skipped"
    fi
  done
fi
# The native path without read moderation (every datagram read as it arrives), where the property exists: what
# the moderation is worth, in the same run.
if echo "$engines" | grep -qx native && echo "$inspect" | grep -q '^  read-interval '; then
  clients+=("rtspsrc2 native, read-interval=0|rtspsrc2|native|read-interval=0")
fi
# The native path with every element of the process on two shared worker threads (RTSP2_WORKER_THREADS, read
# by builds that have shared workers; others ignore it): what fewer threads cost.
if echo "$engines" | grep -qx native; then
  clients+=("rtspsrc2 native, 2 shared threads|rtspsrc2|native||RTSP2_WORKER_THREADS=2")
fi

scenarios=()  # kind|path|protocol|streams
for p in $raw_protocols; do scenarios+=("raw|/raw|$p|1"); done
max_streams=1
for p in $cam_protocols; do
  for n in $counts; do
    scenarios+=("cameras|/cam{i}|$p|$n")
    if [ "$n" -gt "$max_streams" ]; then max_streams=$n; fi
  done
done
# Cameras with audio (two streams per element): what the threads of a multi-stream presentation cost.
for p in $av_protocols; do
  for n in $av_counts; do
    scenarios+=("av|/av{i}|$p|$n")
    if [ "$n" -gt "$max_streams" ]; then max_streams=$n; fi
  done
done

work=$(mktemp -d)
server_pid=""
client_pid=""
stop_pid() {
  local p=$1
  kill "$p" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
cleanup() {
  if [ -n "$client_pid" ]; then stop_pid "$client_pid"; fi
  if [ -n "$server_pid" ]; then stop_pid "$server_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
"$tools/rtsp2-streams-server" --cameras "$max_streams" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
port=""
for _ in $(seq 1 600); do  # the server encodes first (a few seconds)
  port=$(awk '/^port /{print $2; exit}' "$work/server.out" 2>/dev/null || true)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  say "the server did not start: $(tail -3 "$work/server.err")"
  exit 1
fi
encoded=$(grep -m1 '^encoded' "$work/server.err" || true)
say "server on port $port ($encoded)"

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }  # key=value from " $line"
results="$work/results.tsv"
: >"$results"
total=$((${#scenarios[@]} * ${#clients[@]} * rounds))
i=0
for sc in "${scenarios[@]}"; do
  IFS='|' read -r kind path proto n <<<"$sc"
  for _ in $(seq 1 "$rounds"); do  # clients alternate within a scenario: they share the machine's moods
    for cl in "${clients[@]}"; do
      IFS='|' read -r label factory engine sets envs <<<"$cl"
      i=$((i + 1))
      args=(--factory "$factory" --url "rtsp://127.0.0.1:$port$path" --streams "$n" --protocols "$proto"
        --latency "$latency" --warmup "$warmup" --seconds "$seconds")
      if [ -n "$engine" ]; then args+=(--engine "$engine"); fi
      for kv in $sets; do args+=(--set "$kv"); done
      limit=$((20 + n / 2 + warmup + seconds + 30))
      # shellcheck disable=SC2086
      env $envs timeout -k 5 "$limit" "$tools/rtsp2-streams-client" "${args[@]}" >"$work/client.out" \
        2>"$work/client.err" &
      client_pid=$!
      crc=0
      wait "$client_pid" || crc=$?
      client_pid=""
      line=$(cat "$work/client.out")
      packets=$(echo " $line" | field packets)
      if [ "$crc" != 0 ] || [ -z "$packets" ] || [ "$packets" = 0 ]; then
        err=$(tail -1 "$work/client.err" | tr '|\t' '/ ')
        if [ "$crc" = 124 ] || [ "$crc" = 137 ]; then err="killed after ${limit} s"; fi
        printf '%s\t%s\t%s\t%s\tFAILED\t%s\n' "$kind" "$proto" "$n" "$label" "${err:-no output}" >>"$results"
        say "[$i/$total] $kind $proto x$n $label: failed (${err:-no output})"
        continue
      fi
      printf '%s\t%s\t%s\t%s\tok\t%s\n' "$kind" "$proto" "$n" "$label" "$line" >>"$results"
      say "[$i/$total] $kind $proto x$n $label: $(echo " $line" | field us_per_packet) µs/packet," \
        "$(echo " $line" | field threads_peak) threads, $(echo " $line" | field peak_rss_kb) kB peak RSS," \
        "lost $(echo " $line" | field lost) of $(echo " $line" | field expected)"
    done
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ----
labels=()
for cl in "${clients[@]}"; do labels+=("${cl%%|*}"); done
# The run of (kind, proto, streams, label) with the median µs/packet among those that worked, as
# "ok<TAB>key=value...<TAB>min µs<TAB>max µs<TAB>runs", or "FAILED<TAB>last error" when none did.
pick() {
  awk -F'\t' -v k="$1" -v p="$2" -v n="$3" -v l="$4" '
    function us(line,   m, j, kv, a) {
      m = split(line, kv, " "); for (j = 1; j <= m; j++) { split(kv[j], a, "="); if (a[1] == "us_per_packet") return a[2] + 0 }
    }
    $1 == k && $2 == p && $3 == n && $4 == l {
      if ($5 == "ok") { c++; line[c] = $6; u[c] = us($6) } else err = $6
    }
    END {
      if (c == 0) { print "FAILED\t" err; exit }
      for (x = 2; x <= c; x++) for (y = x; y > 1 && u[y] < u[y - 1]; y--) {  # insertion sort, c is small
        t = u[y]; u[y] = u[y - 1]; u[y - 1] = t; t = line[y]; line[y] = line[y - 1]; line[y - 1] = t }
      printf "ok\t%s\t%.2f\t%.2f\t%d\n", line[int((c + 1) / 2)], u[1], u[c], c
    }' "$results"
}
value() {  # kind proto streams label key -> the median run's value, or empty
  pick "$1" "$2" "$3" "$4" | awk -F'\t' -v key="$5" '$1 == "ok" {
    m = split($2, kv, " "); for (j = 1; j <= m; j++) { split(kv[j], a, "="); if (a[1] == key) print a[2] } }'
}
scenario_name() {  # kind proto streams
  if [ "$1" = raw ]; then echo "raw video, ${2^^}"; elif [ "$1" = av ]; then
    echo "$3 A/V camera$([ "$3" != 1 ] && echo s) (H.264 + G.711), ${2^^}"; else
    echo "$3 camera$([ "$3" != 1 ] && echo s), ${2^^}"; fi
}
pivot() {  # key printf-format divisor
  local header="| scenario |" sep="|---|"
  for l in "${labels[@]}"; do header+=" $l |"; sep+="---:|"; done
  echo "$header"
  echo "$sep"
  for sc in "${scenarios[@]}"; do
    IFS='|' read -r kind _ proto n <<<"$sc"
    local row
    row="| $(scenario_name "$kind" "$proto" "$n") |"
    for l in "${labels[@]}"; do
      v=$(value "$kind" "$proto" "$n" "$l" "$1")
      if [ -z "$v" ]; then row+=" failed |"; else row+=" $(awk -v v="$v" -v s="$3" -v f="$2" 'BEGIN { printf f, v / s }') |"; fi
    done
    echo "$row"
  done
}

main_max=$(awk -F'\t' -v s="$seconds" '$5 == "ok" { m = split($6, kv, " "); for (j = 1; j <= m; j++) {
  split(kv[j], a, "="); if (a[1] == "main_cpu_ms" && a[2] / s > max) max = a[2] / s } } END { printf "%.1f", max }' \
  "$results")
mkdir -p "$(dirname "$out")"
{
  echo "# Receive benchmark: rtspsrc, rtspsrc2 rtp-engine=rtpbin, rtspsrc2 rtp-engine=native (with and without read moderation)"
  echo
  echo "Written by \`bench/rtsp/streams_run.sh\` (a measurement, not a test; rerun it on your machine)."
  for note in "${notes[@]}"; do echo; echo "**Note:** $note."; done
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'). Command: \`$command_line\`."
  echo "- Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), Linux" \
    "$(uname -r), GStreamer $(pkg-config --modversion gstreamer-1.0), rtsp2 $(git rev-parse --short HEAD 2>/dev/null || echo '?')$([ -n "$(git status --porcelain -- gst 2>/dev/null)" ] && echo ' (gst/ modified)'), release build."
  echo "- Load average (1/5/15 min) at start $load_start, at end $load_end: a shared machine moves absolute figures" \
    "by ±20–30 %; compare clients within one run."
  echo "- Every client: \`latency=$latency\` ms, each output pad into \`fakesink sync=false\`, a window of" \
    "$seconds s after a warm-up of $warmup s counted from the moment every stream delivered its first packet."
  if [ "$rounds" -gt 1 ]; then
    echo "- $rounds runs per row, the clients alternating; each row is the run with the median µs/packet" \
      "(the lower middle one for an even count; its other columns from that same run), min–max of the runs in" \
      "brackets."
  fi
  echo
  echo "## Set-up"
  echo
  echo "- Server: \`rtsp2-streams-server\` (\`bench/rtsp/streams_server.cpp\`, gst-rtsp-server) on 127.0.0.1, one" \
    "process for the whole run. \`/raw\`: \`videotestsrc ! video/x-raw,format=UYVY,width=640,height=480,framerate=30/1" \
    "! rtpvrawpay\`. \`/camK\`: 10 s of \`videotestsrc pattern=snow\` 640x480@30 encoded once at start-up" \
    "(\`x264enc speed-preset=ultrafast tune=zerolatency bitrate=4000 key-int-max=30\`; ${encoded#encoded }), served" \
    "from memory in a loop by \`appsrc ! identity sync=true ! rtph264pay config-interval=-1\` (MTU 1400), a" \
    "separate media per connection (own SSRC, sequence numbers and phase, as separate cameras)."
  echo "- Client: \`rtsp2-streams-client\` (\`bench/rtsp/streams_client.cpp\`), a fresh process per row, N source" \
    "elements in N pipelines. Packets are counted by a pad probe on the source elements' output pads (RTP" \
    "packets after the jitterbuffer); CPU is user+system time over the window of every thread of the client" \
    "(\`getrusage\` RUSAGE_SELF): the receive path, jitterbuffer, RTCP, the fakesinks and the counting probe;" \
    "less the main thread's (RUSAGE_THREAD), which runs no pipeline work, only the bench's polling of the" \
    "buses and of /proc every 50 ms (at most $main_max ms/s in this run)."
  echo "- Threads: the most \`Threads:\` of \`/proc/self/status\` seen (sampled every 50 ms) from start to the end of" \
    "the window (peak) and during the window only, in brackets the count before any pipeline. Peak RSS: \`VmHWM\`. Lost: per output pad, the" \
    "span of extended sequence numbers that came out in the window minus the packets that did (what the" \
    "application misses, whoever dropped it: kernel socket buffer or jitterbuffer)."
  echo "- \"rtspsrc2 native, read-interval=0\": every datagram read as it arrives. \"rtspsrc2 native, 2 shared" \
    "threads\": \`RTSP2_WORKER_THREADS=2\` in the client's environment, so every element of the process runs on" \
    "two shared worker threads from its start and each stream is pushed by the output pool (otherwise each" \
    "element starts on a worker thread of its own, which pushes a single stream itself; an element whose" \
    "streams the output pool pushes, as with two streams, moves to one of as many shared threads as CPUs)."
  echo
  echo "## Summary"
  echo
  echo "µs of client CPU per received RTP packet:"
  echo
  pivot us_per_packet "%.2f" 1
  echo
  echo "Peak threads of the client process (from start-up, when every element may still be on a thread of its own):"
  echo
  pivot threads_peak "%d" 1
  echo
  echo "Threads of the client process during the measurement window (the most seen; the steady state):"
  echo
  pivot threads_window "%d" 1
  echo
  echo "Peak RSS of the client process (MiB):"
  echo
  pivot peak_rss_kb "%.1f" 1024
  echo
  if [ "$have_gnuplot" = 1 ]; then
    echo "![CPU per packet against camera streams]($(basename "$png"))"
    echo
  fi
  echo "## All figures"
  echo
  echo "| scenario | client | packets/s | CPU ms/s | µs CPU/packet | vs rtspsrc | threads peak / window (before) | peak RSS MiB | lost / expected | start-up ms |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for sc in "${scenarios[@]}"; do
    IFS='|' read -r kind _ proto n <<<"$sc"
    name=$(scenario_name "$kind" "$proto" "$n")
    base=$(value "$kind" "$proto" "$n" rtspsrc us_per_packet)
    for l in "${labels[@]}"; do
      IFS=$'\t' read -r status rest umin umax runs < <(pick "$kind" "$proto" "$n" "$l")
      if [ "$status" != ok ]; then
        echo "| $name | $l | failed: $rest | | | | | | | |"
        continue
      fi
      echo "$rest" | awk -v name="$name" -v label="$l" -v s="$seconds" -v base="$base" -v umin="$umin" \
        -v umax="$umax" -v runs="$runs" '{
        for (j = 1; j <= NF; j++) { split($j, a, "="); v[a[1]] = a[2] }
        ratio = (base != "" && base > 0) ? sprintf("%.2f", v["us_per_packet"] / base) : ""
        spread = runs > 1 ? sprintf(" (%s–%s)", umin, umax) : ""
        printf "| %s | %s | %.0f | %.0f | %.2f%s | %s | %d / %d (%d) | %.1f | %d / %d | %d |\n", name, label,
          v["packets"] / s, v["cpu_ms"] / s, v["us_per_packet"], spread, ratio, v["threads_peak"],
          v["threads_window"], v["threads_base"], v["peak_rss_kb"] / 1024, v["lost"], v["expected"], v["startup_ms"] }'
    done
  done
} >"$out"

# CPU per packet against the number of camera streams, one line per client (and transport).
if [ "$have_gnuplot" = 1 ]; then
  plot=()
  colors=("#c0392b" "#2471a3" "#229954" "#7d3c98")
  ci=0
  for l in "${labels[@]}"; do
    for p in $cam_protocols; do
      dat="$work/plot-$ci-$p.dat"
      : >"$dat"
      for n in $counts; do
        v=$(value cameras "$p" "$n" "$l" us_per_packet)
        [ -n "$v" ] && echo "$n $v" >>"$dat"
      done
      [ -s "$dat" ] || continue
      dt=1
      [ "$p" = tcp ] && dt=2
      plot+=("'$dat' using 1:2 with linespoints lw 2 pt 7 dt $dt lc rgb '${colors[$((ci % 4))]}' title '$l, ${p^^}'")
    done
    ci=$((ci + 1))
  done
  if [ ${#plot[@]} -gt 0 ]; then
    {
      echo "set terminal pngcairo size 900,640 font 'sans,11' noenhanced"
      echo "set output '$png'"
      echo "set title 'Client CPU per received RTP packet, H.264 cameras (~430 packets/s each)'"
      echo "set xlabel 'camera streams in one client process'"
      echo "set ylabel 'µs CPU per packet'"
      echo "set logscale x"
      echo "set xtics ($(echo "$counts" | tr ' ' '\n' | grep . | paste -sd, -))"
      echo "set xrange [0.8:$((max_streams * 5 / 4 + 1))]"
      echo "set yrange [0:*]"
      echo "set grid"
      echo "set key below maxcols 2"
      echo "plot $(IFS=,; echo "${plot[*]}")"
    } >"$work/plot.gp"
    gnuplot "$work/plot.gp"
  fi
fi

sed -n '/^## Summary/,/^## All figures/p' "$out" | sed '$d'
say "wrote $out$([ "$have_gnuplot" = 1 ] && echo " and $png")"
