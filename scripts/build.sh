#!/usr/bin/env bash
# Configures and builds into build/ (or $BUILD_DIR) with Ninja and ccache, -j2.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build "$BUILD_DIR" -j2 --target "$@"
else
  cmake --build "$BUILD_DIR" -j2
fi
