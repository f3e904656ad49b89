#!/bin/sh
# lxfs.sh LX: guest root on lxfs (`lx run --lxfs`). As guest root: extract a
# tarball with foreign owners, a setuid file, a symlink and a directory;
# chown/chmod/mknod/mkfifo; then check what the guest sees (ls -l, stat) and
# what the host holds (the user.lxcore.meta xattr on plain host files), and
# that a setuid-root copy of id(1) gives a non-root guest user euid 0.
set -u
LX=$1
PY=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/lxfs_root.sh"

root=$(mktemp -d "${TMPDIR:-/tmp}/lxfs-test.XXXXXX") || exit 1
src=$(mktemp -d "${TMPDIR:-/tmp}/lxfs-src.XXXXXX") || exit 1
trap 'rm -rf "$root" "$src"' EXIT
make_lxfs_root "$root"

# The tarball: owners 1234:5678 (a setuid file), 1000:1000, a symlink, a directory.
mkdir -p "$src/tree/dir"
echo hello >"$src/tree/file"
echo tool >"$src/tree/suid"
chmod 4755 "$src/tree/suid"
ln -s file "$src/tree/link"
tar -C "$src" --numeric-owner --owner=1234 --group=5678 -cf "$root/src.tar" tree/suid tree/link tree/dir || exit 1
tar -C "$src" --numeric-owner --owner=1000 --group=1000 -rf "$root/src.tar" tree/file || exit 1

run() { "$LX" run --lxfs "$root" $LXFS_BINDS -- /bin/sh -c "$1"; }
# as_alice PROG ARGS...: PROG run as uid/gid 1000 without supplementary groups.
AS_ALICE="$PY -c 'import os,sys; os.setgroups([]); os.setgid(1000); os.setuid(1000); os.execvp(sys.argv[1], sys.argv[1:])'"

run 'set -e
cd /work && tar xpf /src.tar
touch /home/alice/x && chown alice /home/alice/x
mknod /work/null c 1 3 && mkfifo /work/fifo && chmod 640 /work/fifo && chmod 1777 /work/tree/dir
cp /usr/bin/id /opt/myid && chmod 4755 /opt/myid' || fail "guest root could not extract/chown/mknod"

got=$(run 'stat -c "%n %u:%g %A %t,%T" /work/tree/suid /work/tree/file /work/tree/link /work/tree/dir /work/null /work/fifo /home/alice/x /opt/myid')
want='/work/tree/suid 1234:5678 -rwsr-xr-x 0,0
/work/tree/file 1000:1000 -rw-r--r-- 0,0
/work/tree/link 1234:5678 lrwxrwxrwx 0,0
/work/tree/dir 1234:5678 drwxrwxrwt 0,0
/work/null 0:0 crw-r--r-- 1,3
/work/fifo 0:0 prw-r----- 0,0
/home/alice/x 1000:0 -rw-r--r-- 0,0
/opt/myid 0:0 -rwsr-xr-x 0,0'
[ "$got" = "$want" ] || fail "guest stat:
$got
expected:
$want"

got=$(run 'ls -l /home/alice/x' | awk '{print $1, $3, $4}')
[ "$got" = "-rw-r--r-- alice root" ] || fail "ls -l /home/alice/x: '$got'"
got=$(run 'ls -l /opt/myid' | awk '{print $1, $3}')
[ "$got" = "-rwsr-xr-x root" ] || fail "ls -l /opt/myid: '$got'"
got=$(run 'readlink /work/tree/link; cat /work/tree/link')
[ "$got" = "file
hello" ] || fail "symlink: '$got'"

# setuid takes effect for a non-root guest user; a plain copy does not.
got=$(run "$AS_ALICE /opt/myid -u; cp /opt/myid /tmp/id2; $AS_ALICE /tmp/id2 -u")
[ "$got" = "0
1000" ] || fail "setuid exec as alice: '$got'"
# alice may not chown or remove root's files.
got=$(run "$AS_ALICE chown alice /opt/myid 2>&1; $AS_ALICE rm -f /work/null 2>&1; echo done")
case "$got" in
  *"Operation not permitted"*"Permission denied"*done) ;;
  *) fail "alice's chown/rm: '$got'" ;;
esac

# The host: plain files and directories carrying the metadata xattr.
$PY - "$root" <<'PYEOF' || fail "host-side metadata"
import os, stat, struct, sys
root = sys.argv[1]
def meta(p):
    v = os.getxattr(os.path.join(root, p), 'user.lxcore.meta', follow_symlinks=False)
    ver, uid, gid, mode, rdev = struct.unpack('<B3xIIIQ', v)
    assert ver == 1, (p, ver)
    return uid, gid, mode, rdev
def host_type(p):
    return stat.S_IFMT(os.lstat(os.path.join(root, p)).st_mode)
checks = {
    'work/tree/suid': (1234, 5678, stat.S_IFREG | 0o4755, 0, stat.S_IFREG),
    'work/tree/link': (1234, 5678, stat.S_IFLNK | 0o777, 0, stat.S_IFREG),
    'work/tree/dir': (1234, 5678, stat.S_IFDIR | 0o1777, 0, stat.S_IFDIR),
    'work/null': (0, 0, stat.S_IFCHR | 0o644, os.makedev(1, 3), stat.S_IFREG),
    'work/fifo': (0, 0, stat.S_IFIFO | 0o640, 0, stat.S_IFREG),
    'home/alice/x': (1000, 0, stat.S_IFREG | 0o644, 0, stat.S_IFREG),
}
for p, (uid, gid, mode, rdev, htype) in checks.items():
    got = meta(p)
    assert got == (uid, gid, mode, rdev), (p, got)
    assert host_type(p) == htype, (p, host_type(p))
assert open(os.path.join(root, 'work/tree/link')).read() == 'file'
# Nothing of ours is visible in a guest listing of the root, and the staging directory is empty.
assert os.listdir(os.path.join(root, '.lxcore')) == []
PYEOF
got=$(run 'ls -a /' | tr '\n' ' ')
case "$got" in *.lxcore*) fail "the staging directory is visible: $got" ;; esac
# Guest xattrs are namespaced away from ours.
got=$(run "$PY -c \"
import os
os.setxattr('/work/tree/file', 'user.note', b'v')
print(os.listxattr('/work/tree/file'), os.getxattr('/work/tree/file', 'user.note'))
try:
    os.getxattr('/work/tree/file', 'user.lxcore.meta')
except OSError as e:
    print(e.errno)\"")
[ "$got" = "['user.note'] b'v'
61" ] || fail "guest xattrs: '$got'"
$PY -c "import os,sys; assert os.getxattr(sys.argv[1], 'user.lxg.user.note') == b'v'" "$root/work/tree/file" ||
  fail "guest user.note is not host user.lxg.user.note"
echo "lxfs: all checks passed"
