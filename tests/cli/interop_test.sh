#!/bin/sh
# Interop (issue 6) end to end, each case in its own temporary LX_HOME:
#
#   interop_test.sh LX CASE
#
# The distro is tests/cli/make_distro_tar.py's tiny busybox root with
# /mnt/host, /run and an /etc/lx.conf enabling the automount (and so interop,
# enabled by default). Host programs are named by absolute host paths.
set -u

LX=$1
CASE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=/usr/bin/python3
TMP=$(mktemp -d "$(pwd)/lx-interop.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
LX_HOME=$TMP/home
export LX_HOME
unset LXENV
# One-shot instances (no daemon), except for CASE_via_daemon: CASE through
# a daemon of its own, started by the first lx and shut down at the end.
case $CASE in
  *_via_daemon)
    CASE=${CASE%_via_daemon}
    XDG_RUNTIME_DIR=$TMP/run
    export XDG_RUNTIME_DIR
    mkdir -m 700 "$XDG_RUNTIME_DIR"
    unset LX_NO_DAEMON
    VIA_DAEMON=1
    trap '"$LX" --shutdown; rm -rf "$TMP"' EXIT
    ;;
  *)
    LX_NO_DAEMON=1
    export LX_NO_DAEMON
    ;;
esac

fail() {
  echo "FAIL [$CASE]: $*" >&2
  exit 1
}

[ -x /bin/busybox ] || fail "/bin/busybox is missing: install Debian's busybox-static"
[ -x $PYTHON ] || fail "$PYTHON is missing"

. "$HERE/lib.sh"
expect_ok() {
  expect_status "$1" 0
  expect_stdout "$1" "$2"
}

# The tiny distro with the automount on (CONF adds lines to lx.conf).
setup() {
  conf=${1:-}
  $PYTHON "$HERE/make_distro_tar.py" "$TMP/tiny.tar" || fail "make_distro_tar.py failed"
  run install "$LX" --install tiny --from-tar "$TMP/tiny.tar" --quiet
  expect_status install 0
  run conf "$LX" -e /bin/sh -c "mkdir -p /mnt/host /run && printf '[automount]\nenabled=true\n$conf' >/etc/lx.conf"
  expect_status conf 0
  # lx.conf applies when an instance starts (as wsl.conf does): restart it.
  if [ -n "${VIA_DAEMON:-}" ]; then
    run terminate "$LX" --terminate tiny
    expect_status terminate 0
  fi
  ROOTFS=$(cd "$LX_HOME/distros/tiny/rootfs" && pwd -P) || fail "no rootfs"
}

# No host process whose command line matches the pattern survives.
expect_no_host_process() {
  i=0
  while pgrep -f "$1" >/dev/null; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "a host process '$1' outlived its proxy"
    sleep 0.1
  done
}

case_interop_uname_is_the_hosts() {
  setup
  host=$(uname -r)
  [ "$host" != 6.1.0-lxcore ] || fail "the host's release equals ours"
  run uname "$LX" -- /mnt/host/usr/bin/uname -r
  expect_ok uname "$host"
  # Ours, for contrast: the guest's busybox.
  run ours "$LX" -- busybox uname -r
  expect_ok ours 6.1.0-lxcore
}

case_interop_pipe_through_host_program() {
  setup
  run tr "$LX" -- 'echo hi | /mnt/host/usr/bin/tr a-z A-Z'
  expect_ok tr HI
  # The issue's form: sh -c and its script as separate words.
  run tr_words "$LX" -- sh -c 'echo hi | /mnt/host/usr/bin/tr a-z A-Z'
  expect_ok tr_words HI
  # Both directions at once, and a guest reader after a host writer.
  run chain "$LX" -- 'printf "b\na\nc\n" | /mnt/host/usr/bin/sort | /mnt/host/usr/bin/tr a-z A-Z | wc -l'
  expect_ok chain 3
}

case_interop_exit_codes() {
  setup
  run false "$LX" -- /mnt/host/usr/bin/false
  expect_status false 1
  run codes "$LX" -- '/mnt/host/usr/bin/false; echo $?; /mnt/host/bin/sh -c "exit 7"; echo $?; /mnt/host/usr/bin/true; echo $?'
  expect_ok codes "1
7
0"
  # Killed by a signal: the shell sees 128+N.
  run killed "$LX" -- '/mnt/host/bin/sh -c "kill -TERM \$\$"; echo $?'
  expect_ok killed 143
  # Not there / not executable on the host: the shell's 127 / 126.
  run missing "$LX" -- '/mnt/host/usr/bin/no-such-program-lx; echo $?'
  expect_stdout missing 127
  printf 'data\n' >"$TMP/plain"
  chmod 644 "$TMP/plain"
  run noexec "$LX" -- "/mnt/host$TMP/plain; echo \$?"
  expect_stdout noexec 126
}

case_interop_stdin_eof() {
  setup
  printf 'one\ntwo\nthree\n' >"$TMP/count.in"
  # The caller's stdin (a host file) is passed as is.
  run count "$LX" -- /mnt/host/usr/bin/wc -l
  expect_ok count 3
  # Through a kernel pipe, and from a guest tmpfs file: EOF reaches wc.
  run piped "$LX" -- 'printf "a\nb\n" | /mnt/host/usr/bin/wc -l'
  expect_ok piped 2
  run tmpfile "$LX" -- 'printf "x\ny\nz\n" >/tmp/f; /mnt/host/usr/bin/wc -l </tmp/f'
  expect_ok tmpfile 3
  # No stdin at all.
  run closed "$LX" -- '/mnt/host/usr/bin/wc -c <&-'
  expect_ok closed 0
}

case_interop_stdout_to_guest_files() {
  setup
  # A tmpfs file (relayed) and an lxfs file (the host fd itself), appended.
  run files "$LX" -- '/mnt/host/usr/bin/echo one >/tmp/o; /mnt/host/usr/bin/echo two >>/tmp/o; cat /tmp/o;
                      /mnt/host/usr/bin/echo three >/root/o; /mnt/host/usr/bin/echo four >>/root/o; cat /root/o'
  expect_ok files "one
two
three
four"
  # stderr too, and large output (several pipe buffers).
  run stderr "$LX" -- '/mnt/host/bin/sh -c "echo oops >&2" 2>/tmp/e; cat /tmp/e; /mnt/host/usr/bin/seq 100000 | wc -l'
  expect_ok stderr "oops
100000"
}

case_interop_kill_proxy_kills_host_program() {
  setup
  mark="987.$$"
  run kill "$LX" -- "/mnt/host/usr/bin/sleep $mark & p=\$!; sleep 1;
      /mnt/host/usr/bin/pgrep -f '^/mnt/host/usr/bin/sleep $mark' >/dev/null && echo running; kill \$p; wait \$p; echo \$?"
  expect_ok kill "running
143"
  expect_no_host_process "^/mnt/host/usr/bin/sleep $mark"
  # SIGKILL of the proxy.
  run kill9 "$LX" -- "/mnt/host/usr/bin/sleep 1$mark & p=\$!; sleep 1; kill -9 \$p; wait \$p; echo \$?"
  expect_ok kill9 137
  expect_no_host_process "^/mnt/host/usr/bin/sleep 1$mark"
}

case_interop_ctrl_c_reaches_host_program() {
  setup
  mark="986.$$"
  "$LX" -- "/mnt/host/usr/bin/sleep $mark; echo after" >"$TMP/ctrlc.out" 2>&1 &
  lx_pid=$!
  i=0
  # (argv[0] as the guest gave it: lx's own command line does not match.)
  until pgrep -f "^/mnt/host/usr/bin/sleep $mark" >/dev/null; do
    i=$((i + 1))
    [ $i -lt 300 ] || { kill -9 $lx_pid; fail "the host sleep never started"; }
    sleep 0.1
  done
  kill -INT $lx_pid
  wait $lx_pid
  status=$?
  [ $status -eq 130 ] || fail "lx exited $status after SIGINT, expected 130"
  expect_no_host_process "^/mnt/host/usr/bin/sleep $mark"
}

case_interop_disabled_runs_guest_program() {
  setup '[interop]\nenabled=false\n'
  # The host's static busybox then runs in the guest, like any ELF.
  run guest "$LX" -- /mnt/host/bin/busybox uname -r
  expect_ok guest 6.1.0-lxcore
  run nolxpath "$LX" -- 'command -v lxpath || echo none'
  expect_ok nolxpath none
}

case_interop_enabled_runs_host_busybox() {
  setup
  run host "$LX" -- /mnt/host/bin/busybox uname -r
  expect_ok host "$(uname -r)"
}

case_interop_cwd() {
  setup
  run hostdir "$LX" -- 'cd /mnt/host/usr && /mnt/host/bin/pwd'
  expect_ok hostdir /usr
  run distrodir "$LX" -- 'cd /root && /mnt/host/bin/pwd'
  expect_ok distrodir "$ROOTFS/root"
  run tmpdir "$LX" -- 'cd /tmp && /mnt/host/bin/pwd'
  expect_ok tmpdir /
}

case_interop_lxpath() {
  setup
  run h "$LX" -- 'lxpath -h /mnt/host/etc; lxpath -h /etc/passwd; lxpath -w /mnt/host'
  expect_ok h "/etc
$ROOTFS/etc/passwd
/"
  run u "$LX" -- "lxpath -u /etc; lxpath $ROOTFS/etc/passwd; lxpath -u $ROOTFS; lxpath /"
  expect_ok u "/mnt/host/etc
/etc/passwd
/
/mnt/host"
  run a "$LX" -- "cd /mnt/host/usr && lxpath -a -h bin/../lib; lxpath -h bin; cd /root && lxpath -a -u x"
  expect_ok a "/usr/lib
bin
/root/x"
  run usage "$LX" -- 'lxpath; echo $?; lxpath -q /; echo $?'
  expect_stdout usage "2
2"
}

case_interop_lxenv() {
  setup
  run in env FOO=bar HP=/etc HL=/usr:$ROOTFS/root:rel NOPE=no LXENV=FOO:HP/p:HL/l "$LX" -- 'echo $FOO $HP $HL ${NOPE:-unset} $LXENV'
  expect_ok in "bar /mnt/host/etc /mnt/host/usr:/root:rel unset FOO:HP/p:HL/l"
  run out "$LX" -- 'X=/etc/passwd Y=plain Z=secret U=in LXENV=X/p:Y:U/u /mnt/host/usr/bin/env'
  grep -q "^X=$ROOTFS/etc/passwd\$" "$TMP/out.out" || { show out >&2; fail "X was not translated"; }
  grep -q '^Y=plain$' "$TMP/out.out" || { show out >&2; fail "Y did not cross"; }
  grep -q '^LXENV=X/p:Y:U/u$' "$TMP/out.out" || { show out >&2; fail "LXENV did not cross"; }
  ! grep -q '^Z=' "$TMP/out.out" || { show out >&2; fail "Z crossed without LXENV"; }
  ! grep -q '^U=' "$TMP/out.out" || { show out >&2; fail "U/u crossed to the host"; }
  # The host program starts from lx's environment.
  [ -z "${HOME:-}" ] || grep -q "^HOME=$HOME\$" "$TMP/out.out" || { show out >&2; fail "the host environment is missing"; }
}

type "case_$CASE" >/dev/null 2>&1 || fail "unknown case $CASE"
"case_$CASE"
echo "PASS [$CASE]"
