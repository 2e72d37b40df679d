#!/usr/bin/env bash
# Runs the benchmark suite in Release and writes bench-results/latest.json
# and bench-results/latest.md (format: ../shared/design/INTERFACES.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=build-release BUILD_TYPE=Release bash scripts/build.sh sodiem-server sodiem sodiem_bench sodiem_pg_bench >/dev/null
mkdir -p bench-results
B=build-release
LOCAL=$(mktemp); SLOW=$(mktemp)
"$B/tests/sodiem_bench" local >"$LOCAL"
# Printed records (issue 17): one grade book, then every transcript of the demo school.
PRINT=$(mktemp)
"$B/tests/sodiem_bench" print >"$PRINT"

# Slow link: 300 ms RTT, 256 kbit/s up, 1 Mbit/s down, 3 % loss, via tunwire.
TUNWIRE=../shared/tools/tunwire.py
slow_null() { printf '{"rtt_ms":300,"up_kbit":256,"down_kbit":1024,"loss_pct":3,"push_2700_s":null,"why":"%s"}' "$1" >"$SLOW"; }
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
  slow_null "needs root and /dev/net/tun for network namespaces"
elif [ ! -f "$TUNWIRE" ]; then
  slow_null "../shared/tools/tunwire.py not found"
else
  W=$(mktemp -d)
  python3 "$TUNWIRE" --delay-ms 150 --loss-pct 3 --up-kbit 256 --down-kbit 1024 --max-seconds 300 >"$W/tunwire.json" 2>"$W/tunwire.log" &
  TW=$!
  for _ in $(seq 50); do ip netns list | grep -q pr_s && ip netns list | grep -q pr_c && break; sleep 0.1; done
  "$B/server/sodiem-server" init --data "$W/s" --demo >/dev/null
  ip netns exec pr_s "$B/server/sodiem-server" run --data "$W/s" --listen 10.203.0.2:8443 >"$W/server.log" 2>&1 &
  SP=$!
  for _ in $(seq 100); do grep -q "listening on" "$W/server.log" && break; sleep 0.1; done
  read -r FP PW < <(python3 -c "import json; d=json.load(open('$W/s/demo-accounts.json')); print(d['server_fingerprint'], next(a['password'] for a in d['accounts'] if a['username']=='gv.toan.1'))")
  if echo "$PW" | ip netns exec pr_c "$B/client/sodiem" enroll --data "$W/c" --server wss://10.203.0.2:8443 \
       --user gv.toan.1 --password-stdin --fingerprint "$FP" >/dev/null; then
    "$B/tests/sodiem_bench" fill "$W/c" 2700
    T0=$(date +%s.%N)
    if ip netns exec pr_c "$B/client/sodiem" sync --data "$W/c" --json >"$W/sync.json"; then
      T1=$(date +%s.%N)
      python3 -c "import json; s=json.load(open('$W/sync.json')); print(json.dumps({'rtt_ms':300,'up_kbit':256,'down_kbit':1024,'loss_pct':3,'push_2700_s':round($T1-$T0,3),'bytes_up':s['bytes_sent'],'bytes_down':s['bytes_received'],'pushed':s['pushed']}))" >"$SLOW"
    else
      slow_null "sync over the slow link failed"
    fi
  else
    slow_null "enrollment over the slow link failed"
  fi
  kill $SP 2>/dev/null || true; wait $SP 2>/dev/null || true
  kill $TW 2>/dev/null || true; wait $TW 2>/dev/null || true
  rm -rf "$W"
fi

# PostgreSQL's ceilings (COPY, and one INSERT per row through sodiem_pg) for
# the same rows, in a throw-away cluster (scripts/pg.sh).
PG=$(mktemp); PGDIR=$(mktemp -d)
if bash scripts/pg.sh start "$PGDIR" >/dev/null 2>"$PGDIR.log"; then
  "$B/tests/sodiem_pg_bench" "$(cat "$PGDIR/url")" >"$PG" 2>>"$PGDIR.log" ||
    echo '{"pg":null,"pg_why":"sodiem_pg_bench failed"}' >"$PG"
  # The server's own ingest (the DB worker's part, as ingest_core) into a
  # school kept in that PostgreSQL: the same 20,000 ops, 3 runs.
  PGI=$(mktemp); PG1=$(mktemp); PG20=$(mktemp); PG20B=$(mktemp); PGS=$(mktemp); PGSB=$(mktemp); PGSR=$(mktemp)
  SODIEM_TEST_PG="$PGDIR" SODIEM_BENCH_ROUNDS=3 "$B/tests/sodiem_bench" ingest_core >"$PGI" 2>>"$PGDIR.log" || true
  # End to end through the real server process(es), as ingest_1 and
  # ingest_20: one client; twenty clients through one and through two
  # `sodiem-server run` processes on the same school.
  SODIEM_TEST_PG="$PGDIR" SODIEM_BENCH_ROUNDS=3 "$B/tests/sodiem_bench" ingest_1 >"$PG1" 2>>"$PGDIR.log" || true
  # PostgreSQL on a machine of its own: the same ingest_1 through a proxy
  # that delays each way (tests/pg/latency_proxy.py), at 0 ms (the proxy's
  # own cost) and 0.5 ms each way (a 1 ms round trip: a database node on
  # the LAN), where the server's round trips per push, not PostgreSQL's
  # speed, set the pace.
  PGR0=$(mktemp); PGR1=$(mktemp)
  far_ingest() {  # ONE_WAY_MS OUT
    local far real port pid
    far=$(mktemp -d); real=$(cat "$PGDIR/port")
    python3 tests/pg/latency_proxy.py "$real" "$1" >"$far/proxy-port" &
    pid=$!
    for _ in $(seq 50); do [ -s "$far/proxy-port" ] && break; sleep 0.1; done
    port=$(cat "$far/proxy-port")
    for f in url app-url; do sed "s/:$real\//:$port\//" "$PGDIR/$f" >"$far/$f"; done
    echo "$port" >"$far/port"
    SODIEM_TEST_PG="$far" SODIEM_BENCH_ROUNDS=3 "$B/tests/sodiem_bench" ingest_1 >"$2" 2>>"$PGDIR.log" || true
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    rm -rf "$far"
  }
  far_ingest 0 "$PGR0"
  far_ingest 0.5 "$PGR1"
  SODIEM_TEST_PG="$PGDIR" SODIEM_BENCH_ROUNDS=3 SODIEM_BENCH_SERVERS=1 "$B/tests/sodiem_bench" ingest_20 >"$PG20" 2>>"$PGDIR.log" || true
  SODIEM_TEST_PG="$PGDIR" SODIEM_BENCH_ROUNDS=3 SODIEM_BENCH_SERVERS=2 "$B/tests/sodiem_bench" ingest_20 >"$PG20B" 2>>"$PGDIR.log" || true
  # The twenty clients spread over four schools in that database, all served
  # by one `sodiem-server run --data … ×4` process, then by two such.
  SODIEM_TEST_PG="$PGDIR" SODIEM_BENCH_ROUNDS=3 SODIEM_BENCH_SERVERS=1 "$B/tests/sodiem_bench" ingest_20_schools >"$PGS" 2>>"$PGDIR.log" || true
  SODIEM_TEST_PG="$PGDIR" SODIEM_BENCH_ROUNDS=3 SODIEM_BENCH_SERVERS=2 "$B/tests/sodiem_bench" ingest_20_schools >"$PGSB" 2>>"$PGDIR.log" || true
  # The same two processes, each school's clients through one of them (a
  # front routing each school's host name to one process).
  SODIEM_TEST_PG="$PGDIR" SODIEM_BENCH_ROUNDS=3 SODIEM_BENCH_SERVERS=2 SODIEM_BENCH_ROUTE=school "$B/tests/sodiem_bench" ingest_20_schools >"$PGSR" 2>>"$PGDIR.log" || true
  python3 - "$PG" "$PGI" "$PG1" "$PG20" "$PG20B" "$PGS" "$PGSB" "$PGSR" "$PGR0" "$PGR1" <<'PY'
import json, sys
def load(path, key):
  try: return json.load(open(path))[key]
  except Exception: return None
pg = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
if isinstance(pg.get("pg"), dict):
  p = pg["pg"]
  p["pg_ingest_core"] = load(sys.argv[2], "ingest_core")
  one = load(sys.argv[3], "ingest_1")
  if one:
    # The SQLite-only parts of ingest_1's record (raw SQLite rounds) are not this figure's.
    p["pg_ingest_1"] = {"ops": one["ops"], "ops_per_s": one["ops_per_s"],
                        "ratio_to_pg_copy": one["ops_per_s"] / p["pg_copy_ops_per_s"],
                        "server_worker": [r["server_worker"] for r in one["rounds"]],
                        "db_round_trips_per_push": one["rounds"][0].get("db_round_trips_per_push")}
  far0, far1 = load(sys.argv[9], "ingest_1"), load(sys.argv[10], "ingest_1")
  if far0 and far1:
    p["pg_ingest_1_far"] = {"one_way_ms": 0.5, "ops_per_s": far1["ops_per_s"],
                            "proxy_at_0_ms_ops_per_s": far0["ops_per_s"],
                            "db_round_trips_per_push": far1["rounds"][0].get("db_round_trips_per_push")}
  p["pg_ingest_20"] = {"servers_1": load(sys.argv[4], "ingest_20"), "servers_2": load(sys.argv[5], "ingest_20")}
  p["pg_ingest_20_schools"] = {"servers_1": load(sys.argv[6], "ingest_20_schools"),
                               "servers_2": load(sys.argv[7], "ingest_20_schools"),
                               "servers_2_by_school": load(sys.argv[8], "ingest_20_schools")}
  open(sys.argv[1], "w").write(json.dumps(pg) + "\n")
PY
  rm -f "$PGI" "$PG1" "$PG20" "$PG20B" "$PGS" "$PGSB" "$PGSR" "$PGR0" "$PGR1"
  bash scripts/pg.sh stop "$PGDIR" || true
else
  echo '{"pg":null,"pg_why":"scripts/pg.sh could not start PostgreSQL"}' >"$PG"
fi
rm -rf "$PGDIR" "$PGDIR.log"

# The teacher's screen in headless Chromium (tests/browser/bench-ui.mjs):
# a keystroke's commit → the durable write answered; opening a 45-student grid.
UI=$(mktemp)
if [ -x /usr/bin/chromium ] && command -v node >/dev/null; then
  ( cd tests/browser && { [ -d node_modules/playwright-core ] || PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >/dev/null; } )
  SODIEM_CLIENT_BIN="$B/client/sodiem" SODIEM_SERVER_BIN="$B/server/sodiem-server" \
    node tests/browser/bench-ui.mjs >"$UI" 2>/dev/null ||
    echo '{"ui_save_ms":null,"ui_grid_ms":null,"ui_why":"tests/browser/bench-ui.mjs failed"}' >"$UI"
else
  echo '{"ui_save_ms":null,"ui_grid_ms":null,"ui_why":"needs /usr/bin/chromium and node"}' >"$UI"
fi

python3 - "$LOCAL" "$SLOW" "$UI" "$PRINT" "$PG" <<'PY'
import json, sys, datetime, platform, os
local = json.load(open(sys.argv[1])); slow = json.load(open(sys.argv[2]))
out = dict(local); out["slow_link"] = slow
out.update(json.load(open(sys.argv[4])))
out.update(json.loads(open(sys.argv[3]).read().strip().splitlines()[-1]))
out.update(json.loads(open(sys.argv[5]).read().strip().splitlines()[-1]))
out["machine"] = {"cores": os.cpu_count(), "date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")}
json.dump(out, open("bench-results/latest.json", "w"), indent=2)
i1, w, n, lw, sl = out["ingest_1"], out["wire"], out["noop_sync"], out["local_write_ms"], out["slow_link"]
rows = [
  ("ingest, 1 client", f'{i1["ops_per_s"]:,.0f} ops/s ({i1["ratio"]*100:.0f} % of raw SQLite {i1["sqlite_raw_ops_per_s"]:,.0f}; {i1["ratio_same_writes"]*100:.0f} % of raw SQLite doing all the server\'s writes one statement per row {i1["sqlite_same_writes_ops_per_s"]:,.0f}); medians of {len(i1["rounds"])} rounds, ratios per round {min(r["ratio"] for r in i1["rounds"])*100:.0f}–{max(r["ratio"] for r in i1["rounds"])*100:.0f} %', "≥ 50,000 ops/s and ≥ 40 %"),
  ("ingest, the server's DB worker alone (one thread, no network)", f'{out["ingest_core"]["median_ops_per_s"]:,.0f} ops/s (median of {out["ingest_core"]["runs"]} runs; fastest {out["ingest_core"]["fastest_ops_per_s"]:,.0f})', "—"),
  ("ingest, 20 clients", f'{out["ingest_20"]["ops_per_s"]:,.0f} ops/s', "—"),
  ("wire, 2,700-op push", f'{w["bytes_per_op"]:.1f} bytes/op ({w["bytes_up"]} up, {w["bytes_down"]} down), {w["round_trips"]} round trip(s)', "≤ 40 bytes/op"),
  ("no-op sync", f'{n["round_trips"]} round trip, {n["bytes"]} bytes, {n["seconds"]*1000:.1f} ms', "1 round trip"),
  ("local write", f'p50 {lw["p50"]:.2f} ms, p99 {lw["p99"]:.2f} ms', "p99 < 2 ms"),
  ("slow link push of 2,700", (f'{sl["push_2700_s"]} s' if sl.get("push_2700_s") is not None else "null: " + sl.get("why", "")), "≤ 10 s"),
  ("server RSS", f'idle {out["server_rss_mb"]["idle"]:.1f} MB, 200 clients {out["server_rss_mb"]["clients_200"]} MB', "—"),
]
pg, ps = out["print_gradebook_ms"], out["print_school_s"]
rows += [
  ("print a grade book (one class × subject × term, PDF)", f'p50 {pg["p50"]:.0f} ms (min {pg["min"]:.0f}, max {pg["max"]:.0f}; {pg["runs"]} runs, {pg["pages"]} page(s))', "—"),
  ("print every transcript of the demo school (PDF per class)", f'{ps["seconds"]:.1f} s for {ps["transcripts"]} transcripts in {ps["classes"]} PDFs ({ps["pages"]} pages)', "—"),
]
us, ug = out.get("ui_save_ms"), out.get("ui_grid_ms")
if us and ug:
  rows += [
    ("ui: keystroke commit → durable write answered (headless Chromium)", f'p50 {us["p50"]} ms, p99 {us["p99"]} ms over {us["n"]} saves on the page\'s {us.get("via", "http")} (the ui\'s own answer p50 {us["ui_answer_p50"]} ms, p99 {us["ui_answer_p99"]} ms; floor, the round trip for the smallest answer: channel p50 {us.get("channel_floor_p50")} ms, p99 {us.get("channel_floor_p99")} ms, fetch p50 {us.get("browser_floor_p50")} ms, p99 {us.get("browser_floor_p99")} ms)', "p99 < 20 ms"),
    ("ui: open a grid until interactive", f'p50 {ug["p50"]} ms, max {ug["max"]} ms ({ug["students"]} students, {ug["cells"]} marks; in the page {ug["in_page_p50"]} ms, building the table {ug["build_p50"]} ms)', "< 150 ms"),
  ]
else:
  rows.append(("ui", "null: " + out.get("ui_why", ""), "—"))
pg = out.get("pg")
if pg:
  one, twenty = pg.get("pg_ingest_1"), pg.get("pg_ingest_20") or {}
  if one:
    rows.append(("pg_ingest_1: one client, a school kept in PostgreSQL (end to end, as ingest_1)", f'{one["ops_per_s"]:,.0f} ops/s = {100 * one["ratio_to_pg_copy"]:.1f} % of PostgreSQL COPY of the log rows in one transaction', "≥ 30 % of COPY"))
  far = pg.get("pg_ingest_1_far")
  if far:
    rows.append(("pg_ingest_1 with PostgreSQL 0.5 ms away each way (tests/pg/latency_proxy.py; through the proxy at 0 ms)", f'{far["ops_per_s"]:,.0f} ops/s ({far["proxy_at_0_ms_ops_per_s"]:,.0f} at 0 ms); {far["db_round_trips_per_push"] or 0:.1f} database round trips per push of 500', "—"))
  t1, t2 = twenty.get("servers_1"), twenty.get("servers_2")
  if t1 and t2:
    rows.append(("pg_ingest_20: twenty clients, one / two server processes on one school", f'{t1["ops_per_s"]:,.0f} / {t2["ops_per_s"]:,.0f} ops/s ({t1["refused"]:,} of {t1["ops"]:,} ops refused, as in ingest_20)', "two > one"))
  def cpu_row(what, runs):
    # Where the CPU went (tests/bench/cpu_meter.hpp): if the machine's cores
    # were all busy, a second server process had no core to run on.
    parts = []
    for label, r in runs:
      c = (r or {}).get("cpu")
      if not c: return
      ms = c["cpu_ms_per_1000_ops"]
      total = sum(ms.values())
      parts.append(f'{label}: {ms["clients"]:.0f} / {ms["servers"]:.0f} / {ms.get("postgres", 0):.0f} ms, '
                   f'machine busy {c["busy_cores"]["machine"]:.1f} of {c["cores"]} cores, '
                   f'so at most {c["cores"] * 1e6 / total:,.0f} ops/s on these cores')
    rows.append((what, "; ".join(parts), "—"))
  cpu_row("pg_ingest_20: CPU per 1,000 ops (clients / servers / PostgreSQL), medians", [("one process", t1), ("two", t2)])
  schools = pg.get("pg_ingest_20_schools") or {}
  s1, s2 = schools.get("servers_1"), schools.get("servers_2")
  if s1 and s2:
    rows.append(("pg_ingest_20_schools: twenty clients over four schools in one database, one process serving all four / two processes each serving all four (school by TLS host name)", f'{s1["ops_per_s"]:,.0f} / {s2["ops_per_s"]:,.0f} ops/s ({s1["refused"]:,} of {s1["ops"]:,} ops refused)', "—"))
    cpu_row("pg_ingest_20_schools: CPU per 1,000 ops (clients / servers / PostgreSQL), medians", [("one process", s1), ("two", s2)])
  core = pg.get("pg_ingest_core")
  if core:
    rows.append(("pg_ingest_core: the server's ingest into a school kept in PostgreSQL (the DB worker's part, as ingest_core)", f'median {core["median_ops_per_s"]:,.0f} ops/s, fastest {core["fastest_ops_per_s"]:,.0f} ({core["runs"]} runs of {core["ops"]:,} ops)', "—"))
  rows.append(("PostgreSQL ceilings, the same rows as raw SQLite", f'COPY {pg["pg_copy_ops_per_s"]:,.0f} ops/s in one transaction, {pg["pg_copy_500_ops_per_s"]:,.0f} ops/s committed every 500; one INSERT per row {pg["pg_insert_500_ops_per_s"]:,.0f} ops/s; all the server\'s writes per op (log row, cell upsert, audit row per 500), 500 ops per transaction: row by row {pg["pg_same_writes"]["rows"]:,.0f}, pipelined {pg["pg_same_writes"]["pipeline"]:,.0f}, 32 rows per statement {pg["pg_same_writes"]["batched_32"]:,.0f}, COPY into a staging table then INSERT … SELECT {pg["pg_same_writes"]["copy_staged"]:,.0f} ops/s ({pg["rows"]:,} rows, medians of 3)', "—"))
else:
  rows.append(("PostgreSQL", "null: " + out.get("pg_why", ""), "—"))
with open("bench-results/latest.md", "w") as f:
    f.write(f'# Benchmark results ({out["machine"]["date"]}, {out["machine"]["cores"]} cores)\n\n| what | measured | target |\n|---|---|---|\n')
    for r in rows: f.write(f"| {r[0]} | {r[1]} | {r[2]} |\n")
print(open("bench-results/latest.md").read())
PY
rm -f "$LOCAL" "$SLOW" "$UI" "$PRINT" "$PG"
