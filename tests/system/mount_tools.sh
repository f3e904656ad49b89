#!/bin/sh
# mount_tools.sh LX: util-linux's mount, findmnt and umount under lx as
# guest root: a tmpfs with options, a bind mount, a read-only bind
# remount (EROFS), then umount; /proc/self/mountinfo is checked after each.
set -u
LX=$1
fail() { echo "FAIL: $*"; exit 1; }

out=$("$LX" run -- /bin/sh -c '
set -u
mkdir -p /tmp/lxm/a /tmp/lxm/b || exit 10
/usr/bin/mount -t tmpfs -o size=1m,mode=750,nosuid lxtest /tmp/lxm/a || exit 11
echo hello > /tmp/lxm/a/file || exit 12
/usr/bin/mount --bind /tmp/lxm/a /tmp/lxm/b || exit 13
/usr/bin/mount -o remount,ro,bind /tmp/lxm/b || exit 14
echo "b: $(cat /tmp/lxm/b/file)"
if echo x > /tmp/lxm/b/new 2>/dev/null; then echo "b writable"; fi
echo "---mountinfo"
grep " /tmp/lxm/" /proc/self/mountinfo
echo "---findmnt"
/usr/bin/findmnt -n -o TARGET,SOURCE,FSTYPE /tmp/lxm/a
/usr/bin/umount /tmp/lxm/b || exit 15
/usr/bin/umount /tmp/lxm/a || exit 16
echo "---after"
grep -c " /tmp/lxm/" /proc/self/mountinfo
[ -e /tmp/lxm/a/file ] && echo "file still visible"
exit 0
' 2>&1) || fail "guest script exited $?: $out"

echo "$out"
echo "$out" | grep -q '^b: hello$' || fail "bind mount does not show the tmpfs file"
echo "$out" | grep -q 'b writable' && fail "read-only bind remount is writable"
echo "$out" | grep -q ' /tmp/lxm/a rw,nosuid,relatime - tmpfs lxtest rw,size=1024k,mode=750' ||
  fail "mountinfo lacks the tmpfs with its options"
echo "$out" | grep -q ' /tmp/lxm/b ro,nosuid,relatime - tmpfs lxtest ' || fail "mountinfo lacks the ro bind mount"
echo "$out" | grep -q '^/tmp/lxm/a lxtest tmpfs$' || fail "findmnt does not see the tmpfs"
echo "$out" | sed -n '/---after/,$p' | grep -qx '0' || fail "mounts left after umount"
echo "$out" | grep -q 'file still visible' && fail "the tmpfs file is visible after umount"
echo PASS
