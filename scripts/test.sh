#!/usr/bin/env bash
# Command 2: install what is missing, build, and run the whole test suite:
# unit tests, conformance tests natively and under lx, CLI contract tests and
# benchmark smoke tests; clang-tidy; then the same provider and tests under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure -j "$jobs"
scripts/tidy.sh build

# The static guests are never sanitized: the ASan build reuses the conformance
# binaries built above and skips their native runs, which already passed,
# the Debian rootfs test (minutes of dpkg and apt; the normal run has it),
# the benchmarks, the lxfs kill -9 stress test (a script killing providers:
# nothing for the sanitizers to see) and the system tests (whole programs:
# python servers, tmux, dpkg; minutes under ASan, and the provider code they
# reach is also reached by the unit, conformance and CLI tests run here), to
# stay within CI's 30 minutes. Line tables (-g1) are all the sanitizers'
# reports need, and compile about 15% faster than full -g.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLX_SANITIZE=ON -DLX_BENCH=OFF \
  -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1 \
  -DLX_GUEST_BINARY_DIR="$PWD/build/tests/conformance" >/dev/null
cmake --build build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE 'bench|native|debian|system' -E 'lxfs_kill9'
