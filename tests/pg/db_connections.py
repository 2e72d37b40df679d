#!/usr/bin/env python3
# A multi-school process never takes its PostgreSQL cluster's last
# connections (CTest db_connections_pg). A throw-away cluster of its own with
# max_connections = 30 (27 for ordinary roles), ten schools in it under one
# `sodiem-server run --schools PARENT` (each open school holds 3
# connections: ten would need 30). A stranger's TLS handshakes name every
# school and hold their connections (no request: the lease lasts until the
# handshake deadline), while the connections of the application role are
# counted every 20 ms:
#   1. --max-db-connections 12, no cluster check: the process never holds
#      more than 12; school A's console, opened before, keeps answering;
#      the schools past the cap get the Vietnamese 503 ("thử lại sau ít phút").
#   2. the cap high, --db-spare-connections 10: the cluster keeps at least
#      10 free connections at rest (another process, psql as the application
#      role, connects); A's console keeps answering; once the stranger's
#      connections end, a school never opened so far opens (an unused one is
#      closed to make room; after a refusal for want of free connections,
#      openings wait out the short back-off).
# Before the budget, ten handshakes opened ten schools: the cluster refused
# connections ("too many clients") to the process and to everyone else.
#
# usage: db_connections.py --server-bin B [--work DIR]
import argparse
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
from server_store import PgCluster, psql  # noqa: E402
from pg_schools import Failure  # noqa: E402

PG_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "pg.sh")
SCHOOLS = 10
MAX_CONNECTIONS = 30
GRADEBOOK = "/api/gradebook?class=6A&subject=To%C3%A1n"
# kDbBusyBackoff (5 s) asked every second, with a second of slack.
BACKOFF_REFUSALS = 6


def pg_sh(*args, env=None):
    r = subprocess.run(["bash", PG_SH, *args], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise Failure(f"pg.sh {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")


def name_of(i):
    return f"truong-{i}.test"


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class SniConnection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1:port with the TLS host name `name` (the school's)."""

    def __init__(self, port, name):
        super().__init__("127.0.0.1", port, context=tls_context(), timeout=60)
        self.sni = name

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.sni)


def request(port, name, method, path, cookie="", body=None):
    conn = SniConnection(port, name)
    headers = {"Host": f"{name}:{port}"}
    if cookie:
        headers["Cookie"] = f"__Host-sodiem_console={cookie}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    raw = r.read().decode("utf-8", "replace")
    cookie_set = r.getheader("Set-Cookie") or ""
    conn.close()
    return r.status, raw, cookie_set


def hold(port, name):
    """A stranger's handshake naming the school, held open without a request."""
    sock = socket.create_connection(("127.0.0.1", port), 30)
    return tls_context().wrap_socket(sock, server_hostname=name)


class Counter(threading.Thread):
    """The application role's connections (the server's), sampled every 20 ms: the most seen."""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.cluster, self.most, self.running = cluster, 0, True

    def now(self):
        return int(psql(self.cluster.super_url, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'sodiem_app';"))

    def run(self):
        while self.running:
            try:
                self.most = max(self.most, self.now())
            except RuntimeError:
                pass  # the superuser's reserved slots make this rare; a miss is not a finding
            time.sleep(0.02)


def free_slots(cluster):
    """Connections ordinary roles may still open (this psql's own not counted)."""
    return int(psql(cluster.super_url, "SELECT current_setting('max_connections')::int - "
                                       "current_setting('superuser_reserved_connections')::int - "
                                       "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') "
                                       "+ 1;"))


def start_server(args, parent, log_path, *flags):
    proc = subprocess.Popen([args.server_bin, "run", "--schools", parent, "--listen", "127.0.0.1:0", *flags],
                            stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline:
        text = open(log_path).read()
        if "listening on " in text:
            return proc, int(text.split("listening on ", 1)[1].split()[0].rsplit(":", 1)[1])
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    raise Failure(f"the server did not start: {open(log_path).read()[-2000:]}")


def stop(proc):
    if proc and proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server-bin", required=True)
    ap.add_argument("--work")
    args = ap.parse_args()
    if args.work:
        os.makedirs(args.work, exist_ok=True)
    work = tempfile.mkdtemp(prefix="sodiem-db-connections-", dir=args.work)
    pg_dir = os.path.join(work, "pg")
    parent = os.path.join(work, "schools")
    findings = []
    proc = None
    try:
        pg_sh("start", pg_dir, env={**os.environ, "SODIEM_PG_MAX_CONNECTIONS": str(MAX_CONNECTIONS)})
        cluster = PgCluster(pg_dir)
        stamp = os.path.basename(work).rsplit("-", 1)[-1].lower()
        for i in range(SCHOOLS):
            school_id = f"conn-{i}-" + "".join(c for c in stamp if c.isalnum())
            argv = [args.server_bin, "init", "--data", os.path.join(parent, f"s{i}"), "--database", cluster.app_url,
                    "--database-owner", cluster.owner_url, "--school-id", school_id, "--host-name", name_of(i)]
            if i == 0:
                argv.append("--demo")
            r = subprocess.run(argv, capture_output=True, text=True)
            if r.returncode != 0:
                raise Failure(f"init of school {i} exited {r.returncode}: {r.stdout}{r.stderr}")
        accounts = json.load(open(os.path.join(parent, "s0", "demo-accounts.json")))
        password = {a["username"]: a["password"] for a in accounts["accounts"]}

        def console_of_a(port, step):
            status, raw, cookie = request(port, name_of(0), "POST", "/api/login",
                                          body={"username": "hieutruong", "password": password["hieutruong"]})
            if status != 200 or not cookie.startswith("__Host-sodiem_console="):
                raise Failure(f"{step}: the principal of school A could not log in ({status}): {raw[:300]}")
            return cookie.split("=", 1)[1].split(";", 1)[0]

        def a_answers(port, cookie, step, wait_out=False):
            # wait_out: A unused since (the stranger's hold on it ended) may
            # have been closed for another school; its reopening then waits
            # out the back-off like any other.
            until = time.monotonic() + 30
            while True:
                status, raw, _ = request(port, name_of(0), "GET", GRADEBOOK, cookie=cookie)
                if not wait_out or status != 503 or "thử lại sau ít phút" not in raw or time.monotonic() > until:
                    break
                time.sleep(1.0)
            if status != 200:
                findings.append(f"{step}: school A's console, open before, answered {status}: {raw[:300]}")

        for phase, flags, cap in (("the process's cap (12)", ["--max-db-connections", "12",
                                                               "--db-spare-connections", "0"], 12),
                                  ("the cluster's spare connections (10)", ["--max-db-connections", "1000"], None)):
            proc, port = start_server(args, parent, os.path.join(work, f"server-{len(findings)}-{time.time()}.log"),
                                      *flags)
            counter = Counter(cluster)
            counter.start()
            cookie = console_of_a(port, phase)
            held = [hold(port, name_of(0))]  # A stays in use throughout
            for i in range(1, SCHOOLS):
                held.append(hold(port, name_of(i)))
            time.sleep(2.0)  # the opens run one at a time, off the io thread
            # (the stranger's handshakes hold their schools for 10 s: the deadline of a request)
            # A school past the budget is refused in Vietnamese (with every school in use, none to close).
            refused = 0
            for i in range(1, SCHOOLS):
                status, raw, _ = request(port, name_of(i), "GET", "/status")
                if status == 503:
                    refused += 1
                    if "thử lại sau ít phút" not in raw:
                        findings.append(f"{phase}: school {i} refused without the Vietnamese words: {raw[:200]}")
            if refused == 0:
                findings.append(f"{phase}: no school was refused: every one opened")
            a_answers(port, cookie, f"{phase}, every school named")
            try:
                psql(cluster.app_url, "SELECT 1;")
            except RuntimeError as e:
                findings.append(f"{phase}: another client of the cluster got no connection: {e}")
            if cap is not None and counter.most > cap:
                findings.append(f"{phase}: the process held {counter.most} connections, more than its cap {cap}")
            if cap is None:
                free = free_slots(cluster)
                if free < 10:
                    findings.append(f"{phase}: the cluster has {free} free connections at rest, fewer than 10")
                # The stranger goes; a school never opened so far opens (unused ones close to make room).
                for s in held[1:]:
                    s.close()
                held = held[:1]
                time.sleep(0.5)
                # The cluster short: one unused school closes per refused
                # opening, then openings wait out the back-off (kDbBusyBackoff,
                # 5 s) with the Vietnamese 503, as a teacher's sodiem retries.
                # Each school waits out at most one back-off (5 s, asked
                # every second: BACKOFF_REFUSALS), never one per school closed.
                opened_late = 0
                busy_refusals = 0
                for i in range(SCHOOLS - 1, 0, -1):
                    until = time.monotonic() + 30
                    refusals = 0
                    while True:
                        status, raw, _ = request(port, name_of(i), "GET", "/status")
                        if status != 503 or "thử lại sau ít phút" not in raw or time.monotonic() > until:
                            break
                        refusals += 1
                        time.sleep(1.0)
                    busy_refusals += refusals
                    if refusals > BACKOFF_REFUSALS:
                        findings.append(f"{phase}, the stranger gone: school {i} was refused {refusals} times, "
                                        f"longer than one back-off ({BACKOFF_REFUSALS} at most)")
                    if status == 200:
                        opened_late += 1
                    else:
                        findings.append(f"{phase}, the stranger gone: school {i} answered {status}: {raw[:200]}")
                print(f"{phase}, the stranger gone: {opened_late} schools opened, {busy_refusals} refusals "
                      "waited out")
                if busy_refusals > 2 * BACKOFF_REFUSALS:
                    findings.append(f"{phase}, the stranger gone: {busy_refusals} refusals in all: the openings "
                                    "waited out more than two back-offs, though each close made room")
                a_answers(port, cookie, f"{phase}, the stranger gone", wait_out=True)
                free = free_slots(cluster)
                if free < 10:
                    findings.append(f"{phase}, every school visited: {free} free connections, fewer than 10")
            counter.running = False
            counter.join()
            print(f"{phase}: at most {counter.most} connections held by the process, {refused} of "
                  f"{SCHOOLS - 1} schools refused")
            for s in held:
                s.close()
            stop(proc)
            proc = None
    except Failure as e:
        findings.append(str(e))
    finally:
        stop(proc)
        subprocess.run(["bash", PG_SH, "stop", pg_dir], capture_output=True)
    if findings:
        print("db connections: FAILED")
        for f in findings:
            print("  - " + f)
        print(f"(work folder kept: {work})")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print("db connections: the process stayed within its budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
