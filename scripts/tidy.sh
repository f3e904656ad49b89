#!/usr/bin/env bash
# clang-tidy over the provider's C++ sources (not tests or benchmarks), using
# the compile database of an existing build directory (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
files=$(git ls-files 'kernel/*.cpp' 'pico/*.cpp' 'cli/*.cpp' 'lxss/*.cpp')
# shellcheck disable=SC2086
printf '%s\n' $files | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet 2>/dev/null
echo "clang-tidy: clean"
