# The demo schools of the PostgreSQL scripts (tests/pg/two_schools.py,
# address_lockout.py, db_restart.py, db_vanish.py and patroni_failover.py
# only): one school of the cluster (PgCluster, from
# tests/fault/server_store.py) with its own data folder and `sodiem-server
# run` process, its devices (the real client binary) and its console (HTTPS
# on the sync port, the certificate pinned); `mark` spells a mark from
# tenths. For the fault scripts (db_restart.py, db_vanish.py,
# patroni_failover.py): `School.demo_device` and `School.write_mark` set up
# the school with gv.toan.1's device and record its HK1.TX1 marks,
# `sync_once` and `check_each_once` are the device's one sync attempt and
# the closing check.
import hashlib
import http.client
import json
import os
import random
import sqlite3
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
from server_store import PgCluster, PgStore, psql  # noqa: E402,F401 (the scripts' cluster, from here)


class Failure(Exception):
    pass


def run(argv, stdin=""):
    r = subprocess.run(argv, input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise Failure(f"{' '.join(argv[:3])} exited {r.returncode}: {(r.stdout + r.stderr).strip()}")
    return r.stdout


class School:
    def __init__(self, args, cluster, work, letter):
        self.args, self.letter = args, letter
        self.id = f"two-{letter}-{random.SystemRandom().randrange(16**6):06x}"
        self.dir = os.path.join(work, f"school-{letter}")
        self.proc = None
        self.init_argv = [args.server_bin, "init", "--data", os.path.join(self.dir, "server"), "--demo",
                          "--database", cluster.app_url, "--database-owner", cluster.owner_url, "--school-id", self.id]

    def load_accounts(self):
        accounts = json.load(open(os.path.join(self.dir, "server", "demo-accounts.json")))
        self.fingerprint = accounts["server_fingerprint"]
        self.password = {a["username"]: a["password"] for a in accounts["accounts"]}

    def start(self):
        log_path = os.path.join(self.dir, "server.log")
        self.proc = subprocess.Popen([self.args.server_bin, "run", "--data", os.path.join(self.dir, "server"),
                                      "--listen", "127.0.0.1:0"], stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            text = open(log_path).read()
            if "listening on " in text:
                host, port = text.split("listening on ", 1)[1].split()[0].rsplit(":", 1)
                self.host, self.port = host, int(port)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise Failure(f"school {self.letter}'s server did not start: {open(log_path).read()[-2000:]}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    # --- devices (the real client binary) ---
    def device_dir(self, name):
        return os.path.join(self.dir, name)

    def enroll(self, name, user, device_name, password=None):
        run([self.args.client_bin, "enroll", "--data", self.device_dir(name), "--server",
             f"wss://{self.host}:{self.port}", "--user", user, "--password-stdin", "--fingerprint", self.fingerprint,
             "--device-name", device_name], (password or self.password[user]) + "\n")

    def client(self, name, *args):
        return run([self.args.client_bin, args[0], "--data", self.device_dir(name), *args[1:]])

    # --- the fault scripts' school: one device, HK1.TX1 marks ---
    def demo_device(self, before_start=None):
        """`init --demo` on the cluster, `before_start()` if given (e.g. the server's database through a proxy), the
        server started, gv.toan.1 enrolled as device "toan". Returns the marks write_mark records ({cell: value})."""
        out = subprocess.run(self.init_argv, capture_output=True, text=True)
        if out.returncode != 0:
            raise Failure(f"init exited {out.returncode}: {out.stdout}{out.stderr}")
        self.load_accounts()
        if before_start:
            before_start()
        self.start()
        self.enroll("toan", "gv.toan.1", "máy trường")
        self.written = {}
        return self.written

    def write_mark(self, n, tenths=None):
        """The device "toan" records 6A Toán HS6A<n> HK1.TX1 (`tenths`, by default 10·(n mod 7) + 33, a mark from
        3.3 to 9.3), kept in the dict demo_device returned. Returns the cell."""
        cell = ("6A", "Toán", f"HS6A{n:02d}", "HK1.TX1")
        self.written[cell] = mark(10 * (n % 7) + 33 if tenths is None else tenths)
        self.client("toan", "set", *cell, self.written[cell])
        return cell

    def device_view(self, name):
        db = sqlite3.connect(f"file:{self.device_dir(name)}/client.db?mode=ro", uri=True)
        cells = sorted(db.execute("SELECT class_name, subject, student_code, col, value, version FROM cells "
                                  "WHERE value != '' OR version != 0"))
        conflicts = sorted(db.execute("SELECT class_name, subject, student_code, col, other_value FROM conflicts"))
        db.close()
        return {"cells": cells, "conflicts": conflicts}

    def device_bytes(self, name):
        data = b""
        for f in sorted(os.listdir(self.device_dir(name))):
            path = os.path.join(self.device_dir(name), f)
            if os.path.isfile(path):
                data += open(path, "rb").read()
        return data

    # --- the console (HTTPS on the sync port, the certificate pinned) ---
    def request(self, method, path, cookie="", csrf="", body=None, source=""):
        """Over a fresh connection (from the loopback address `source` if given): (status, body, Set-Cookie)."""
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(self.host, self.port, context=ctx, timeout=30,
                                           source_address=(source, 0) if source else None)
        conn.connect()
        if hashlib.sha256(conn.sock.getpeercert(binary_form=True)).hexdigest() != self.fingerprint:
            raise Failure(f"school {self.letter}: the console's certificate is not the school's")
        headers = {"Host": f"{self.host}:{self.port}"}
        if cookie:
            headers["Cookie"] = f"__Host-sodiem_console={cookie}"
        if csrf:
            headers["X-CSRF-Token"] = csrf
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        raw = r.read()
        set_cookie = r.getheader("Set-Cookie") or ""
        conn.close()
        return r.status, raw.decode("utf-8", "replace"), set_cookie

    def try_login(self, user, password, source=""):
        return self.request("POST", "/api/login", body={"username": user, "password": password}, source=source)

    def login(self, user, source=""):
        status, raw, set_cookie = self.try_login(user, self.password[user], source)
        if status != 200 or not set_cookie.startswith("__Host-sodiem_console="):
            raise Failure(f"school {self.letter}: {user} could not log in to the console ({status}): {raw}")
        return set_cookie.split("=", 1)[1].split(";", 1)[0], json.loads(raw)["csrf"]


def mark(tenths):
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"


def sync_once(school, name, timeout=75):
    """The device's sync, one attempt: (exit code, output, seconds). The client gives up after 60 s itself."""
    t0 = time.time()
    r = subprocess.run([school.args.client_bin, "sync", "--data", school.device_dir(name), "--max-attempts", "1"],
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, (r.stdout + r.stderr).strip(), time.time() - t0


def check_each_once(school, store_url, written, findings):
    """Every mark the device wrote ({(class, subject, student, "HK1.TX1"): value}) is stored exactly once in
    the school's log (read through `store_url`, a role that may read it), and `audit verify` passes."""
    rows = PgStore(store_url, school.id).fetch(
        {"c": "SELECT s.code, c.value FROM changes c JOIN students s ON s.id = c.student_id "
              "WHERE c.kind = 0 AND c.col = 'HK1.TX1'"})["c"]
    for (_, _, code, _), value in written.items():
        n = sum(1 for r in rows if r == (code, value))
        if n != 1:
            findings.append(f"{code} HK1.TX1 = {value} is on the server {n} times, not once")
    audit = subprocess.run([school.args.server_bin, "audit", "verify", "--data", os.path.join(school.dir, "server")],
                           capture_output=True, text=True)
    if audit.returncode != 0:
        findings.append(f"audit verify exited {audit.returncode}: {(audit.stdout + audit.stderr).strip()[-600:]}")
