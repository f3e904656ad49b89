#!/bin/sh
# writes.sh LX: the default layout of `lx run` as a user sees it: the current
# directory is the host's, read-write; the rest of the host's / is read-only
# (EROFS); /tmp is the instance's own tmpfs and vanishes with it.
set -u
LX=$1
PY=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }

work=$(mktemp -d "$PWD/lx-writes.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

"$LX" run -- $PY -c "open('out.txt','w').write('hi')" || fail "writing out.txt in the cwd failed"
[ "$(cat "$work/out.txt" 2>/dev/null)" = "hi" ] || fail "out.txt did not reach the host directory"

got=$("$LX" run -- $PY -c "
import errno
try:
    open('/usr/lx-writes-test', 'w')
    print('created')
except OSError as e:
    print(errno.errorcode[e.errno])")
[ "$got" = "EROFS" ] || fail "writing under /usr gave '$got', expected EROFS"
[ ! -e /usr/lx-writes-test ] || fail "a file appeared in the host's /usr"

name=lx-writes-vanish-$$
got=$("$LX" run -- $PY -c "
import os
open('/tmp/$name', 'w').write('x')
print(os.path.exists('/tmp/$name'))")
[ "$got" = "True" ] || fail "a file written to the guest's /tmp was not there: '$got'"
[ ! -e "/tmp/$name" ] || fail "the guest's /tmp file leaked into the host's /tmp"
got=$("$LX" run -- $PY -c "import os; print(os.path.exists('/tmp/$name'))")
[ "$got" = "False" ] || fail "the guest's /tmp survived the instance: '$got'"
echo "writes: cwd read-write, / read-only (EROFS), /tmp private to the instance"
