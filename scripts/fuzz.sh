#!/usr/bin/env bash
# Fuzzing with libFuzzer: builds the targets (tests/fuzz) with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer into build-fuzz/, then runs
# each for SECONDS from the committed corpus (tests/fuzz/corpus/TARGET) and
# the earlier crashes (tests/fuzz/regressions/TARGET). New inputs it finds go
# to build-fuzz/corpus/TARGET; a crash is left in build-fuzz/crashes/TARGET/
# and the script exits 1 (copy the file into tests/fuzz/regressions/TARGET/
# and add a test for what it found).
#
#   scripts/fuzz.sh SECONDS [TARGET...]   build, then run (all targets by default)
#   scripts/fuzz.sh --build               build only
# Targets: protocol_decode op_value roster_csv audit_detail xlsx curriculum transfer.
# FUZZ_NO_BUILD=1 runs what is built; FUZZ_BUILD_DIR changes build-fuzz.
# Exits 77 (CTest: skipped) when clang or its libFuzzer runtime is missing
# (Debian: clang, libclang-rt-14-dev; scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
ALL=(protocol_decode op_value roster_csv audit_detail xlsx curriculum transfer)

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
build_only=0
if [ "$1" = "--build" ]; then
  build_only=1
  shift
else
  [[ "$1" =~ ^[0-9]+$ ]] || usage
  seconds=$1
  shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")
for t in "${targets[@]}"; do
  [[ " ${ALL[*]} " == *" $t "* ]] || { echo "fuzz: unknown target '$t' (${ALL[*]})" >&2; exit 2; }
done

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  if ! command -v clang++ >/dev/null; then
    echo "fuzz: SKIPPED: clang++ is not installed (Debian: apt-get install clang libclang-rt-14-dev)" >&2
    exit 77
  fi
  probe=$(mktemp -d)
  trap 'rm -rf "$probe"' EXIT
  echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' >"$probe/p.cpp"
  if ! clang++ -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" 2>"$probe/err"; then
    echo "fuzz: SKIPPED: clang++ cannot link libFuzzer with ASan/UBSan (Debian: apt-get install libclang-rt-14-dev):" >&2
    cat "$probe/err" >&2
    exit 77
  fi
  export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}  # a fresh clone elsewhere hits the same cache
  start=$(date +%s)
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DSODIEM_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
  cmake --build "$BUILD" -j2 --target "${targets[@]/#/fuzz_}"
  echo "fuzz: built ${targets[*]} in $(( $(date +%s) - start )) s" >&2
fi
[ $build_only = 0 ] || exit 0

if [ ! -x "$BUILD/tests/fuzz/fuzz_${targets[0]}" ]; then
  if ! command -v clang++ >/dev/null; then
    echo "fuzz: SKIPPED: clang++ is not installed, nothing was built" >&2
    exit 77
  fi
  echo "fuzz: $BUILD/tests/fuzz/fuzz_${targets[0]} is not built (run scripts/fuzz.sh --build)" >&2
  exit 1
fi

status=0
for t in "${targets[@]}"; do
  mkdir -p "$BUILD/corpus/$t" "$BUILD/crashes/$t" "$BUILD/logs"
  log="$BUILD/logs/$t.log"
  dirs=("$BUILD/corpus/$t")
  for d in "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t"; do [ -d "$d" ] && dirs+=("$d"); done
  opts=()
  [ -f "tests/fuzz/$t.dict" ] && opts+=(-dict="tests/fuzz/$t.dict")
  before=$(ls "$BUILD/crashes/$t" | wc -l)
  rc=0
  "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -error_exitcode=1 \
    -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$BUILD/crashes/$t/" "${opts[@]}" "${dirs[@]}" >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(( $(ls "$BUILD/crashes/$t" | wc -l) - before ))
  echo "fuzz $t: ${runs:-?} executions in ${seconds} s, $crashes new crash file(s), exit $rc"
  if [ $rc -ne 0 ] || [ $crashes -gt 0 ]; then
    status=1
    grep -E "property broken|ERROR: |SUMMARY: |runtime error" "$log" | head -5 >&2 || tail -3 "$log" >&2
    ls -t "$BUILD/crashes/$t"/* 2>/dev/null | head -3 | sed 's/^/  left: /' >&2 || true
    echo "  log: $log" >&2
  fi
done
exit $status
