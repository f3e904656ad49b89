#!/bin/sh
# make_project.sh LX: `make -j2` of the small C project in data/make_project
# with /usr/bin/gcc, once natively and once under `LX run --`, each in its own
# copy in a fresh directory under the cwd (the cwd is read-write under lx;
# /tmp is the instance's own). Passes only if make prints the same commands
# and exits 0 both times, the two `primes` binaries are byte-identical, and
# the lx-built binary prints the same natively and under lx as the native
# build does natively.
set -u
LX=$1
SRC=$(dirname "$0")/data/make_project
fail() { echo "FAIL: $*"; exit 1; }

work=$(mktemp -d "$PWD/lx-make.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cp -r "$SRC" "$work/native" && cp -r "$SRC" "$work/lx" || fail "cannot copy $SRC"
rm -rf "$work/native/out" "$work/lx/out"

(cd "$work/native" && /usr/bin/make -j2 >"$work/native.make" 2>"$work/native.err") ||
  fail "native make failed: $(cat "$work/native.err")"
(cd "$work/lx" && "$LX" run -- /usr/bin/make -j2 >"$work/lx.make" 2>"$work/lx.err")
rc=$?
[ "$rc" = 0 ] || { head -20 "$work/lx.err"; fail "make -j2 under lx exited with status $rc"; }
cmp -s "$work/native.make" "$work/lx.make" || { diff "$work/native.make" "$work/lx.make"; fail "make printed different commands"; }
cmp -s "$work/native/out/primes" "$work/lx/out/primes" || fail "the binary built under lx differs from the native build"

"$work/native/out/primes" >"$work/native.run" || fail "native primes failed"
"$work/lx/out/primes" >"$work/lx-built.run" || fail "the lx-built primes failed natively"
(cd "$work/lx" && "$LX" run -- ./out/primes >"$work/lx-built-under-lx.run") || fail "primes under lx failed"
cmp -s "$work/native.run" "$work/lx-built.run" || fail "the lx-built primes prints something else natively"
cmp -s "$work/native.run" "$work/lx-built-under-lx.run" || fail "primes prints something else under lx"
echo "make -j2: same commands, identical binaries, same output: $(cat "$work/native.run")"
