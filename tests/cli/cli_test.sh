#!/bin/sh
# The lx command's contract, checked against native runs where there is one.
#
#   cli_test.sh LX PROGRAMS_DIR CASE
#
# LX is build/lx, PROGRAMS_DIR holds the static helpers built from programs/
# (segv, exit_with, print_args), CASE is one of the case_* functions below.
# Every case fails loudly (never skips) when /bin/busybox is missing: CI
# installs Debian's busybox-static.
set -u

LX=$1
PROGS=$(cd "$2" && pwd) || { echo "cli_test.sh: no directory $2" >&2; exit 1; }
CASE=$3
DATA=$(cd "$(dirname "$0")" && pwd)/data
BUSYBOX=/bin/busybox

# Under the current directory, not /tmp: `lx run` gives the guest its own
# tmpfs on /tmp but shows the caller's cwd at the same path, so files made
# here are visible to guests.
TMP=$(mktemp -d "$(pwd)/lx-cli.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

fail() {
  echo "FAIL [$CASE]: $*" >&2
  exit 1
}

need_busybox() {
  [ -x "$BUSYBOX" ] || fail "$BUSYBOX is missing: install Debian's busybox-static (apt-get install busybox-static)"
}

. "$(dirname "$0")/lib.sh"

# same_as_native CMD...: `lx run -- CMD` prints the same stdout and exits
# with the same status as CMD run natively.
same_as_native() {
  [ -f "$TMP/native.in" ] && cp "$TMP/native.in" "$TMP/lx.in"
  run native "$@"
  run lx "$LX" run -- "$@"
  if ! cmp -s "$TMP/native.out" "$TMP/lx.out"; then
    show native >&2
    show lx >&2
    echo "--- diff native lx:" >&2
    diff "$TMP/native.out" "$TMP/lx.out" | head -40 >&2
    fail "stdout of lx run -- $* differs from the native run"
  fi
  [ "$(status_of native)" = "$(status_of lx)" ] ||
    { show native >&2; show lx >&2; fail "lx run -- $* exited $(status_of lx), natively $(status_of native)"; }
}

# lx_only STATUS ARGS...: `lx ARGS` exits with STATUS.
lx_only() {
  want=$1
  shift
  run lx "$LX" "$@"
  expect_status lx "$want"
}

# ---- output identical to native runs ----

case_busybox_echo() {
  need_busybox
  same_as_native "$BUSYBOX" echo hello
  expect_stdout lx hello
  expect_status lx 0
}

case_busybox_ls_root() {
  need_busybox
  same_as_native "$BUSYBOX" ls /
  expect_status lx 0
}

case_busybox_cat_os_release() {
  need_busybox
  same_as_native "$BUSYBOX" cat /etc/os-release
  [ -s "$TMP/lx.out" ] || fail "no output"
}

case_busybox_wc_passwd() {
  need_busybox
  same_as_native "$BUSYBOX" wc -l /etc/passwd
  expect_status lx 0
}

case_busybox_sha256sum_passwd() {
  need_busybox
  same_as_native "$BUSYBOX" sha256sum /etc/passwd
  expect_status lx 0
}

case_busybox_stdin_passthrough() {
  need_busybox
  printf 'first line\nsecond line\n' >"$TMP/native.in"
  same_as_native "$BUSYBOX" cat
  expect_stdout lx "first line
second line"
}

case_busybox_error_message() {
  # A failing applet: same stdout, stderr message and status as natively.
  need_busybox
  same_as_native "$BUSYBOX" cat /etc/passwd /nonexistent/file
  expect_status lx 1
  cmp -s "$TMP/native.err" "$TMP/lx.err" || { show native >&2; show lx >&2; fail "stderr differs"; }
}

case_path_lookup() {
  # A PROG without '/' is looked up in PATH, as a shell would.
  need_busybox
  run lx env PATH=/bin:/usr/bin "$LX" run -- busybox echo found
  expect_status lx 0
  expect_stdout lx found
}

case_cwd_is_inherited() {
  # The guest starts in the caller's working directory, and a relative PROG
  # is resolved there.
  need_busybox
  cd /usr/share || fail "no /usr/share"
  same_as_native "$BUSYBOX" pwd
  expect_stdout lx /usr/share
  cd "$PROGS" || fail "no $PROGS"
  same_as_native ./exit_with 5
  expect_status lx 5
}

case_print_args() {
  same_as_native "$PROGS/print_args" one "two words" "" "-x" "--" "ünïcödé"
  expect_status lx 0
}

case_environment() {
  run native env LX_CLI_A=1 LX_CLI_EMPTY= "LX_CLI_SPACES=a b  c" "$PROGS/print_args"
  run lx env LX_CLI_A=1 LX_CLI_EMPTY= "LX_CLI_SPACES=a b  c" "$LX" run -- "$PROGS/print_args"
  cmp -s "$TMP/native.out" "$TMP/lx.out" || { show native >&2; show lx >&2; fail "environment differs"; }
  grep -qx 'env=\[LX_CLI_SPACES=a b  c\]' "$TMP/lx.out" || { show lx >&2; fail "LX_CLI_SPACES missing"; }
}

# ---- exit statuses ----

case_busybox_true() {
  need_busybox
  same_as_native "$BUSYBOX" true
  expect_status lx 0
}

case_busybox_false() {
  need_busybox
  same_as_native "$BUSYBOX" false
  expect_status lx 1
}

case_exit_with() {
  for n in 0 1 42 127 255; do
    same_as_native "$PROGS/exit_with" "$n"
    expect_status lx "$n"
  done
  # Only the low 8 bits survive.
  same_as_native "$PROGS/exit_with" 256
  expect_status lx 0
  same_as_native "$PROGS/exit_with" 300
  expect_status lx 44
}

# A writer whose reader went away dies of SIGPIPE (status 141 in a shell),
# and the provider itself survives to report it.
case_sigpipe_kills_writer() {
  need_busybox
  native=$("$BUSYBOX" sh -c "$BUSYBOX yes | $BUSYBOX head -n 1 >/dev/null; echo \$?" 2>&1)
  got=$( ( "$LX" run -- "$BUSYBOX" yes; echo "status=$?" >"$TMP/yes.status" ) | "$BUSYBOX" head -n 1 >/dev/null; cat "$TMP/yes.status")
  [ "$got" = "status=141" ] || fail "lx run -- busybox yes | head: $got, expected status=141"
  [ "$native" = "0" ] || fail "native pipeline status $native"
}

# epoll over a host fd (stdin is a host pipe the guest gets as is): an
# instance watching it and an instance watching that one both wake when data
# arrives, and the hang-up after the writer closes is reported.
case_epoll_on_host_stdin_pipe() {
  script='
import os, select
inner = select.epoll()
inner.register(0, select.EPOLLIN)
outer = select.epoll()
outer.register(inner.fileno(), select.EPOLLIN)
print("outer", [(fd == inner.fileno(), ev & select.EPOLLIN) for fd, ev in outer.poll(30)])
print("inner", [(fd, ev & select.EPOLLIN) for fd, ev in inner.poll(0)])
print("read", os.read(0, 10))
print("hup", [(fd, ev & select.EPOLLHUP) for fd, ev in inner.poll(30)])
'
  native=$( (sleep 1; echo hi) | /usr/bin/python3 -c "$script" 2>&1)
  got=$( (sleep 1; echo hi) | "$LX" run -- /usr/bin/python3 -c "$script" 2>&1)
  expected="outer [(True, 1)]
inner [(0, 1)]
read b'hi\\n'
hup [(0, 16)]"
  [ "$native" = "$expected" ] || fail "native run printed: $native"
  [ "$got" = "$expected" ] || fail "lx run printed: $got"
}

case_segv() {
  same_as_native "$PROGS/segv"
  expect_status lx 139
}

case_missing_program() {
  lx_only 127 run -- /nonexistent/program
  lx_only 127 run -- "$DATA/no-such-file"
  lx_only 127 run -- "$DATA/plain.txt/child"
  run lx env PATH=/bin:/usr/bin "$LX" run -- no-such-program-lx-cli
  expect_status lx 127
}

case_not_executable() {
  # A text file without execute permission, and one with it but no "#!".
  lx_only 126 run -- "$DATA/plain.txt"
  lx_only 126 run -- "$DATA/script_without_shebang"
  # A directory.
  lx_only 126 run -- /etc
  # A real x86-64 ELF without execute permission.
  cp "$PROGS/exit_with" "$TMP/no_exec_bit"
  chmod 644 "$TMP/no_exec_bit"
  lx_only 126 run -- "$TMP/no_exec_bit" 0
}

case_wrong_architecture() {
  # The same ELF with e_machine changed to AArch64 (183), then to 32-bit.
  cp "$PROGS/exit_with" "$TMP/aarch64"
  printf '\267' | dd of="$TMP/aarch64" bs=1 seek=18 conv=notrunc 2>/dev/null
  chmod 755 "$TMP/aarch64"
  lx_only 126 run -- "$TMP/aarch64" 0
  cp "$PROGS/exit_with" "$TMP/elf32"
  printf '\001' | dd of="$TMP/elf32" bs=1 seek=4 conv=notrunc 2>/dev/null
  chmod 755 "$TMP/elf32"
  lx_only 126 run -- "$TMP/elf32" 0
  # A file that only starts like an ELF.
  printf '\177ELF\002\001\001' >"$TMP/truncated"
  chmod 755 "$TMP/truncated"
  lx_only 126 run -- "$TMP/truncated"
}

case_bad_option() {
  need_busybox
  lx_only 2 run --no-such-option -- "$BUSYBOX" true
  lx_only 2 --no-such-option
  lx_only 2 no-such-subcommand
  lx_only 2 run
  lx_only 2 run --root
  lx_only 2 run --root /nonexistent/root/dir -- "$BUSYBOX" true
}

# ---- --trace ----

case_trace_openat() {
  need_busybox
  run native "$BUSYBOX" cat /etc/passwd
  run lx "$LX" run --trace -- "$BUSYBOX" cat /etc/passwd
  expect_status lx 0
  cmp -s "$TMP/native.out" "$TMP/lx.out" || { show lx >&2; fail "stdout differs from native with --trace"; }
  grep -Eq '^openat\(AT_FDCWD, "/etc/passwd", O_RDONLY[^)]*\) += 3( |$)' "$TMP/lx.err" ||
    { show lx >&2; fail 'no trace line like openat(AT_FDCWD, "/etc/passwd", O_RDONLY...) = 3 on stderr'; }
  # ... and without --trace there are no trace lines.
  run plain "$LX" run -- "$BUSYBOX" cat /etc/passwd
  if grep -q '^openat(' "$TMP/plain.err"; then show plain >&2; fail "trace output without --trace"; fi
}

case_trace_to_file() {
  need_busybox
  run lx "$LX" run --trace="$TMP/trace.txt" -- "$BUSYBOX" cat /etc/passwd
  expect_status lx 0
  grep -Eq '^openat\(AT_FDCWD, "/etc/passwd", O_RDONLY[^)]*\) += 3( |$)' "$TMP/trace.txt" ||
    { show lx >&2; fail "trace file lacks the openat line"; }
  if grep -q '^openat(' "$TMP/lx.err"; then show lx >&2; fail "trace went to stderr, not the file"; fi
}

# Host processes of an lx instance: its stubs are host children of lx.
stub_pids() {
  for st in /proc/[0-9]*/stat; do
    # pid (comm) state ppid ...: stub names have no spaces.
    { read -r pid _ _ ppid _ <"$st"; } 2>/dev/null || continue
    [ "$ppid" = "$1" ] && printf '%s ' "$pid"
  done
}

# Polls until lx has started at least $2 guest host processes.
wait_for_stubs() {
  i=0
  while [ "$(stub_pids "$1" | "$BUSYBOX" wc -w)" -lt "$2" ] && [ $i -lt 100 ]; do
    "$BUSYBOX" sleep 0.05
    i=$((i + 1))
  done
}

# SIGTERM to lx ends the instance: every guest process (a shell with a
# background child) is gone afterwards and lx reports 128+SIGTERM.
case_sigterm_tears_down_instance() {
  need_busybox
  "$LX" run -- "$BUSYBOX" sh -c "$BUSYBOX sleep 30 & $BUSYBOX sleep 30" &
  lx_pid=$!
  wait_for_stubs $lx_pid 2
  stubs=$(stub_pids $lx_pid)
  [ -n "$stubs" ] || fail "no guest host processes found under lx"
  kill -TERM $lx_pid
  wait $lx_pid
  status=$?
  [ $status -eq 143 ] || fail "lx exited $status after SIGTERM, expected 143"
  "$BUSYBOX" sleep 0.2
  for p in $stubs; do
    if kill -0 "$p" 2>/dev/null && ! "$BUSYBOX" grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; then
      fail "guest host process $p survived lx"
    fi
  done
}

# SIGINT to lx is what Ctrl-C in its terminal sends: it goes to the guest's
# foreground process group, whose default action ends it (status 130).
case_sigint_reaches_guest() {
  need_busybox
  "$LX" run -- "$BUSYBOX" sleep 30 &
  lx_pid=$!
  wait_for_stubs $lx_pid 1
  kill -INT $lx_pid
  wait $lx_pid
  status=$?
  [ $status -eq 130 ] || fail "lx exited $status after SIGINT, expected 130"
}

type "case_$CASE" >/dev/null 2>&1 || fail "unknown case $CASE"
"case_$CASE"
echo "PASS [$CASE]"
