#!/usr/bin/env python3
# The server outlives its PostgreSQL's restart (CTest db_restart_pg). A
# throw-away cluster of its own (scripts/pg.sh start in the work folder: the
# `pg` fixture's shared cluster is never restarted under the other tests), a
# demo school served by one `sodiem-server run`, a device of gv.toan.1 and the
# principal's console. Then, for each restart mode (fast: the administrator's
# restart, connections told; immediate: as a crash, with recovery), the
# cluster is stopped and started again while the server keeps running, and:
#   - the device's next sync, a single attempt, succeeds and carries a new mark;
#   - the console session opened before the restart still answers, and shows
#     the mark; a new console login works (it writes).
# Then a COMMIT in doubt: the server reaches PostgreSQL through a proxy
# (commit_cut_proxy.py) that lets a push's COMMIT through and cuts the
# connection before its answer. The sync fails, though the mark is in the
# database. The next sync (one attempt) succeeds, and the resent op is known
# as applied.
# At the end every mark is on the server exactly once and `sodiem-server audit
# verify` passes. Before the server reconnected, every request after the first
# restart failed ("lỗi máy chủ") until the server itself was restarted.
#
# usage: db_restart.py --server-bin B --client-bin B [--work DIR] [--modes fast,immediate]
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
from commit_cut_proxy import CommitCutProxy  # noqa: E402
from server_store import PgCluster, PgStore  # noqa: E402
from pg_schools import Failure, School, check_each_once, sync_once  # noqa: E402

PG_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "pg.sh")
GRADEBOOK = "/api/gradebook?class=6A&subject=" + urllib.parse.quote("Toán")


def pg_sh(*args):
    r = subprocess.run(["bash", PG_SH, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise Failure(f"pg.sh {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server-bin", required=True)
    ap.add_argument("--client-bin", required=True)
    ap.add_argument("--work")
    ap.add_argument("--modes", default="fast,immediate")
    args = ap.parse_args()
    if args.work:
        os.makedirs(args.work, exist_ok=True)
    work = tempfile.mkdtemp(prefix="sodiem-db-restart-", dir=args.work)
    pg_dir = os.path.join(work, "pg")
    findings = []
    school = None
    try:
        pg_sh("start", pg_dir)
        cluster = PgCluster(pg_dir)
        school = School(args, cluster, work, "a")
        # The server's connections go through the proxy (it forwards to the cluster's port after restarts too).
        # A push's transaction moves the device's high-water mark (ingest.cpp).
        proxy = CommitCutProxy(int(open(os.path.join(pg_dir, "port")).read()), "SET high_seq")

        def through_proxy():
            config = os.path.join(school.dir, "server", "database.json")
            store = json.load(open(config))
            store["postgresql"] = cluster.app_url.replace(f":{proxy.target[1]}/", f":{proxy.port}/")
            json.dump(store, open(config, "w"))

        written = school.demo_device(before_start=through_proxy)  # cell → mark

        def write_and_sync(step, n):
            school.write_mark(n, 10 * n + 3)
            code, text, _ = sync_once(school, "toan")
            if code != 0:
                findings.append(f"{step}: the device's sync (one attempt) exited {code}: {text[-400:]}")

        write_and_sync("before any restart", 1)
        session = school.login("hieutruong")
        for i, mode in enumerate(args.modes.split(",")):
            pg_sh("restart", pg_dir, mode)
            step = f"after a {mode} restart of PostgreSQL"
            write_and_sync(step, i + 2)
            status, raw, _ = school.request("GET", GRADEBOOK, cookie=session[0])
            if status != 200:
                findings.append(f"{step}: the console session opened before answered {status}: {raw[:300]}")
            else:
                shown = {st["code"]: st["values"].get("HK1.TX1") for st in json.loads(raw)["students"]}
                for (_, _, code, _), value in written.items():
                    if shown.get(code) != value:
                        findings.append(f"{step}: the console shows {code} HK1.TX1 = {shown.get(code)!r}, "
                                        f"the device wrote {value!r}")
            try:
                school.login("hieutruong")
            except Failure as e:
                findings.append(f"{step}: a new console login failed: {e}")
        # A push whose COMMIT is applied but its answer lost: the sync fails, the mark is stored.
        step = "after a COMMIT in doubt"
        n = len(written) + 1
        cell = school.write_mark(n, 10 * n + 3)
        proxy.arm()
        code, text, _ = sync_once(school, "toan")
        stored = PgStore(cluster.owner_url, school.id).fetch(
            {"c": f"SELECT count(*) FROM changes c JOIN students s ON s.id = c.student_id "
                  f"WHERE c.kind = 0 AND c.col = 'HK1.TX1' AND s.code = '{cell[2]}' AND c.value = '{written[cell]}'"})
        if proxy.cuts != 1 or code == 0 or stored["c"][0][0] != 1:
            findings.append(f"{step}: the proxy cut {proxy.cuts} COMMITs, the sync exited {code}, the mark is stored "
                            f"{stored['c'][0][0]} times: not the case this step is about ({text[-300:]})")
        code, text, _ = sync_once(school, "toan")
        if code != 0:
            findings.append(f"{step}: the device's next sync (one attempt) exited {code}: {text[-400:]}")
        school.stop()
        # Every mark exactly once (the changes the device's pushes made), and the audit chain whole.
        check_each_once(school, cluster.owner_url, written, findings)
    except Failure as e:
        findings.append(str(e))
    finally:
        if school:
            school.stop()
        try:
            pg_sh("stop", pg_dir)
        except Failure as e:
            findings.append(str(e))
    if findings:
        print("FAILED:")
        for f in findings:
            print("  " + f)
        print(f"work dir kept: {work}")
        if school:
            print("server log (end):\n" + open(os.path.join(school.dir, "server.log")).read()[-3000:])
        return 1
    print(f"the server outlived {len(args.modes.split(','))} restarts of PostgreSQL ({args.modes}) and a COMMIT "
          f"in doubt: {len(written)} marks synced once each, the console answered, audit verify passed")
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
