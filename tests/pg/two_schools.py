#!/usr/bin/env python3
# Two schools in one PostgreSQL, each served by its own `sodiem-server run`
# process from its own data folder (CTest two_schools_pg, the `pg` fixture).
# Both are the demo school (same usernames, same class and student codes,
# same ids), under two school ids: the hard case for the school filter.
# School A's devices and principal work first; then school B's devices write
# other marks and comments into the same cells, B's console locks the account
# that A also has, and B's devices get their own names. Afterwards school A
# must show nothing of it:
#   - A's devices, synced again, hold exactly what they held before (their
#     cells and conflicts), and none of B's texts are anywhere in their files;
#   - every answer of A's console (progress, gradebooks, cell history,
#     corrections, locks, approvals, audit and its verification, accounts and
#     devices, lockouts) is the same as before, none holds B's texts;
#   - A's account of the same name as B's locked one still logs in;
#   - `audit verify` passes for both schools.
# B's side is checked to have happened (its devices and console show it), so
# the comparison is never between two empty views.
#
# usage: two_schools.py --server-bin B --client-bin B --pg DIR [--work DIR]
# env:   SODIEM_TWO_SCHOOLS_BREAK=owner-noforce  A's server connects as the schema's owner, and the
#        owner is let past RLS on devices and login_lockouts (NO FORCE) for the run: the test must
#        then FAIL, naming the leaks one by one (CTest two_schools_pg_finds_leak, RUN_SERIAL: it
#        alters the cluster's schema while it runs, restored at the end)
#        SODIEM_TWO_SCHOOLS_BREAK=superuser  A's database.json names the cluster's superuser: the
#        server refuses to start (pg_open.cpp), so the test fails at A's start
#        SODIEM_TWO_SCHOOLS_KEEP=1           keep the folders and both schools' rows
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pg_schools import Failure, PgCluster, School, mark, psql  # noqa: E402

TOAN_CELLS = [("6A", "Toán", f"HS6A{i:02d}", col) for i in range(1, 7) for col in ("HK1.TX1", "HK1.TX2")]
CONSOLE_VIEWS = [
    "/api/progress", "/api/progress?term=HK2",
    "/api/gradebook?class=6A&subject=" + urllib.parse.quote("Toán"),
    "/api/gradebook?class=6A&subject=" + urllib.parse.quote("Ngữ văn"),
    "/api/history?class=6A&subject=" + urllib.parse.quote("Toán") + "&student=HS6A01&column=HK1.TX1",
    "/api/corrections", "/api/locks", "/api/approvals", "/api/approvals/board?term=HK1&class=6A",
    "/api/audit", "/api/audit?kind=push", "/api/audit/verify", "/api/accounts", "/api/lockouts",
]

NO_FORCE = "ALTER TABLE devices NO FORCE ROW LEVEL SECURITY; ALTER TABLE login_lockouts NO FORCE ROW LEVEL SECURITY;"


def console_views(school, session):
    """Each of CONSOLE_VIEWS as `school`'s console answers it: path → (status, body)."""
    views = {}
    for path in CONSOLE_VIEWS:
        status, raw, _ = school.request("GET", path, cookie=session[0])
        views[path] = (status, raw)
    return views


def values_of(gradebook, code):
    """A student's marks in a console gradebook answer (None when the student is not in it)."""
    return next((st["values"] for st in gradebook["students"] if st["code"] == code), None) or {None: None}


def check(findings, ok, text):
    if not ok:
        findings.append(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server-bin", required=True)
    ap.add_argument("--client-bin", required=True)
    ap.add_argument("--pg", required=True, metavar="DIR")
    ap.add_argument("--work")
    args = ap.parse_args()
    cluster = PgCluster(args.pg)
    if args.work:
        os.makedirs(args.work, exist_ok=True)
    work = tempfile.mkdtemp(prefix="sodiem-two-schools-", dir=args.work)
    keep = os.environ.get("SODIEM_TWO_SCHOOLS_KEEP") == "1"
    broken = os.environ.get("SODIEM_TWO_SCHOOLS_BREAK", "")
    a, b = School(args, cluster, work, "a"), School(args, cluster, work, "b")
    print(f"two schools in one database: {a.id} and {b.id} (both the demo school), work dir {work}"
          f"{', BROKEN: ' + broken if broken else ''}", flush=True)
    findings = []
    try:
        # Both demo schools at once (their passwords' hashing is most of init's time).
        inits = [subprocess.Popen(s.init_argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for s in (a, b)]
        for s, p in zip((a, b), inits):
            out = p.communicate()[0]
            if p.returncode != 0:
                raise Failure(f"init of school {s.letter} exited {p.returncode}: {out}")
            s.load_accounts()
        if broken in ("superuser", "owner-noforce"):
            config = os.path.join(a.dir, "server", "database.json")
            store = json.load(open(config))
            store["postgresql"] = cluster.super_url if broken == "superuser" else cluster.owner_url
            json.dump(store, open(config, "w"))
            if broken == "owner-noforce":
                psql(cluster.owner_url, NO_FORCE)
        elif broken:
            raise Failure(f"unknown SODIEM_TWO_SCHOOLS_BREAK: {broken}")
        a.start()
        b.start()

        # School A works: marks of 6A Toán (tenths ending in 3), homeroom comments of 6A.
        a.enroll("toan", "gv.toan.1", "máy trường A")
        a.enroll("van", "gv.van.1", "máy trường A 2")
        for i, cell in enumerate(TOAN_CELLS):
            a.client("toan", "set", *cell, mark(10 * (i % 10) + 3))
        for i in range(1, 4):
            a.client("van", "set", "6A", "Chủ nhiệm", f"HS6A{i:02d}", "HK1.NXCN", f"Nhận xét trường A số {i}")
        for name in ("toan", "van", "toan", "van"):
            a.client(name, "sync")
        a_session = a.login("hieutruong")
        before = {n: a.device_view(n) for n in ("toan", "van")}
        console_before = console_views(a, a_session)
        a_book = json.loads(console_before[CONSOLE_VIEWS[2]][1])
        check(findings, all(values_of(a_book, code).get(col) == mark(10 * (i % 10) + 3)
                            for i, (_, _, code, col) in enumerate(TOAN_CELLS)),
              f"school A's console gradebook does not show A's marks: {console_before[CONSOLE_VIEWS[2]][1][:600]}")
        check(findings, console_before == console_views(a, a_session),
              "A's console answers change with nothing written (the comparison would mean nothing)")

        # School B: the same cells with other values, its own comments and device names, and its
        # gv.toan.2 locked by wrong passwords at its console. Texts only B has, to look for in A.
        secret = f"BÍ-MẬT-TRƯỜNG-B-{random.SystemRandom().randrange(16**6):06x}"
        b_texts = [secret, "máy-riêng-của-trường-B"]
        b.enroll("toan", "gv.toan.1", "máy-riêng-của-trường-B")
        b.enroll("van", "gv.van.1", "máy-riêng-của-trường-B-2")
        for i, cell in enumerate(TOAN_CELLS):
            b.client("toan", "set", *cell, mark(10 * (i % 10) + 7))
        for i in range(1, 6):
            b.client("van", "set", "6A", "Chủ nhiệm", f"HS6A{i:02d}", "HK1.NXCN", f"{secret} nhận xét {i}")
        for name in ("toan", "van", "toan", "van"):
            b.client(name, "sync")
        b_session = b.login("hieutruong")
        for _ in range(6):
            b.try_login("gv.toan.2", "sai-mật-khẩu")
        b_views = console_views(b, b_session)

        # B's side happened: its devices and console show it.
        b_cells = {c[:4]: c[4] for c in b.device_view("toan")["cells"]}
        check(findings, all(b_cells.get(cell) == mark(10 * (i % 10) + 7) for i, cell in enumerate(TOAN_CELLS)),
              f"school B's device does not hold B's marks: {sorted(b_cells.items())[:6]}")
        check(findings, secret.encode() in b.device_bytes("van"), "school B's homeroom device lacks B's comments")
        check(findings, "gv.toan.2" in b_views["/api/lockouts"][1], "school B's console does not list gv.toan.2 as locked")
        b_book = json.loads(b_views[CONSOLE_VIEWS[2]][1])
        check(findings, all(values_of(b_book, code).get(col) == mark(10 * (i % 10) + 7)
                            for i, (_, _, code, col) in enumerate(TOAN_CELLS)),
              f"school B's console gradebook does not show B's marks: {b_views[CONSOLE_VIEWS[2]][1][:600]}")
        check(findings, b_texts[1] in b_views["/api/accounts"][1], "school B's console does not list B's devices")

        # School A sees none of it.
        for name in ("toan", "van", "toan", "van"):
            a.client(name, "sync")
        for name in ("toan", "van"):
            after = a.device_view(name)
            for key in ("cells", "conflicts"):
                if after[key] != before[name][key]:
                    changed = sorted(set(after[key]) ^ set(before[name][key]))
                    findings.append(f"LEAK: A's device {name}: its {key} changed after school B worked: {changed[:6]}")
            blob = a.device_bytes(name)
            for t in b_texts:
                check(findings, t.encode() not in blob, f"LEAK: A's device {name} holds B's text \"{t}\"")
        console_after = console_views(a, a_session)
        for path in CONSOLE_VIEWS:
            status, raw = console_after[path]
            check(findings, status == 200, f"A's console {path} answered {status}: {raw[:300]}")
            if console_before[path] != console_after[path]:
                findings.append(f"LEAK: A's console {path} changed after school B worked: "
                                f"{console_before[path][1][:300]} → {raw[:300]}")
            for t in b_texts:
                check(findings, t not in raw, f"LEAK: A's console {path} shows B's text \"{t}\"")
        # B locked its gv.toan.2; A's gv.toan.2 (same name) still logs in with A's password.
        try:
            a.enroll("toan2", "gv.toan.2", "máy trường A 3")
        except Failure as e:
            findings.append(f"LEAK: A's gv.toan.2 cannot log in after B's gv.toan.2 was locked: {e}")
        for s in (a, b):
            verify = subprocess.run([args.server_bin, "audit", "verify", "--data", os.path.join(s.dir, "server")],
                                    capture_output=True, text=True)
            check(findings, verify.returncode == 0,
                  f"audit verify of school {s.letter} exited {verify.returncode}: {(verify.stdout + verify.stderr).strip()}")
    except Failure as e:
        findings.append(f"ERROR {e}")
    finally:
        a.stop()
        b.stop()
        if broken == "owner-noforce":
            psql(cluster.owner_url, NO_FORCE.replace("NO FORCE", "FORCE"))
    for f in findings:
        print("    " + f)
    print(f"two schools: {len(findings)} findings, {sum(f.startswith('LEAK') for f in findings)} leaks", flush=True)
    if keep:
        print(f"kept: {work}, schools {a.id} and {b.id}")
    else:
        shutil.rmtree(work)
        for s in (a, b):
            cluster.drop_school(s.id)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
