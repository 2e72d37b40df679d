#!/usr/bin/env bash
# Crash trials: N times (default 20), three devices type marks while the
# server and the clients are SIGKILLed at random moments and a proxy cuts
# connections at random bytes; then checks that nothing recorded was lost or
# stored twice and every replica converged (tests/fault/crash_trials.py).
# Prints "N trials, L lost, D duplicated, V diverged"; exits non-zero on any
# finding and keeps the failing trials' data dirs and logs.
#   SODIEM_CRASH_SEED=S  replay (trial i uses S + i)   SODIEM_CRASH_OPS=40  ops per device
#   SODIEM_CRASH_PG=DIR  the school in the PostgreSQL of `scripts/pg.sh start DIR`, two server processes
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
bash scripts/build.sh sodiem sodiem-server >/dev/null
exec python3 tests/fault/crash_trials.py "${1:-20}" \
  --server-bin "$BUILD_DIR/server/sodiem-server" --client-bin "$BUILD_DIR/client/sodiem" ${SODIEM_CRASH_WORK:+--work "$SODIEM_CRASH_WORK"} \
  ${SODIEM_CRASH_PG:+--pg "$SODIEM_CRASH_PG"}
