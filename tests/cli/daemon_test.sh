#!/bin/sh
# The lxss daemon end to end (lxss/Daemon.h), each case with its own LX_HOME
# and XDG_RUNTIME_DIR, so its own daemon:
#
#   daemon_test.sh LX CASE
#
# Every case ends its daemon (lx --shutdown, then SIGKILL to whatever is
# left in the daemon's host session) whatever happens.
set -u

LX=$1
CASE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=/usr/bin/python3
TMP=$(mktemp -d "$(pwd)/lx-daemon.XXXXXX") || exit 1
LX_HOME=$TMP/home
XDG_RUNTIME_DIR=$TMP/run
RUNDIR=$XDG_RUNTIME_DIR/lx
export LX_HOME XDG_RUNTIME_DIR
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset LX_NO_DAEMON LX_IDLE_TIMEOUT

# The daemon is a session leader (setsid): its session id is its pid, and
# its host processes stay in that session.
daemon_pid() { cat "$RUNDIR/lxss.pid" 2>/dev/null; }
session_procs() { ps -e -o pid= -o sid= | awk -v s="$1" '$2 == s && s != "" { print $1 }'; }
cleanup() {
  pid=$(daemon_pid)
  "$LX" --shutdown >/dev/null 2>&1
  for sid in $pid $SEEN_DAEMONS; do
    for p in $(session_procs "$sid"); do kill -9 "$p" 2>/dev/null; done
  done
  for p in $BG_PIDS; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
SEEN_DAEMONS=
BG_PIDS=
trap cleanup EXIT

fail() {
  echo "FAIL [$CASE]: $*" >&2
  [ -f "$RUNDIR/lxss.log" ] && { echo "--- daemon log:" >&2; tail -20 "$RUNDIR/lxss.log" >&2; }
  exit 1
}

[ -x /bin/busybox ] || fail "/bin/busybox is missing: install Debian's busybox-static"

. "$HERE/lib.sh"

install_tiny() {
  $PYTHON "$HERE/make_distro_tar.py" "$TMP/tiny.tar" || fail "make_distro_tar.py failed"
  run install "$LX" --install tiny --from-tar "$TMP/tiny.tar" --quiet
  expect_status install 0
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s (generous: a loaded VM).
wait_for() {
  n=$(($1 * 10))
  shift
  while [ $n -gt 0 ]; do
    "$@" && return 0
    sleep 0.1
    n=$((n - 1))
  done
  return 1
}
alive() { kill -0 "$1" 2>/dev/null; }
dead() { ! kill -0 "$1" 2>/dev/null; }
running_has_tiny() { "$LX" -l --running 2>/dev/null | grep -qx tiny; }
guest_has_sleep() { "$LX" -d tiny -e /bin/busybox pidof sleep >/dev/null 2>&1; }

# bg NAME CMD...: CMD in the background; its status lands in $TMP/NAME.status.
bg() {
  name=$1
  shift
  ( "$@" </dev/null >"$TMP/$name.out" 2>"$TMP/$name.err"; echo $? >"$TMP/$name.status" ) &
  BG_PIDS="$BG_PIDS $!"
  eval "BG_$name=$!"
}
bg_done() { [ -s "$TMP/$1.status" ]; }

start_sleeper() {
  bg sleeper "$LX" -d tiny -e sleep 1000
  wait_for 60 guest_has_sleep || fail "the sleep session never showed up in the instance"
  SEEN_DAEMONS="$SEEN_DAEMONS $(daemon_pid)"
}

case_daemon_terminate_ends_session() {
  install_tiny
  start_sleeper
  running_has_tiny || fail "lx -l --running does not list tiny"
  run terminate "$LX" --terminate tiny
  expect_status terminate 0
  wait_for 30 bg_done sleeper || fail "the session's lx did not exit after --terminate"
  [ "$(status_of sleeper)" != 0 ] || fail "the terminated session exited 0"
  run not_running "$LX" -l --running
  [ ! -s "$TMP/not_running.out" ] || { show not_running >&2; fail "tiny still listed as running"; }
  run again "$LX" --terminate tiny
  [ "$(status_of again)" = 1 ] || { show again >&2; fail "--terminate of a stopped distro did not fail"; }
  grep -q "^lx: distro 'tiny' is not running" "$TMP/again.err" || { show again >&2; fail "unclear error"; }
}

case_daemon_shutdown_leaves_no_process() {
  install_tiny
  start_sleeper
  pid=$(daemon_pid)
  [ -n "$(session_procs "$pid")" ] || fail "no host processes in the daemon's session"
  run shutdown "$LX" --shutdown
  expect_status shutdown 0
  wait_for 30 bg_done sleeper || fail "the session's lx did not exit after --shutdown"
  wait_for 30 dead "$pid" || fail "the daemon ($pid) is still running"
  no_procs() { [ -z "$(session_procs "$pid")" ]; }
  wait_for 30 no_procs || fail "host processes left behind: $(session_procs "$pid")"
  [ ! -e "$RUNDIR/lxss.sock" ] || fail "the socket is left behind"
  run status "$LX" --status
  expect_status status 0
  grep -q "not running" "$TMP/status.out" || { show status >&2; fail "--status after --shutdown"; }
}

case_daemon_sessions_share_instance() {
  install_tiny
  start_sleeper
  # One session sees the other's process, a file the other wrote in /tmp,
  # and can signal it.
  run ps "$LX" -d tiny -e /bin/busybox ps
  expect_status ps 0
  grep -q "sleep 1000" "$TMP/ps.out" || { show ps >&2; fail "ps in a second session does not show the first's sleep"; }
  run write "$LX" -d tiny -- 'echo shared > /tmp/f'
  expect_status write 0
  run read "$LX" -d tiny -e cat /tmp/f
  expect_status read 0
  expect_stdout read shared
  run status "$LX" --status
  expect_status status 0
  grep -q "tiny: " "$TMP/status.out" || { show status >&2; fail "--status does not show tiny"; }
  run kill "$LX" -d tiny -- '/bin/busybox kill -TERM $(/bin/busybox pidof sleep)'
  expect_status kill 0
  wait_for 30 bg_done sleeper || fail "the session did not end after its sleep was killed from another session"
  expect_status sleeper 143
}

case_daemon_signal_and_status() {
  install_tiny
  # The guest's exit status and a forwarded SIGINT come back to lx.
  run exit7 "$LX" -d tiny -- 'exit 7'
  expect_status exit7 7
  run missing "$LX" -d tiny -e /no/such/program
  expect_status missing 127
  start_sleeper
  kill -INT "$BG_sleeper" 2>/dev/null
  # The subshell running lx is $BG_sleeper; lx itself is its child.
  for p in $(ps -e -o pid= -o ppid= | awk -v pp="$BG_sleeper" '$2 == pp { print $1 }'); do kill -INT "$p"; done
  wait_for 30 bg_done sleeper || fail "SIGINT to lx did not reach the guest"
  expect_status sleeper 130
}

case_daemon_killed_mid_session() {
  install_tiny
  cp "$LX_HOME/registry.ini" "$TMP/registry.before"
  start_sleeper
  pid=$(daemon_pid)
  kill -9 "$pid"
  wait_for 30 bg_done sleeper || fail "lx did not notice its daemon died"
  expect_status sleeper 1
  [ "$(wc -l <"$TMP/sleeper.err")" = 1 ] || { show sleeper >&2; fail "expected one line of error"; }
  grep -q '^lx: the lx daemon went away' "$TMP/sleeper.err" || { show sleeper >&2; fail "unclear error"; }
  for p in $(session_procs "$pid"); do kill -9 "$p" 2>/dev/null; done
  cmp -s "$TMP/registry.before" "$LX_HOME/registry.ini" || fail "the registry changed"
  # A new daemon starts on demand and the distro is intact.
  run again "$LX" -d tiny -e cat /etc/hostname
  expect_status again 0
  expect_stdout again tiny
}

case_daemon_socket_private() {
  install_tiny
  run first "$LX" -d tiny -e true
  expect_status first 0
  [ "$(stat -c %a "$RUNDIR")" = 700 ] || fail "runtime dir mode $(stat -c %a "$RUNDIR")"
  [ "$(stat -c %a "$RUNDIR/lxss.sock")" = 600 ] || fail "socket mode $(stat -c %a "$RUNDIR/lxss.sock")"
  # Another host user pointed at our runtime directory cannot connect.
  if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    chmod 755 "$TMP" "$XDG_RUNTIME_DIR"
    chmod 711 "$RUNDIR"
    chmod 666 "$RUNDIR/lxss.sock"  # even a world-writable socket: SO_PEERCRED refuses
    run other setpriv --reuid=65534 --regid=65534 --clear-groups \
      $PYTHON -c 'import socket,sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(b"\x01\x00\x00\x00\x05")  # a status request
    sys.exit(0 if s.recv(100) == b"" else 3)  # closed without a word
except (BrokenPipeError, ConnectionResetError):
    sys.exit(0)' "$RUNDIR/lxss.sock"
    expect_status other 0
    chmod 600 "$RUNDIR/lxss.sock"
    run other_lx setpriv --reuid=65534 --regid=65534 --clear-groups "$LX" --status
    expect_status other_lx 1
    grep -q "^lx: cannot connect to the lx daemon.*Permission denied" "$TMP/other_lx.err" ||
      { show other_lx >&2; fail "another user's --status: unclear error"; }
  else
    echo "note: not root, the second-user check is skipped"
  fi
}

case_daemon_idle_timeout() {
  install_tiny
  LX_IDLE_TIMEOUT=1 run one "$LX" -d tiny -e true
  expect_status one 0
  pid=$(daemon_pid)
  [ -n "$pid" ] || fail "no daemon pid file"
  wait_for 60 dead "$pid" || fail "the daemon did not exit after its idle timeout"
}

"case_$CASE"
