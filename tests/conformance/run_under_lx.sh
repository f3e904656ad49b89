#!/bin/sh
# run_under_lx.sh LX TEST_BINARY [KNOWN_GAPS [LX_OPTS]]: runs a conformance
# program under `LX run [LX_OPTS] --` and passes only if lx exits 0 AND the
# program's own gtest summary says every one of its tests passed. (An lx
# that exits 0 without running anything, or a guest that dies after
# printing, must not pass.)
set -u
LX=$1
BIN=$2
GAPS=${3:-}
LX_OPTS=${4:-}  # options for `lx run` (e.g. --net=none)
filter=
if [ -n "$GAPS" ]; then
  filter="--gtest_filter=-$GAPS"
  echo "run_under_lx: KNOWN GAPS, not run under lx (they still run natively): $GAPS"
fi

# The host lists the tests (no guest involved) so we know how many to expect.
count=$("$BIN" --gtest_list_tests $filter | grep -c '^  ')
[ "$count" -gt 0 ] || { echo "run_under_lx: $BIN lists no tests" >&2; exit 1; }

out=$(mktemp "${TMPDIR:-/tmp}/lx-conformance.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086
"$LX" run $LX_OPTS -- "$BIN" $filter >"$out"
status=$?
cat "$out"
if [ "$status" -ne 0 ]; then
  echo "run_under_lx: lx run -- $BIN exited with status $status" >&2
  exit 1
fi
if ! grep -Eq "^\[  PASSED  \] $count tests?\.$" "$out"; then
  echo "run_under_lx: no '[  PASSED  ] $count tests.' line in the guest's output" >&2
  exit 1
fi
