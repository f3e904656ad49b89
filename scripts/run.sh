#!/usr/bin/env bash
# Command 1: install what is missing, build, and run the main job: Debian's
# static busybox under lx on the embedded default root (the host's / read-only).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build
set -x
build/lx run -- /bin/busybox echo hello from lxcore
build/lx run -- /bin/busybox uname -a
build/lx run -- /bin/busybox sh -c 'cat /etc/os-release | head -n 2; ls / | wc -l'
