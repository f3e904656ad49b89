#!/bin/sh
# The distro commands end to end, each case in its own temporary LX_HOME:
#
#   distro_test.sh LX CASE
#
# The distro is a tiny root built by make_distro_tar.py from Debian's static
# busybox (/bin/busybox) with owners set through python3's tarfile module.
set -u

LX=$1
CASE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=/usr/bin/python3
TMP=$(mktemp -d "$(pwd)/lx-distro.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
LX_HOME=$TMP/home
export LX_HOME
# One-shot instances (no daemon), except for CASE_via_daemon: CASE through
# a daemon of its own (tests/cli/daemon_test.sh tests the daemon itself).
case $CASE in
  *_via_daemon)
    CASE=${CASE%_via_daemon}
    XDG_RUNTIME_DIR=$TMP/run
    export XDG_RUNTIME_DIR
    mkdir -m 700 "$XDG_RUNTIME_DIR"
    unset LX_NO_DAEMON
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
# A failure is one "lx: ..." line on stderr and a non-zero status.
expect_clean_failure() {
  st=$(status_of "$1")
  [ "$st" != 0 ] || { show "$1" >&2; fail "$1 succeeded"; }
  [ "$(wc -l <"$TMP/$1.err")" = 1 ] || { show "$1" >&2; fail "$1: expected exactly one line of error"; }
  grep -q '^lx: ' "$TMP/$1.err" || { show "$1" >&2; fail "$1: the error does not start with 'lx: '"; }
  expect_stderr_has "$1" "$2"
}

make_tar() { $PYTHON "$HERE/make_distro_tar.py" "$1" || fail "make_distro_tar.py failed"; }

install_tiny() {
  [ -f "$TMP/tiny.tar" ] || make_tar "$TMP/tiny.tar"
  run install_$1 "$LX" --install "$1" --from-tar "$TMP/tiny.tar" --quiet
  expect_status install_$1 0
}

# The registry and the distro "tiny" survived a failed command unchanged.
snapshot_registry() { cp "$LX_HOME/registry.ini" "$TMP/registry.before"; }
expect_registry_intact() {
  cmp -s "$TMP/registry.before" "$LX_HOME/registry.ini" || fail "the registry changed after a failed command"
  run intact "$LX" -d tiny -e /bin/cat /etc/hostname
  expect_status intact 0
  expect_stdout intact tiny
  [ -z "$(ls -A "$LX_HOME/distros" | grep -v '^tiny$')" ] || fail "leftovers in $LX_HOME/distros: $(ls -A "$LX_HOME/distros")"
}

# Owners, modes, types, device numbers, link counts and sizes of the guest tree.
listing() {
  run "$1" "$LX" -d "$2" -e /bin/sh -c \
    'find /bin /etc /home /root /usr /dev /srv /tmp -xdev | sort | while read f; do stat -c "%n %u %g %f %t %T %h %s" "$f"; done'
  expect_status "$1" 0
}

case_distro_end_to_end() {
  install_tiny tiny
  run list "$LX" --list
  expect_status list 0
  expect_stdout list "tiny (default)"
  run list_v "$LX" -l -v
  expect_status list_v 0
  grep -q "^\* tiny  *Stopped" "$TMP/list_v.out" || { show list_v >&2; fail "lx -l -v does not show tiny as the default"; }

  run root_id "$LX" -e id -u
  expect_status root_id 0
  expect_stdout root_id 0
  run alice_id "$LX" -d tiny -u alice -e /bin/sh -c 'id -u; id -g; id -G'
  expect_status alice_id 0
  grep -qx 1000 "$TMP/alice_id.out" && grep -q '50' "$TMP/alice_id.out" ||
    { show alice_id >&2; fail "alice is not uid 1000 with supplementary group 50"; }
  # A login shell reading stdin, starting in the home directory.
  printf 'echo $HOME; pwd; whoami\n' >"$TMP/login.in"
  run login "$LX" -u alice
  expect_status login 0
  expect_stdout login "/home/alice
/home/alice
alice"
  run cd "$LX" --cd /etc -e pwd
  expect_stdout cd /etc
  # -e runs without a shell; -- goes through the user's shell.
  run exec_noshell "$LX" -e echo '$HOME'
  expect_stdout exec_noshell '$HOME'
  run shell_line "$LX" -u alice -- 'echo $HOME | wc -c'
  expect_stdout shell_line 12
  # Changes by root and by alice.
  run alice_touch "$LX" -u alice -e touch /home/alice/new.txt
  expect_status alice_touch 0
  run root_changes "$LX" -e /bin/sh -c 'mkdir /srv/data && chown 1000:50 /srv/data && chmod 2770 /srv/data'
  expect_status root_changes 0
  run alice_denied "$LX" -u alice -e touch /root/x
  [ "$(status_of alice_denied)" != 0 ] || fail "alice could write to /root"
  listing before tiny
  grep -q '^/home/alice/new.txt 1000 1000 81a4 ' "$TMP/before.out" || { show before >&2; fail "new.txt is not alice's"; }
  grep -q '^/usr/bin/setuid-tool 0 0 89ed ' "$TMP/before.out" || { show before >&2; fail "setuid-tool lost its setuid bit"; }
  grep -q '^/dev/null 0 0 21b6 1 3 ' "$TMP/before.out" || { show before >&2; fail "/dev/null is not char 1,3"; }

  run export "$LX" --export tiny "$TMP/export.tar" --quiet
  expect_status export 0
  # GNU tar reads it with the guest's owners, modes and devices.
  tar --numeric-owner -tvf "$TMP/export.tar" >"$TMP/tar.out" 2>&1 || { cat "$TMP/tar.out" >&2; fail "GNU tar cannot read the export"; }
  grep -q '^-rw-r----- 1000/1000 .* ./home/alice/notes.txt$' "$TMP/tar.out" || { cat "$TMP/tar.out" >&2; fail "tar: notes.txt"; }
  grep -q '^-rwsr-xr-x 0/0 .* ./usr/bin/setuid-tool$' "$TMP/tar.out" || { cat "$TMP/tar.out" >&2; fail "tar: setuid-tool"; }
  grep -q '^crw-rw-rw- 0/0 *1,3 .* ./dev/null$' "$TMP/tar.out" || { cat "$TMP/tar.out" >&2; fail "tar: /dev/null"; }
  grep -q '^prw------- 1000/1000 .* ./home/alice/pipe$' "$TMP/tar.out" || { cat "$TMP/tar.out" >&2; fail "tar: fifo"; }
  grep -q '^lrwxrwxrwx 0/0 .* ./bin/sh -> busybox$' "$TMP/tar.out" || { cat "$TMP/tar.out" >&2; fail "tar: symlink"; }
  grep -q '^hrwxr-xr-x 0/0 .* link to ' "$TMP/tar.out" || { cat "$TMP/tar.out" >&2; fail "tar: hard link"; }
  grep -q '^drwxrws--- 1000/50 .* ./srv/data/$' "$TMP/tar.out" || { cat "$TMP/tar.out" >&2; fail "tar: /srv/data"; }

  run unregister "$LX" --unregister tiny --yes
  expect_status unregister 0
  [ ! -e "$LX_HOME/distros/tiny" ] || fail "unregister left $LX_HOME/distros/tiny"
  run list_empty "$LX" --list
  expect_status list_empty 0
  [ ! -s "$TMP/list_empty.out" ] || fail "tiny is still listed"

  run import "$LX" --import tiny2 "$TMP/tiny2" "$TMP/export.tar" --quiet
  expect_status import 0
  listing after tiny2
  cmp -s "$TMP/before.out" "$TMP/after.out" || { diff "$TMP/before.out" "$TMP/after.out" | head -30 >&2; fail "the re-imported tree differs"; }
  $PYTHON -c "import os,sys; sys.exit(os.getxattr('$TMP/tiny2/rootfs/home/alice/notes.txt', 'user.lxg.user.color') != b'blue')" ||
    fail "the guest xattr user.color did not survive export and import"
  run list2 "$LX" --list
  expect_stdout list2 "tiny2 (default)"
}

case_distro_export_to_stdout_import_from_stdin() {
  install_tiny tiny
  "$LX" --export tiny - --quiet >"$TMP/s.tar" || fail "export to stdout failed"
  cp "$TMP/s.tar" "$TMP/import.in"
  run import "$LX" --import copy "$TMP/copy" - --quiet
  expect_status import 0
  run cat "$LX" -d copy -e cat /home/alice/notes.txt
  expect_stdout cat "alice's notes"
}

case_distro_unknown() {
  install_tiny tiny
  snapshot_registry
  for args in "-d nosuch -e true" "--export nosuch $TMP/x.tar" "--unregister nosuch --yes" "--set-default nosuch"; do
    # shellcheck disable=SC2086
    run unknown "$LX" $args
    expect_clean_failure unknown "no distro named 'nosuch'"
  done
  run nouser "$LX" -u nobody -e true
  expect_clean_failure nouser "no user 'nobody'"
  expect_registry_intact
}

case_distro_duplicate_name() {
  install_tiny tiny
  snapshot_registry
  run dup "$LX" --import tiny "$TMP/other" "$TMP/tiny.tar" --quiet
  expect_clean_failure dup "a distro named 'tiny' already exists"
  [ ! -e "$TMP/other" ] || fail "the failed import left $TMP/other"
  run dup2 "$LX" --install tiny --from-tar "$TMP/tiny.tar" --quiet
  expect_clean_failure dup2 "already exists"
  expect_registry_intact
}

case_distro_corrupt_tarball() {
  install_tiny tiny
  snapshot_registry
  head -c 20000 /dev/urandom >"$TMP/garbage.tar"
  run corrupt "$LX" --install bad --from-tar "$TMP/garbage.tar" --quiet
  expect_clean_failure corrupt "garbage.tar is not a tar archive"
  expect_registry_intact
  run corrupt2 "$LX" --import bad2 "$TMP/bad2" "$TMP/garbage.tar" --quiet
  expect_clean_failure corrupt2 "garbage.tar"
  [ ! -e "$TMP/bad2/rootfs" ] || fail "a corrupt import left $TMP/bad2/rootfs"
  run missing "$LX" --install bad --from-tar "$TMP/nosuch.tar" --quiet
  expect_clean_failure missing "nosuch.tar"
  expect_registry_intact
}

case_distro_truncated_tarball() {
  install_tiny tiny
  snapshot_registry
  size=$(wc -c <"$TMP/tiny.tar")
  head -c $((size / 2)) "$TMP/tiny.tar" >"$TMP/half.tar"
  run truncated "$LX" --install half --from-tar "$TMP/half.tar" --quiet
  expect_clean_failure truncated "corrupt or truncated archive"
  gzip -c "$TMP/tiny.tar" | head -c 100000 >"$TMP/half.tar.gz"
  run truncated_gz "$LX" --install half --from-tar "$TMP/half.tar.gz" --quiet
  expect_clean_failure truncated_gz "truncated"
  expect_registry_intact
}

case_distro_unsafe_member_path() {
  install_tiny tiny
  snapshot_registry
  $PYTHON - "$TMP" <<'PY' || fail "cannot build the evil tarballs"
import io, sys, tarfile
for name, member in [("dotdot", "./etc/../../escaped"), ("absolute", "/escaped")]:
    with tarfile.open(f"{sys.argv[1]}/{name}.tar", "w") as t:
        i = tarfile.TarInfo("./etc/"); i.type = tarfile.DIRTYPE; t.addfile(i)
        i = tarfile.TarInfo(member); i.size = 4; t.addfile(i, io.BytesIO(b"evil"))
PY
  for n in dotdot absolute; do
    run $n "$LX" --install $n --from-tar "$TMP/$n.tar" --quiet
    expect_clean_failure $n "unsafe member path"
  done
  [ ! -e "$LX_HOME/distros/escaped" ] && [ ! -e "$LX_HOME/escaped" ] && [ ! -e /escaped ] || fail "a member escaped the root"
  expect_registry_intact
}

case_distro_unwritable_lx_home() {
  make_tar "$TMP/tiny.tar"
  echo file >"$TMP/file"
  LX_HOME=$TMP/file/home run nodir "$LX" --install tiny --from-tar "$TMP/tiny.tar" --quiet
  expect_clean_failure nodir "Not a directory"
  install_tiny tiny
  snapshot_registry
  if [ "$(id -u)" != 0 ]; then
    chmod 500 "$LX_HOME"
    run ro "$LX" --set-default tiny
    chmod 700 "$LX_HOME"
    expect_clean_failure ro "Permission denied"
  fi
  # A registry that is not a file the user can replace.
  mv "$LX_HOME/registry.ini" "$TMP/registry.saved"
  mkdir "$LX_HOME/registry.ini"
  run blocked "$LX" --install other --from-tar "$TMP/tiny.tar" --quiet
  expect_clean_failure blocked "registry"
  rmdir "$LX_HOME/registry.ini"
  mv "$TMP/registry.saved" "$LX_HOME/registry.ini"
  expect_registry_intact
}

case_distro_registry_kill9_loop() {
  install_tiny a
  install_tiny b
  $PYTHON - "$LX" "$LX_HOME" "$TMP/tiny.tar" <<'PY' || fail "the registry did not survive kill -9"
import os, random, signal, subprocess, sys, time
lx, home, tar = sys.argv[1:4]
random.seed(6)
def lx_ok(*args):
    r = subprocess.run([lx, *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr
for i in range(120):
    which = random.choice(["a", "b"])
    if i % 3 == 0:
        cmd = [lx, "--install", f"c{i}", "--from-tar", tar, "--quiet"]
    elif i % 3 == 1:
        cmd = [lx, "--set-default", which]
    else:
        cmd = [lx, "--unregister", f"c{i - 2}", "--yes"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(random.uniform(0, 0.03))
    p.send_signal(signal.SIGKILL)
    p.wait()
    rc, out, err = lx_ok("--list", "-v")
    if rc != 0:
        sys.exit(f"iteration {i}: lx --list failed after kill -9 of {cmd}: {err}")
    names = [l.split()[1] if l.startswith("*") else l.split()[0] for l in out.splitlines()[1:]]
    if "a" not in names or "b" not in names:
        sys.exit(f"iteration {i}: distros lost after kill -9 of {cmd}: {out}")
    for n in names:
        if not os.path.isdir(os.path.join(home, "distros", n, "rootfs")):
            sys.exit(f"iteration {i}: {n} is registered without its root")
# What a kill left behind never blocks a later install under the same name.
for i in range(0, 120, 3):
    rc, out, err = lx_ok("--install", f"c{i}", "--from-tar", tar, "--quiet")
    if rc != 0 and "already exists" not in err:
        sys.exit(f"re-install of c{i} failed: {err}")
rc, out, err = lx_ok("-d", "a", "-e", "/bin/cat", "/etc/hostname")
if rc != 0 or out != "tiny\n":
    sys.exit(f"distro a does not run any more: {rc} {out} {err}")
PY
}

case_distro_lx_conf() {
  install_tiny tiny
  run write_conf "$LX" -e /bin/sh -c 'printf "[user]\ndefault=alice\n[network]\nhostname=tinyhost\n[frobnicate]\nlevel=3\n" >/etc/lx.conf'
  expect_status write_conf 0
  run conf_user "$LX" -e /bin/sh -c 'id -u; hostname'
  expect_status conf_user 0
  expect_stdout conf_user "1000
tinyhost"
  expect_stderr_has conf_user "unknown key frobnicate.level"
  run u_overrides "$LX" -u root -e id -u
  expect_stdout u_overrides 0
  # A malformed file: an error with the line number, the defaults, and the command still runs.
  run write_bad "$LX" -u root -e /bin/sh -c 'printf "[user]\ndefault=alice\nthis line is not ini\n" >/etc/lx.conf'
  expect_status write_bad 0
  run bad_conf "$LX" -e id -u
  expect_status bad_conf 0
  expect_stdout bad_conf 0
  expect_stderr_has bad_conf "line 3"
}

# [network] mode=none: the instance has only its own loopback (issue 7).
# Through the daemon the instance restarts to apply it (instance-wide).
case_distro_network_mode_none() {
  install_tiny tiny
  port=$($PYTHON -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  $PYTHON -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.sendall(b"hello\n"); c.close()' "$port" >"$TMP/listener.out" &
  listener=$!
  trap 'kill $listener; [ -n "${XDG_RUNTIME_DIR:-}" ] && "$LX" --shutdown; rm -rf "$TMP"' EXIT
  until grep -q ready "$TMP/listener.out"; do sleep 0.1; done
  run shared "$LX" -e /bin/busybox nc 127.0.0.1 "$port"
  expect_stdout shared hello
  run write_conf "$LX" -e /bin/sh -c 'printf "[network]\nmode=none\n" >/etc/lx.conf'
  expect_status write_conf 0
  [ -n "${XDG_RUNTIME_DIR:-}" ] && "$LX" --terminate tiny
  run links "$LX" -e /bin/busybox ip -o link
  expect_status links 0
  [ "$(wc -l <"$TMP/links.out")" = 1 ] && grep -q '^1: lo:' "$TMP/links.out" || { show links >&2; fail "links other than lo"; }
  run refused "$LX" -e /bin/busybox nc 127.0.0.1 "$port"
  [ "$(status_of refused)" != 0 ] || { show refused >&2; fail "a mode=none guest reached a host listener"; }
  expect_stderr_has refused "refused"
  run write_bad "$LX" -e /bin/sh -c 'printf "[network]\nmode=bogus\n" >/etc/lx.conf'
  run bad "$LX" -e /bin/true
  expect_status bad 0
  expect_stderr_has bad "bad value for network.mode"
}

case_distro_unregister_asks() {
  install_tiny tiny
  snapshot_registry
  echo n >"$TMP/no.in"
  run no "$LX" --unregister tiny
  [ "$(status_of no)" != 0 ] || fail "unregister without confirmation succeeded"
  expect_stderr_has no "not unregistered"
  expect_registry_intact
  echo y >"$TMP/yes.in"
  run yes "$LX" --unregister tiny
  expect_status yes 0
  [ ! -e "$LX_HOME/distros/tiny" ] || fail "confirmed unregister kept the files"
}

case_distro_help_and_usage() {
  run help "$LX" --help
  expect_status help 0
  for opt in --install --from-tar --from-debootstrap --import --export --unregister --yes --list --running \
             --verbose --set-default --quiet --distribution --user --cd "lx run" "lx syscalls" "Exit status"; do
    grep -q -- "$opt" "$TMP/help.out" || { show help >&2; fail "lx --help does not mention $opt"; }
  done
  run bad "$LX" --frobnicate
  expect_status bad 2
  run both "$LX" --list --set-default x
  expect_status both 2
  run nocmd "$LX" -e
  expect_status nocmd 2
  run deboot_suite "$LX" --install d --from-debootstrap 'bad/suite'
  expect_clean_failure deboot_suite "invalid suite name"
  run deboot_both "$LX" --install d --from-debootstrap bookworm --from-tar x.tar
  expect_status deboot_both 2
  # An unreachable mirror: a one-line failure, no cache entry, nothing registered.
  LX_CACHE=$TMP/cache LX_DEBIAN_MIRROR=http://127.0.0.1:9/debian run deboot_net "$LX" --install d --from-debootstrap bookworm --quiet
  expect_clean_failure deboot_net "mmdebstrap"
  [ -z "$(ls -A "$TMP/cache" 2>/dev/null)" ] || fail "a failed --from-debootstrap left $(ls -A "$TMP/cache") in the cache"
  [ ! -e "$LX_HOME/distros/d" ] || fail "a failed --from-debootstrap left $LX_HOME/distros/d"
  run nodefault "$LX" -e true
  expect_clean_failure nodefault "no default distro"
}

"case_$CASE"
