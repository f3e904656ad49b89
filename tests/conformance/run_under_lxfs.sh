#!/bin/sh
# run_under_lxfs.sh LX TEST_BINARY: runs a conformance program under
# `LX run --lxfs ROOT`, ROOT a fresh host directory (host /usr bound
# read-only, the binary's directory bound at its own path), with
# LXCONF_DAC_DIR=/scratch so file-tree tests work on lxfs rather than the
# instance's tmpfs /tmp. Passes only if lx exits 0 and the guest's gtest
# summary counts every test the host lists.
set -u
LX=$1
BIN=$2
count=$("$BIN" --gtest_list_tests | grep -c '^  ')
[ "$count" -gt 0 ] || { echo "run_under_lxfs: $BIN lists no tests" >&2; exit 1; }
root=$(mktemp -d "${TMPDIR:-/tmp}/lxfs-conformance.XXXXXX") || exit 1
out=$root.out
trap 'rm -rf "$root" "$out"' EXIT
chmod 755 "$root"
bindir=$(dirname "$BIN")
mkdir -p "$root/usr" "$root/scratch" "$root/tmp" "$root$bindir"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$root/$d"; done
LXCONF_DAC_DIR=/scratch "$LX" run --lxfs "$root" --bind /usr:/usr:ro --bind "$bindir:$bindir:ro" -- "$BIN" >"$out"
status=$?
cat "$out"
if [ "$status" -ne 0 ]; then
  echo "run_under_lxfs: lx run --lxfs -- $BIN exited with status $status" >&2
  exit 1
fi
if ! grep -Eq "^\[  PASSED  \] $count tests?\.$" "$out"; then
  echo "run_under_lxfs: no '[  PASSED  ] $count tests.' line in the guest's output" >&2
  exit 1
fi
