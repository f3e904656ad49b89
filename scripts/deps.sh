#!/usr/bin/env bash
# Installs the Debian 12 packages lxcore needs that are not installed yet.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config
      libseccomp-dev libarchive-dev libinih-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libfmt-dev
      busybox-static strace proot runsc clang-tidy
      python3 gcc make git procps curl iproute2 hostname mount util-linux  # tests/system runs these under lx (procps: ps, top, free; mount, findmnt)
      tmux vim less ncurses-bin  # tests/system/tmux_bash.sh: a terminal for bash, vi, less, tput
      mmdebstrap zstd debian-archive-keyring dpkg-dev)   # lx --from-debootstrap; dpkg-scanpackages for tests/system
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
