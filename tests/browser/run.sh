#!/usr/bin/env bash
# Runs the browser end-to-end tests of `sodiem ui` (all, or the files named)
# in Debian's headless Chromium with playwright-core from npm (installed here
# with `npm ci` the first time; no browser is downloaded). Called by CTest
# (tests/CMakeLists.txt, label `browser`) or by hand:
#   SODIEM_CLIENT_BIN=build/client/sodiem SODIEM_SERVER_BIN=build/server/sodiem-server \
#     bash tests/browser/run.sh [grid.test.mjs …]
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x /usr/bin/chromium ] && [ -z "${SODIEM_CHROMIUM:-}" ]; then
  echo "browser tests: /usr/bin/chromium is missing (apt-get install chromium); skipped" >&2
  exit 77
fi
if [ ! -d node_modules/playwright-core ]; then
  # One install at a time, even when CTest starts several of these tests.
  exec 9>.npm-install.lock
  flock 9
  [ -d node_modules/playwright-core ] || PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
  flock -u 9
fi
if [ $# -eq 0 ]; then set -- *.test.mjs; fi
exec node --test --test-concurrency=1 "$@"
