# Sourced by the lxfs tests: make_lxfs_root DIR lays out a guest root for
# `lx run --lxfs DIR`: the host's /usr bound read-only (bind GUEST paths must
# exist), the merged-/usr links, and /etc/passwd and /etc/group naming
# alice (1000) and bob (1001). Files made here have no lxfs metadata: they
# show the host's modes, and the host user's files belong to root.
make_lxfs_root() {
  r=$1
  chmod 755 "$r"
  mkdir -p "$r/usr" "$r/etc" "$r/tmp" "$r/home/alice" "$r/opt" "$r/work"
  for d in bin lib lib64 sbin; do ln -s "usr/$d" "$r/$d"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/:/bin/sh\n' >"$r/etc/passwd"
  printf 'root:x:0:\nalice:x:1000:\nbob:x:1001:\n' >"$r/etc/group"
}
LXFS_BINDS="--bind /usr:/usr:ro"
