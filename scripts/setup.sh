#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of Sổ điểm on Debian 12.
# Idempotent: packages already present are skipped; safe to run repeatedly.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev
  libssl-dev openssl
  libsqlite3-dev sqlite3
  nlohmann-json3-dev
  catch2
  libcli11-dev
  libspdlog-dev
  libicu-dev
  python3 iproute2 procps
  clang libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer, ASan, UBSan
  chromium  # tests/browser: sodiem ui in headless Chromium
  libpango1.0-dev libcairo2-dev fonts-liberation2 fonts-noto-core  # sodiem-server print: PDF with Vietnamese fonts
  libxlsxwriter-dev libminizip-dev libpugixml-dev  # sodiem-server export|import marks: XLSX
  poppler-utils  # tests read the printed PDFs back (pdftotext, pdffonts)
  postgresql-15 libpq-dev  # the PostgreSQL store: scripts/pg.sh starts a throw-away cluster for tests and bench
  patroni etcd-server  # tests/pg/patroni_failover.py: a real failover of the PostgreSQL store
)
# Node.js and npm run the browser tests (playwright-core from npm); most
# machines have them already, a bare Debian gets its own.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then PACKAGES+=(nodejs npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all dependencies present" >&2
fi
