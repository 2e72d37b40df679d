#!/usr/bin/env bash
# Figures of the server's network edge under attack (tests/bench/edge_bench.cpp),
# for this tree's binaries, or for another build's: BIN=../main/build.
# Prints one JSON line per scenario. Usage: scripts/edge_bench.sh [rss N|bare N|logins N]...
# Figures of 29/11/2026 (2-core VM, load < 1), before = a999007 built in its own
# worktree (BIN=/work/wt-net-before/build), after = this branch:
#   rss 150 sending 2 MiB each: server RSS 329 MB before, 15 MB after (closed at the
#     16 KiB pre-login bound); rss 500: 1,063 MB before, 15 MB after. 150 silent
#     upgraded connections: 29 MB both (held until the 10 s login deadline).
#   bare 1200 (30 per address): before the server held 1,000 and the sync was
#     refused; after it held 512 (the pool) and the sync took 0.014 s.
#   logins 60: sync alone 0.019 s; with 60 threads guessing one account from one
#     address 2.13 s before, 0.088 s after; 60 accounts from 60 addresses 1.91 s
#     before, 0.042 s after (median of 5 syncs each).
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
