#!/usr/bin/env python3
# Per-address login lockouts with two server processes on one school in
# PostgreSQL (CTest address_lockout_pg, the `pg` fixture). An attacker
# guesses passwords of many accounts (few guesses each, under the per-account
# bound) at the console's login, from one address:
#   - against server A only (the bound one process enforces), from 127.0.0.2;
#   - alternating between A and B, from 127.0.0.3;
# the second must not get more wrong-password answers before the address is
# refused than the first; once locked, both servers refuse the address. The
# console of either server lists the lockout, and lifting it at A's console
# lets the address log in at B again. Prints the two counts.
#
# usage: address_lockout.py --server-bin B --client-bin B --pg DIR [--work DIR]
import argparse
import copy
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pg_schools import Failure, PgCluster, School  # noqa: E402

ADDRESS_REFUSED = "từ địa chỉ"  # the LoginLimiter's refusal of an address (login_limiter.cpp)


def guess(server, user, source):
    """One wrong password: 'wrong' (checked and refused), 'locked' (the address is refused before any check)."""
    status, raw, _ = server.try_login(user, "khong-phai-mat-khau", source)
    if status == 429 and ADDRESS_REFUSED in raw:
        return "locked"
    if status == 401:
        return "wrong"
    raise Failure(f"a wrong password for {user} at server {server.letter} answered {status}: {raw}")


def wrong_until_locked(servers, users, source, limit=200):
    """Guesses (server i % n, account i % len(users)) until an address refusal; the wrong-password answers."""
    for i in range(limit):
        if guess(servers[i % len(servers)], users[i % len(users)], source) == "locked":
            return i
    raise Failure(f"{limit} wrong passwords from {source} and the address was never refused")


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
    work = tempfile.mkdtemp(prefix="sodiem-address-lockout-", dir=args.work)
    a = School(args, cluster, work, "a")
    b = None
    findings = []
    try:
        subprocess.run(a.init_argv, check=True, capture_output=True)
        a.load_accounts()
        # Server B: a copy of A's folder (same database.json, certificate, audit key).
        b = copy.copy(a)
        b.letter, b.dir = "b", os.path.join(work, "school-a-copy")
        shutil.copytree(a.dir, b.dir)
        a.start()
        b.start()
        users = sorted(u for u in a.password if u not in ("hieutruong", "quantri"))

        one = wrong_until_locked([a], users, "127.0.0.2")
        two = wrong_until_locked([a, b], users, "127.0.0.3")
        print(f"wrong passwords checked before the address was refused: one server {one}, two servers {two}")
        if two > one:
            findings.append(f"alternating between two servers, an address got {two} wrong passwords checked, "
                            f"one server allows {one}")
        for s in (a, b):
            if guess(s, users[0], "127.0.0.3") != "locked":
                findings.append(f"server {s.letter} still checks passwords from 127.0.0.3 after its lockout")

        # Both consoles list the lockout; lifting it at A's lets the address in at B.
        sessions = {s.letter: s.login("hieutruong", "127.0.0.4") for s in (a, b)}
        for s in (a, b):
            _, raw, _ = s.request("GET", "/api/lockouts", cookie=sessions[s.letter][0], source="127.0.0.4")
            if '"127.0.0.3"' not in raw:
                findings.append(f"server {s.letter}'s console does not list the lockout of 127.0.0.3: {raw}")
        cookie, csrf = sessions["a"]
        status, raw, _ = a.request("POST", "/api/lockouts/lift", cookie=cookie, csrf=csrf,
                                   body={"scope": "address", "key": "127.0.0.3"}, source="127.0.0.4")
        if status != 200:
            findings.append(f"lifting 127.0.0.3 at A's console answered {status}: {raw}")
        if guess(b, users[0], "127.0.0.3") != "wrong":
            findings.append("after A's console lifted 127.0.0.3, server B still refuses it")
        _, raw, _ = b.request("GET", "/api/lockouts", cookie=sessions["b"][0], source="127.0.0.4")
        if '"127.0.0.3"' in raw:
            findings.append(f"after A's console lifted 127.0.0.3, B's console still lists it: {raw}")
    except (Failure, subprocess.CalledProcessError) as e:
        findings.append(f"ERROR {e}")
    finally:
        a.stop()
        if b:
            b.stop()
    for f in findings:
        print("    " + f)
    print(f"address lockouts over two servers: {len(findings)} findings")
    shutil.rmtree(work)
    cluster.drop_school(a.id)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
