#!/bin/sh
# `lx run --net=none` (issue 7): the instance gets a network of its own
# with only a loopback; without it, it shares the host's.
#
#   net_none.sh LX CASE
#
# The guest side is data/net_peer.py (python3 under lx). Natively, the
# same isolated view is `unshare -rn` with lo brought up.
set -u
LX=$1
CASE=$2
PY=/usr/bin/python3
IP=/usr/bin/ip
PEER=$(cd "$(dirname "$0")" && pwd)/data/net_peer.py
# Under the current directory: the guest's /tmp is its own tmpfs, the cwd
# is shared, so the go files the host makes are seen by the guests.
TMP=$(mktemp -d "$(pwd)/lx-netnone.XXXXXX") || exit 1
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL [$CASE]: $*" >&2
  for f in "$TMP"/*.out "$TMP"/*.err; do
    [ -s "$f" ] && { echo "--- $f:" >&2; head -c 2000 "$f" >&2; }
  done
  exit 1
}

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_bg NAME CMD...: CMD in the background, output in $TMP/NAME.{out,err}.
start_bg() {
  name=$1
  shift
  "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  PIDS="$PIDS $!"
  eval "pid_$name=$!"
}

# wait_line NAME LINE: until $TMP/NAME.out has LINE (60 s on a loaded VM);
# fails at once if NAME ended without printing it.
wait_line() {
  i=0
  until grep -qx "$2" "$TMP/$1.out" 2>/dev/null; do
    i=$((i + 1))
    eval "p=\$pid_$1"
    kill -0 "$p" 2>/dev/null || grep -qx "$2" "$TMP/$1.out" || fail "$1 ended without printing '$2'"
    [ $i -le 600 ] || fail "$1 never printed '$2'"
    sleep 0.1
  done
}

# A host listener on PORT that answers "hello" (the test's own process).
host_listener() {
  start_bg host_$1 $PY -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.sendall(b"hello\n"); c.close()' "$1"
  wait_line host_$1 ready
}

host_connect() { $PY "$PEER" connect "$1"; }

# A guest server under --net=none answers another process of its instance
# but not the host (nothing listens there: connection refused).
case_guest_server_unreachable_from_host() {
  port=$(free_port)
  start_bg guest "$LX" run --net=none -- $PY "$PEER" serve "$port" "$TMP/go"
  wait_line guest ready
  grep -qx "inside: connected hello" "$TMP/guest.out" || fail "another guest process did not reach the server"
  got=$(host_connect "$port")
  [ "$got" = ECONNREFUSED ] || fail "a host process connecting to the guest server got: $got"
  touch "$TMP/go"
  wait "$pid_guest" || fail "the guest server exited $?"
  echo "guest server: reached inside, host got $got"
}

# The default: the host reaches the guest server (shared loopback, as WSL1).
case_guest_server_reachable_from_host_by_default() {
  port=$(free_port)
  start_bg guest "$LX" run -- $PY "$PEER" serve "$port" "$TMP/go"
  wait_line guest ready
  grep -qx "inside: connected hello" "$TMP/guest.out" || fail "another guest process did not reach the server"
  got=$(host_connect "$port")
  [ "$got" = "connected hello" ] || fail "a host process connecting to the guest server got: $got"
  touch "$TMP/go"
  wait "$pid_guest" || fail "the guest server exited $?"
}

# A guest under --net=none cannot reach a host listener; by default it can.
case_guest_cannot_reach_host_listener() {
  port=$(free_port)
  host_listener "$port"
  got=$("$LX" run --net=none -- $PY "$PEER" connect "$port" 2>"$TMP/none.err")
  [ "$got" = ECONNREFUSED ] || fail "a --net=none guest connecting to a host listener got: $got"
  got=$("$LX" run -- $PY "$PEER" connect "$port" 2>"$TMP/host.err")
  [ "$got" = "connected hello" ] || fail "a default guest connecting to a host listener got: $got"
}

# The host and two --net=none instances bind the same port at once: three
# namespaces, and each instance's own client reaches its own server.
case_instances_bind_same_port() {
  port=$(free_port)
  host_listener "$port"
  start_bg one "$LX" run --net=none -- $PY "$PEER" serve "$port" "$TMP/go"
  start_bg two "$LX" run --net=none -- $PY "$PEER" serve "$port" "$TMP/go"
  wait_line one ready
  wait_line two ready
  for n in one two; do
    grep -qx "inside: connected hello" "$TMP/$n.out" || fail "instance $n: its own client did not reach its server"
  done
  touch "$TMP/go"
  wait "$pid_one" || fail "instance one exited $?"
  wait "$pid_two" || fail "instance two exited $?"
  [ "$(host_connect "$port")" = "connected hello" ] || fail "the host listener was disturbed"
}

# Interfaces: rtnetlink dumps, SIOCGIFCONF and if_nameindex show only lo,
# exactly as in a fresh native network namespace with lo up.
case_only_loopback_like_unshare() {
  # shellcheck disable=SC2016
  native() { /usr/bin/unshare -rn /bin/sh -c "$IP link set lo up && \"\$@\"" sh "$@"; }
  for cmd in "$IP addr" "$IP -6 route" "/usr/bin/hostname -I" "$PY $PEER interfaces"; do
    # shellcheck disable=SC2086
    native $cmd >"$TMP/native.out" 2>"$TMP/native.err" || fail "natively (unshare -rn): $cmd failed"
    # shellcheck disable=SC2086
    "$LX" run --net=none -- $cmd >"$TMP/lx.out" 2>"$TMP/lx.err" || fail "lx run --net=none -- $cmd failed"
    cmp -s "$TMP/native.out" "$TMP/lx.out" || { diff "$TMP/native.out" "$TMP/lx.out" >&2; fail "$cmd differs"; }
  done
  [ "$(cat "$TMP/lx.out")" = "[(1, 'lo')]" ] || fail "if_nameindex: $(cat "$TMP/lx.out")"
  "$LX" run --net=none -- $IP -o addr >"$TMP/lx.out" 2>"$TMP/lx.err" || fail "ip -o addr failed"
  [ "$(awk '{print $2, $4}' "$TMP/lx.out" | tr '\n' ' ')" = "lo 127.0.0.1/8 lo ::1/128 " ] ||
    [ "$(awk '{print $2, $4}' "$TMP/lx.out" | tr '\n' ' ')" = "lo 127.0.0.1/8 " ] || fail "addresses other than lo's"
}

# No user namespaces (max_user_namespaces=0 in a user namespace of the
# test's own) and no capabilities (so no network namespace alone either):
# one clear line and status 1, never the host's network.
case_unavailable_fails_clearly() {
  /usr/bin/unshare -r /bin/sh -c 'echo 0 >/proc/sys/user/max_user_namespaces &&
    exec /usr/bin/setpriv --bounding-set -all --inh-caps -all "$@"' sh \
    "$LX" run --net=none -- /usr/bin/true >"$TMP/lx.out" 2>"$TMP/lx.err"
  st=$?
  [ $st = 1 ] || fail "status $st, expected 1"
  [ "$(wc -l <"$TMP/lx.err")" = 1 ] || fail "expected exactly one line on stderr"
  grep -q "^lx: --net=none: .*user namespaces" "$TMP/lx.err" || fail "unclear message: $(cat "$TMP/lx.err")"
}

"case_$CASE"
