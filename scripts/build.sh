#!/usr/bin/env bash
# Configures and builds Basalt. Usage: scripts/build.sh [build-dir] [extra cmake args...]
# BASALT_BUILD_TARGET=basalt builds only the server binary (scripts/run), not the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build}"
shift || true
jobs="${BASALT_JOBS:-$(nproc)}"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="${BASALT_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$dir" -j"$jobs" ${BASALT_BUILD_TARGET:+--target "$BASALT_BUILD_TARGET"}
