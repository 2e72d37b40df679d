#!/usr/bin/env bash
# Figures of the server's network edge under attack (tests/bench/edge_bench.cpp),
# for this tree's binaries, or for another build's: BIN=../main/build.
# Prints one JSON line per scenario. Usage: scripts/edge_bench.sh [rss N|bare N|logins N]...
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build} bash scripts/build.sh sodiem-server sodiem sodiem_edge_bench >/dev/null
BIN=${BIN:-${BUILD_DIR:-build}}
TOOL=${BUILD_DIR:-build}/tests/sodiem_edge_bench
if [ $# -eq 0 ]; then set -- rss 150 rss 500 bare 1200 logins 60; fi
while [ $# -ge 2 ]; do
  "$TOOL" "$BIN/server/sodiem-server" "$BIN/client/sodiem" "$1" "$2"
  shift 2
done
