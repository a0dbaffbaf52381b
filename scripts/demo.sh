#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, serves a test pattern over RTSP with the
# project's example server (examples/rtsp2-example-server) and plays it through rtspsrc2 for a few seconds,
# decoding with avdec_h264 into a fakesink; prints the decoded frame count and rtspsrc2's stats.
#
#   scripts/demo.sh                          local example server on a free port, /test (H.264)
#   scripts/demo.sh --path /av               the H.264 + AAC mount
#   scripts/demo.sh --url rtsp://cam/stream  any other server (nothing is started then)
#   options: --seconds N (5)  --protocols udp|tcp|udp+tcp|... (rtspsrc2's default)  --latency MS (200)
#            --user U --password P (credentials for --url)  --no-setup (skip scripts/setup.sh)
#
# With the local example server the demo then publishes a test pattern through rtspsink2 to its RECORD mount
# (/record, written to an MPEG-TS file) and prints what arrived there (frames, codec, duration, via ffprobe).
# The example server is always stopped on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

url=""
path="/test"
seconds=5
protocols=""
latency=200
user=""
password=""
run_setup=1

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --url) url=$2; shift 2 ;;
    --path) path=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --protocols) protocols=$2; shift 2 ;;
    --latency) latency=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --password) password=$2; shift 2 ;;
    --no-setup) run_setup=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "demo: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ "$run_setup" = 1 ]; then
  bash scripts/setup.sh
fi

echo "== build"
if [ ! -f build/build.ninja ]; then
  meson setup build -Dwerror=true >/dev/null
fi
ninja -C build gst/rtsp/libgstrtsp2.so gst/rtp/libgstrtp2.so examples/rtsp2-example-server >/dev/null

workdir=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

if [ -z "$url" ]; then
  echo "== starting the example server"
  "$root/build/examples/rtsp2-example-server" --port 0 --record-file "$workdir/record.ts" \
    >"$workdir/server.out" 2>"$workdir/server.err" &
  server_pid=$!
  # The server prints "port N" as soon as it listens; wait for it (bounded).
  port=""
  for _ in $(seq 1 100); do
    port=$(awk '/^port /{print $2; exit}' "$workdir/server.out" 2>/dev/null || true)
    [ -n "$port" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "demo: the example server died:" >&2
      cat "$workdir/server.err" >&2
      exit 1
    fi
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "demo: the example server did not start" >&2
    exit 1
  fi
  url="rtsp://127.0.0.1:$port$path"
  sed -n '2p' "$workdir/server.out"
fi

props="location=\"$url\" latency=$latency"
[ -n "$protocols" ] && props="$props protocols=$protocols"
[ -n "$user" ] && props="$props user-id=\"$user\""
[ -n "$password" ] && props="$props user-pw=\"$password\""

echo "== playing $url for $seconds s through rtspsrc2"
set +e
# rtspsrc2 logs its stats (INFO) when it stops; fakesink -v prints one line per decoded frame.
GST_PLUGIN_PATH="$root/build/gst/rtsp" GST_DEBUG="rtspsrc2:4" GST_DEBUG_NO_COLOR=1 \
  timeout -s INT -k 10 "$seconds" \
  gst-launch-1.0 -e -v rtspsrc2 name=src $props \
    src. ! "application/x-rtp,media=video,encoding-name=H264" ! rtph264depay ! h264parse ! avdec_h264 ! \
    fakesink name=frames silent=false sync=false \
  >"$workdir/play.out" 2>"$workdir/play.err"
status=$?
set -e

frames=$(grep -c 'frames: last-message = chain' "$workdir/play.out" || true)
if grep -q '^ERROR' "$workdir/play.out"; then
  echo "== rtspsrc2 reported an error:"
  grep -A2 '^ERROR' "$workdir/play.out"
fi
echo "== decoded frames: $frames in about $seconds s"
stats=$(grep -o 'stats: application/x-rtspsrc2-stats.*' "$workdir/play.err" | tail -1 || true)
if [ -n "$stats" ]; then
  echo "== rtspsrc2 stats"
  # One field per line; the per-stream structures unescaped.
  echo "${stats#stats: }" | sed 's/\\//g; s/(structure){ "//; s/;" };$//; s/;", "/\n/g' |
    sed 's/, \([a-z-]*=\)/\n  \1/g; s/^/  /; s/(g*u*int[0-9]*)//g; s/(string)//g; s/(guint64)//g'
fi
if [ "$frames" -eq 0 ]; then
  echo "demo: no frame was decoded (gst-launch exit status $status)" >&2
  tail -20 "$workdir/play.err" >&2
  exit 1
fi

if [ -n "$server_pid" ]; then
  record_frames=150
  echo "== publishing $record_frames frames of a test pattern through rtspsink2 to rtsp://127.0.0.1:$port/record"
  set +e
  GST_PLUGIN_PATH="$root/build/gst/rtsp:$root/build/gst/rtp" timeout -k 10 60 \
    gst-launch-1.0 -e videotestsrc num-buffers=$record_frames ! video/x-raw,width=640,height=360,framerate=30/1 ! \
      x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! \
      rtspsink2 location="rtsp://127.0.0.1:$port/record" >"$workdir/record.out" 2>&1
  rec_status=$?
  set -e
  if [ $rec_status -ne 0 ] || grep -q '^ERROR' "$workdir/record.out"; then
    echo "demo: publishing failed (gst-launch exit status $rec_status):" >&2
    grep -A2 '^ERROR' "$workdir/record.out" >&2 || tail -20 "$workdir/record.out" >&2
    exit 1
  fi
  if [ ! -s "$workdir/record.ts" ]; then
    echo "demo: the server recorded nothing" >&2
    exit 1
  fi
  echo "== what the server recorded ($(stat -c %s "$workdir/record.ts") bytes)"
  ffprobe -v error -count_frames -select_streams v:0 \
    -show_entries stream=codec_name,width,height,nb_read_frames,duration \
    -of default=noprint_wrappers=1 "$workdir/record.ts" | awk '!seen[$0]++ { print "  " $0 }'  # TS lists it twice
fi
echo "== done"
