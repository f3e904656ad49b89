#!/bin/sh
# proc_tools.sh LX: procps tools (ps, top, free, uptime, pgrep) and python's
# /proc readers work under lx and see only the instance's own processes,
# with virtual pids (init is pid 1), never the host's.
set -u
LX=$1
fail() { echo "FAIL: $*"; exit 1; }

out=$("$LX" run -- /usr/bin/ps -e -o pid=,comm=) || fail "ps -e exited $?"
echo "$out" | awk '$1 == 1 { found = 1 } END { exit !found }' || fail "ps -e has no pid 1: $out"
lines=$(echo "$out" | wc -l)
[ "$lines" -le 3 ] || fail "ps -e shows $lines processes, expected only the instance's: $out"
echo "$out" | grep -q ' ps$' || fail "ps -e does not show ps itself: $out"

"$LX" run -- /usr/bin/ps aux > /dev/null || fail "ps aux exited $?"
"$LX" run -- /usr/bin/top -b -n1 > /dev/null || fail "top -b -n1 exited $?"
"$LX" run -- /usr/bin/free > /dev/null || fail "free exited $?"
"$LX" run -- /usr/bin/uptime > /dev/null || fail "uptime exited $?"

# pgrep finds a process of the instance, and no host process (the host's
# own shell running this script is not visible).
got=$("$LX" run -- /bin/sh -c '/bin/sleep 5 & /usr/bin/pgrep -x sleep; kill $!') || fail "pgrep exited $?"
[ -n "$got" ] || fail "pgrep did not find sleep"
got=$("$LX" run -- /usr/bin/pgrep -x "$(basename "$(readlink /proc/$$/exe)")")
[ -z "$got" ] || fail "pgrep saw host processes: $got"

got=$("$LX" run -- /usr/bin/python3 -c 'import os; print(os.readlink("/proc/self/exe"))')
case "$got" in
  /usr/bin/python3*) ;;
  *) fail "python3's /proc/self/exe is '$got', expected the guest path of python3" ;;
esac

got=$("$LX" run -- /bin/sh -c 'cat /proc/self/status' | awk '/^Pid:/ { print $2 }')
[ -n "$got" ] && [ "$got" -lt 100 ] || fail "cat /proc/self/status shows pid '$got', not an instance pid"

echo "proc_tools: ps/top/free/uptime/pgrep work and see only the instance's processes"
