#!/bin/sh
# debian_admin.sh LX: a real Debian bookworm minbase distro administered as
# guest root (issue 5). `lx --install deb --from-debootstrap bookworm` (the
# mmdebstrap tarball is cached in $LX_CACHE, default /var/cache/lxcore for
# root), then, each through `lx -d deb -u root -- ...`:
#   dpkg -i of hello, tree, jq (+ libjq1, libonig5) from the host's apt cache;
#   apt-get install sl (+ its dependency libncurses6) from a local file repo;
#   useradd -m alice, su alice -c id, chown alice, ls -l;
#   mknod /tmp/null c 1 3 behaving as /dev/null;
#   passwd's setuid bit, and its effect for alice (passwd -S reads /etc/shadow)
#   against a copy without it.
# Exit 77 (skipped) only when no Debian mirror can be reached.
set -u
LX=$1
TMP=$(mktemp -d "$(pwd)/lx-debian.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
LX_HOME=$TMP/home
export LX_HOME
SUITE=bookworm

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
skip() {
  echo "SKIP: $*" >&2
  exit 77
}
# guest NAME SCRIPT: SCRIPT as guest root; stdout+stderr in $TMP/NAME.out.
guest() {
  "$LX" -d deb -u root -- "$2" >"$TMP/$1.out" 2>&1
  st=$?
  [ $st = 0 ] || { cat "$TMP/$1.out" >&2; fail "$1: exit status $st"; }
}
expect_line() {  # NAME REGEX: some output line of NAME matches (grep -E)
  grep -Eq -- "$2" "$TMP/$1.out" || { cat "$TMP/$1.out" >&2; fail "$1: no line matches '$2'"; }
}

# ---- the .debs: the host's apt cache, else apt-get download (network).
mkdir -p "$TMP/debs" "$TMP/repo"
fetch() {  # DIR PKG...
  dir=$1
  shift
  for p in "$@"; do
    for f in /var/cache/apt/archives/"${p}"_*_amd64.deb /var/cache/apt/archives/"${p}"_*_all.deb; do
      [ -f "$f" ] && cp "$f" "$dir/" && continue 2
    done
    (cd "$dir" && apt-get download "$p" >/dev/null 2>&1) ||
      { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && (cd "$dir" && apt-get download "$p" >/dev/null 2>&1); } ||
      skip "cannot download $p (no Debian mirror reachable)"
  done
}
fetch "$TMP/debs" hello tree jq libjq1 libonig5
fetch "$TMP/repo" sl libncurses6
(cd "$TMP/repo" && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null) || fail "dpkg-scanpackages failed"

# ---- the distro
start=$(date +%s)
"$LX" --install deb --from-debootstrap $SUITE --quiet >"$TMP/install.out" 2>&1 || {
  cat "$TMP/install.out" >&2
  grep -q "mmdebstrap .* failed" "$TMP/install.out" && ! [ -f "${LX_CACHE:-/var/cache/lxcore}/$SUITE-minbase.tar.zst" ] &&
    skip "mmdebstrap could not reach a Debian mirror"
  fail "lx --install --from-debootstrap $SUITE failed"
}
echo "install: $(($(date +%s) - start)) s"
ROOTFS=$LX_HOME/distros/deb/rootfs
[ -f "$ROOTFS/etc/debian_version" ] || fail "no /etc/debian_version in the installed root"
# Host files copied into the root show as root's (lxfs: no metadata xattr).
cp -r "$TMP/debs" "$ROOTFS/root/debs" && cp -r "$TMP/repo" "$ROOTFS/srv/repo" || fail "cannot copy the packages in"

start=$(date +%s)
guest dpkg 'set -e
dpkg -i /root/debs/*.deb
hello
mkdir -p /root/t/a/b && touch /root/t/a/b/c
tree /root/t
echo "{\"a\":[1,2,{\"b\":\"x\"}]}" | jq -c ".a[2]"'
expect_line dpkg '^Setting up hello '
expect_line dpkg '^Hello, world!$'
expect_line dpkg '^3 directories, 1 file$'  # tree 2.x counts /root/t itself
expect_line dpkg '^        └── c$'
expect_line dpkg '^\{"b":"x"\}$'

guest apt 'set -e
mv /etc/apt/sources.list /etc/apt/sources.list.disabled 2>/dev/null || true
rm -f /etc/apt/sources.list.d/*
echo "deb [trusted=yes] file:/srv/repo ./" >/etc/apt/sources.list.d/local.list
apt-get update
apt-get install -y sl
dpkg-query -W -f "\${Package} \${Status}\n" sl libncurses6
ldd /usr/games/sl'
expect_line apt '^sl install ok installed$'
expect_line apt '^libncurses6 install ok installed$'
expect_line apt 'libncurses\.so\.6 => /lib/x86_64-linux-gnu/libncurses\.so\.6'

guest users 'set -e
useradd -m alice
su alice -c id
touch /home/alice/x
chown alice /home/alice/x
ls -l /home/alice/x'
expect_line users '^uid=1000\(alice\) gid=1000\(alice\) groups=1000\(alice\)$'
expect_line users '^-rw-r--r-- 1 alice root 0 .* /home/alice/x$'

guest mknod 'set -e
mknod /tmp/null c 1 3
ls -l /tmp/null
echo data >/tmp/null
echo written
echo "read $(wc -c </tmp/null) bytes"'
expect_line mknod '^crw-r--r-- 1 root root 1, 3 .* /tmp/null$'
expect_line mknod '^written$'
expect_line mknod '^read 0 bytes$'

guest setuid 'set -e
ls -l /usr/bin/passwd
cp /usr/bin/passwd /usr/local/bin/passwd-plain
chmod 0755 /usr/local/bin/passwd-plain
ls -l /usr/local/bin/passwd-plain
echo "setuid: $(su alice -c "passwd -S alice" 2>&1)"
echo "plain: $(su alice -c "/usr/local/bin/passwd-plain -S alice" 2>&1)"
if su alice -c "cat /etc/shadow" >/dev/null 2>&1; then echo "alice reads /etc/shadow"; fi'
expect_line setuid '^-rwsr-xr-x 1 root root .* /usr/bin/passwd$'
expect_line setuid '^-rwxr-xr-x 1 root root .* /usr/local/bin/passwd-plain$'
# With euid 0 passwd reads alice's shadow entry (locked, L, and its dates);
# without it only /etc/passwd (P).
expect_line setuid '^setuid: alice L [0-9-]+ 0 99999 7 -1$'
expect_line setuid '^plain: alice P$'
! grep -q 'alice reads /etc/shadow' "$TMP/setuid.out" || fail "alice could read /etc/shadow"
echo "guest steps: $(($(date +%s) - start)) s"
echo PASS
