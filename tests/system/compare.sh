#!/bin/sh
# compare.sh LX [--wc | --pipe CMD] -- PROG ARGS...
# Runs PROG natively and under `LX run --`, and passes only if both exit with
# the same status and write byte-identical stdout. With --wc, each stdout is
# piped through `wc` on the host side first (for programs whose output is
# large, e.g. find over /usr/share/doc). With --pipe CMD, through the host
# shell command CMD instead (e.g. `sort -n | tail -1`: `PROG | CMD` as a
# user would type it, with only PROG under lx). stderr is shown, not compared.
set -u
LX=$1
shift
WC=0
PIPE=
if [ "$1" = "--wc" ]; then WC=1; PIPE=wc; shift; fi
if [ "$1" = "--pipe" ]; then WC=1; PIPE=$2; shift 2; fi
[ "$1" = "--" ] && shift

dir=$(mktemp -d "${TMPDIR:-/tmp}/lx-system.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT

if [ "$WC" = 1 ]; then
  # POSIX sh has no PIPESTATUS: the status of the program travels in a file.
  { "$@" 2>"$dir/native.err"; echo $? >"$dir/native.rc"; } | /bin/sh -c "$PIPE" >"$dir/native.out"
  { "$LX" run -- "$@" 2>"$dir/lx.err"; echo $? >"$dir/lx.rc"; } | /bin/sh -c "$PIPE" >"$dir/lx.out"
  native_rc=$(cat "$dir/native.rc")
  lx_rc=$(cat "$dir/lx.rc")
else
  "$@" >"$dir/native.out" 2>"$dir/native.err"
  native_rc=$?
  "$LX" run -- "$@" >"$dir/lx.out" 2>"$dir/lx.err"
  lx_rc=$?
fi

fail=0
if [ "$native_rc" != "$lx_rc" ]; then
  echo "exit status differs: native $native_rc, lx $lx_rc"
  fail=1
fi
if ! cmp -s "$dir/native.out" "$dir/lx.out"; then
  echo "stdout differs (native vs lx):"
  diff "$dir/native.out" "$dir/lx.out" | head -40
  fail=1
fi
if [ "$fail" = 1 ]; then
  echo "--- lx stderr:"
  head -20 "$dir/lx.err"
  exit 1
fi
echo "identical: $(wc -c <"$dir/native.out") bytes of stdout, exit status $native_rc"
