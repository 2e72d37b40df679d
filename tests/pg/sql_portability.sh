#!/usr/bin/env bash
# Runs test binaries with every SQL statement logged, then asks a throw-away
# PostgreSQL holding the server's schema which of them prepare there
# (tests/pg/sql_portability.cpp). Writes build/sql-portability.json.
# Usage: bash tests/pg/sql_portability.sh [CTEST_REGEX]   (default: sync|cli|console tests)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${BUILD_DIR:-build}
LOG=$(mktemp); PG=$(mktemp -d)
trap 'bash scripts/pg.sh stop "$PG" >/dev/null 2>&1 || true; rm -rf "$PG" "$LOG"' EXIT
( cd "$B" && SODIEM_SQL_LOG="$LOG" ctest -j2 -R "${1:-.}" -LE 'fuzz|browser|pg|slow' >/dev/null || true )
bash scripts/pg.sh start "$PG" >/dev/null
"$B/tests/sodiem_sql_portability" "$(cat "$PG/url")" "$LOG" >"$B/sql-portability.json"
python3 -c "import json; d=json.load(open('$B/sql-portability.json')); print({k: d[k] for k in ('statements','prepare_ok','sqlite_only','not_yet_portable')}); [print(len(v), r) for r, v in sorted(d['failures'].items(), key=lambda x: -len(x[1]))]"
