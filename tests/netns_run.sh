#!/bin/sh
# netns_run.sh CHECK EXECUTABLE: runs one gst-check test case (GST_CHECKS=CHECK) of a test executable in a
# network namespace of its own, where lo is up with multicast on and a 224.0.0.0/4 route, and there is no
# other interface. The tests' multicast happens only there, never on the host's interfaces. Exits 77 (meson:
# skipped) when this host cannot make such a namespace (neither as root nor in a user namespace).
set -eu
check=$1
shift
ip=$(command -v ip || echo /usr/sbin/ip)
# shellcheck disable=SC2016  # expanded by the inner shell
setup='"$0" link set lo up && "$0" link set lo multicast on && "$0" route add 224.0.0.0/4 dev lo'
ns=""
for candidate in "unshare -n" "unshare -rn"; do
  if $candidate sh -c "$setup" "$ip" 2>/dev/null; then
    ns=$candidate
    break
  fi
done
if [ -z "$ns" ]; then
  echo "no network namespace with multicast on lo can be made here (unshare -n and -rn tried): skipped"
  exit 77
fi
export GST_CHECKS="$check" RTSP2_NETNS=1
exec $ns sh -c "$setup"' && exec "$@"' "$ip" "$@"
