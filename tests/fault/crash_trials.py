#!/usr/bin/env python3
# Crash trials (run by scripts/crash-trials.sh and by CTest): a demo school,
# three enrolled devices (gv.toan.1 on two, gv.van.1, homeroom teacher of 6A,
# on one) typing marks while their syncs, their `set`s and the server are
# killed with SIGKILL at random moments and a proxy cuts connections after a
# random number of bytes. After a clean final sync, crash_oracle.py checks
# that nothing recorded was lost or stored twice, that the change versions are
# dense and that every replica equals the server; `sodiem-server audit verify`
# must pass. Prints "N trials, L lost, D duplicated, V diverged"; exits 1 on
# any finding, keeping the failing trials' directories and logs.
#
# With --pg DIR (a cluster `scripts/pg.sh start DIR` runs) the school lives in
# PostgreSQL and TWO `sodiem-server run` processes serve it, each from its own
# data folder (a copy of the first: the same database.json, TLS identity and
# audit key, as a second machine behind one name would have). The proxy sends
# each connection to one of the servers that are up, at random; the chaos
# SIGKILLs one of them (at random, preferably while a device's batch is in
# flight to it) while the other keeps serving, and restarts it later. Each
# trial's school is a copy of the enrolled template school under its own id,
# dropped afterwards unless kept.
#
# With --kill-db (a cluster of the run's own, started in its work folder: the
# `pg` fixture's shared one is never killed) the two servers are never
# killed: the chaos kills PostgreSQL instead (pg.sh restart … immediate, as a
# crash, preferably while a device's batch is in flight) and starts it again
# after a moment, and the servers must reconnect on their own: a push group
# whose COMMIT was cut off is in doubt, and its resent ops must be applied
# exactly once. Both servers must still be running at the end.
#
# usage: crash_trials.py --server-bin B --client-bin B [--work DIR] [--pg DIR | --kill-db] [N]
# env:   SODIEM_CRASH_SEED     seed of the first trial (trial i uses seed + i; printed)
#        SODIEM_CRASH_OPS      ops typed per device and trial (default 40)
#        SODIEM_CRASH_KEEP     1: keep every trial's directory, 0: none (default: the failing ones)
#        SODIEM_CRASH_SABOTAGE lose|duplicate|diverge[,…]: damage trial i's result with the
#                              (i mod n)-th kind before the oracle runs (to see it fail)
import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_oracle import Verdict, check_trial  # noqa: E402
from cut_proxy import CutProxy  # noqa: E402
from server_store import PgCluster, PgStore, SqliteStore  # noqa: E402

PG_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "pg.sh")

DEVICES = [("d1", "gv.toan.1", "laptop"), ("d2", "gv.toan.1", "home"), ("d3", "gv.van.1", "laptop")]
MARK_COLUMNS = ["HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4", "HK1.GK", "HK1.CK"]
STUDENTS = [f"HS6A{i:02d}" for i in range(1, 9)]  # few cells, so the two devices of gv.toan.1 collide
CONDUCT = ["Tốt", "Khá", "Đạt", "Chưa đạt"]


class Run:
    """Binaries, the proxy and the enrolled template every trial starts from."""

    def __init__(self, server_bin, client_bin, work, pg_dir=None, kill_db=False):
        self.server_bin, self.client_bin, self.work = server_bin, client_bin, work
        self.kill_db = kill_db
        self.pg_dir = pg_dir
        self.pg = PgCluster(pg_dir) if pg_dir else None
        # On PostgreSQL the template is a school in the cluster (its id unique to this run).
        self.school = f"crash-tmpl-{random.SystemRandom().randrange(16**8):08x}" if self.pg else None
        self.proxy = CutProxy(0)
        self.url = f"wss://127.0.0.1:{self.proxy.port}"
        # Typical run times of `set` and `sync` here, so that kills land inside them on a fast or a slow machine.
        self.duration = {"set": 0.02, "sync": 0.15}
        self.template = os.path.join(work, "template")
        srv = os.path.join(self.template, "server")
        if self.pg:
            run_checked([server_bin, "init", "--data", srv, "--demo", "--database", self.pg.app_url,
                         "--database-owner", self.pg.owner_url, "--school-id", self.school])
        else:
            run_checked([server_bin, "init", "--data", srv, "--demo"])
        accounts = json.load(open(os.path.join(srv, "demo-accounts.json")))
        fingerprint = accounts["server_fingerprint"]
        password = {a["username"]: a["password"] for a in accounts["accounts"]}
        server = Server(self, srv, os.path.join(self.template, "server.log"))
        server.start()
        for name, user, device_name in DEVICES:
            run_checked([client_bin, "enroll", "--data", os.path.join(self.template, name), "--server", self.url,
                         "--user", user, "--password-stdin", "--fingerprint", fingerprint, "--device-name", device_name],
                        password[user] + "\n")
        server.stop()


class Server:
    """sodiem-server run on a trial's data, behind the proxy; killed and restarted at will."""

    def __init__(self, run, data, log_path, name="server"):
        self.run, self.data, self.log_path, self.name = run, data, log_path, name
        self.proc = None
        self.starts = 0
        self.lock = threading.Lock()

    def start(self):
        self.starts += 1
        log = open(self.log_path, "a")
        log.write(f"--- start {self.starts}\n")
        log.flush()
        self.proc = subprocess.Popen([self.run.server_bin, "run", "--data", self.data, "--listen", "127.0.0.1:0"],
                                     stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(self.log_path) as f:
                text = f.read().split(f"--- start {self.starts}\n")[-1]
            if "listening on " in text:
                host, port = text.split("listening on ", 1)[1].split()[0].rsplit(":", 1)
                self.run.proxy.set_target((host, int(port)), self.name)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        raise TrialError(f"the server did not start (start {self.starts}, see {self.log_path})")

    def kill(self):
        self.run.proxy.set_target(None, self.name)
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait()

    def stop(self):
        self.run.proxy.set_target(None, self.name)
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise TrialError("the server did not stop within 30 s of SIGTERM")
        return 0


class TrialError(Exception):
    pass


def run_checked(argv, stdin=""):
    r = subprocess.run(argv, input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise TrialError(f"{' '.join(argv[:2])} exited {r.returncode}: {r.stderr.strip()}")
    return r


def mark_text(tenths):
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"


def plan_ops(rng, per_device):
    """Each device's ops as (cell, value, typed value); every (cell, value) is used once in the trial,
    so any op can be told apart from every other on the devices and on the server."""
    used = set()
    plans = {}

    def fresh(make):
        while True:
            cell, value, typed = make()
            if (cell, value) not in used:
                used.add((cell, value))
                return cell, value, typed

    def toan():
        t = rng.randrange(101)
        typed = mark_text(t).replace(".", ",") if rng.random() < 0.3 else mark_text(t)
        return ("6A", "Toán", rng.choice(STUDENTS), rng.choice(MARK_COLUMNS)), mark_text(t), typed

    def van():
        r = rng.random()
        if r < 0.6:
            t = rng.randrange(101)
            return ("6A", "Ngữ văn", rng.choice(STUDENTS), rng.choice(MARK_COLUMNS)), mark_text(t), mark_text(t)
        student = f"HS6A{rng.randrange(1, 41):02d}"
        if r < 0.8:
            v = rng.choice(CONDUCT)
            return ("6A", "Chủ nhiệm", student, "HK1.RL"), v, v
        v = f"Em chăm ngoan, cần cố gắng môn {rng.choice(['Toán', 'Văn', 'Anh'])} ({rng.randrange(1000)})"
        return ("6A", "Chủ nhiệm", student, "HK1.NXCN"), v, v

    for name, _, _ in DEVICES:
        plans[name] = [fresh(van if name == "d3" else toan) for _ in range(per_device)]
    return plans


class Trial:
    def __init__(self, run, index, seed, per_device, sabotage):
        self.run, self.index, self.seed, self.sabotage = run, index, seed, sabotage
        self.rng = random.Random(seed)
        self.dir = os.path.join(run.work, f"trial-{index:04d}-seed-{seed}")
        shutil.copytree(run.template, self.dir)
        self.school = None
        if run.pg:
            # This trial's school: the template's rows under a new id, served from two folders.
            self.school = f"crash-{seed}-{random.SystemRandom().randrange(16**4):04x}"
            run.pg.copy_school(run.school, self.school)
            config = os.path.join(self.dir, "server", "database.json")
            with open(config) as f:
                store = json.load(f)
            store["school_id"] = self.school
            with open(config, "w") as f:
                json.dump(store, f)
            shutil.copytree(os.path.join(self.dir, "server"), os.path.join(self.dir, "server-b"))
            self.servers = [Server(run, os.path.join(self.dir, d), os.path.join(self.dir, f"{d}.log"), n)
                            for d, n in (("server", "a"), ("server-b", "b"))]
        else:
            self.servers = [Server(run, os.path.join(self.dir, "server"), os.path.join(self.dir, "server.log"))]
        self.server = self.servers[0]
        self.plans = plan_ops(self.rng, per_device)
        self.attempted = {name: [] for name, _, _ in DEVICES}
        self.log_lock = threading.Lock()
        self.stats = {"server_kills": 0, "mid_batch_kills": 0, "client_kills": 0, "set_unknown": 0, "syncs_ok": 0,
                      "db_kills": 0}
        self.stop_chaos = threading.Event()
        self.errors = []
        self.sync_codes = {}

    def client(self, name, args, kill=False, rng=None):
        """Runs `sodiem ARGS --data DIR`, SIGKILLed at a random moment of its typical run time if `kill`;
        returns (code, killed, stderr)."""
        argv = [self.run.client_bin, args[0], "--data", os.path.join(self.dir, name)] + args[1:]
        typical = self.run.duration.get(args[0])
        kill_after = rng.uniform(0, 1.2 * typical) if kill else None
        started = time.time()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        killed = False
        try:
            out, err = proc.communicate(timeout=kill_after if kill else 120)
        except subprocess.TimeoutExpired:
            proc.kill()
            killed = kill
            out, err = proc.communicate()
        if not killed and typical and proc.returncode == 0:
            self.run.duration[args[0]] = 0.8 * typical + 0.2 * (time.time() - started)
        with self.log_lock:
            with open(os.path.join(self.dir, f"{name}.log"), "a") as log:
                log.write(f"$ {' '.join(args)}{'  [SIGKILL]' if killed else ''} → {proc.returncode}\n{out}{err}")
            if killed:
                self.stats["client_kills"] += 1
        return proc.returncode, killed, err

    def typist(self, name):
        rng = random.Random(f"{self.seed}-{name}-typist")
        for cell, value, typed in self.plans[name]:
            code, killed, err = self.client(name, ["set", *cell, typed], rng.random() < 0.12, rng)
            status = "ok" if code == 0 else "unknown"
            if code != 0 and not killed:
                self.errors.append(f"{name}: `set {' '.join(cell)} {typed}` exited {code}: {err.strip()}")
            if status != "ok":
                self.stats["set_unknown"] += 1
            self.attempted[name].append((cell, value, status))
            time.sleep(rng.uniform(0, 0.03))

    def syncer(self, name, typing_done):
        rng = random.Random(f"{self.seed}-{name}-syncer")
        while not typing_done.is_set():
            typing_done.wait(rng.uniform(0.02, 0.15))
            code, killed, err = self.client(name, ["sync", "--max-attempts", "1"], rng.random() < 0.3, rng)
            if code == 0:
                self.stats["syncs_ok"] += 1
            self.sync_codes[code] = self.sync_codes.get(code, 0) + 1
            if code not in (0, 1, 4) and not killed:  # 2 invalid/forbidden, 3 not enrolled: never from a crash
                self.errors.append(f"{name}: a sync under chaos exited {code}: {err.strip()}")

    def kill_database(self, rng):
        """PostgreSQL killed as by a crash (preferably while a batch is in flight to a server), down a moment,
        started again; the servers keep running."""
        deadline = time.time() + 0.5
        while not any(self.run.proxy.active_to(s.name) for s in self.servers) and time.time() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.03))
        if any(self.run.proxy.active_to(s.name) for s in self.servers):
            self.stats["mid_batch_kills"] += 1
        r = subprocess.run(["bash", PG_SH, "restart", self.run.pg_dir, "immediate", f"{rng.uniform(0, 0.5):.2f}"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.errors.append(f"pg.sh restart exited {r.returncode}: {r.stderr.strip()}")
        self.stats["db_kills"] += 1

    def chaos(self):
        rng = random.Random(f"{self.seed}-chaos")
        while not self.stop_chaos.wait(rng.uniform(0.1, 0.5)):
            if self.run.kill_db:
                self.kill_database(rng)
                continue
            if len(self.servers) > 1 or rng.random() < 0.6:
                server = rng.choice(self.servers)
                if len(self.servers) > 1:
                    # Mid-batch: wait (a little) for a device's connection to this server, then kill
                    # at a random moment of it, while the other server keeps serving.
                    deadline = time.time() + 0.5
                    while self.run.proxy.active_to(server.name) == 0 and time.time() < deadline:
                        time.sleep(0.002)
                    time.sleep(rng.uniform(0, 0.05))
                if self.run.proxy.active_to(server.name):
                    self.stats["mid_batch_kills"] += 1
                server.kill()
                self.stats["server_kills"] += 1
                time.sleep(rng.uniform(0, 0.2) if len(self.servers) == 1 else rng.uniform(0.05, 0.4))
                try:
                    server.start()
                except TrialError as e:
                    self.errors.append(str(e))
                    return

    def execute(self):
        """The chaotic phase, then a clean final sync of every device (twice: the second pulls what
        the others pushed in the first). Returns the findings of the oracle."""
        self.run.proxy.reseed(self.seed)
        cuts_before = self.run.proxy.cuts
        served_before = dict(self.run.proxy.served)
        for server in self.servers:
            server.start()
        self.run.proxy.cut_probability = 0.5
        typing_done = threading.Event()
        typists = [threading.Thread(target=self.typist, args=(n,)) for n, _, _ in DEVICES]
        syncers = [threading.Thread(target=self.syncer, args=(n, typing_done)) for n, _, _ in DEVICES]
        chaos = threading.Thread(target=self.chaos)
        for t in typists + syncers + [chaos]:
            t.start()
        for t in typists:
            t.join()
        typing_done.set()
        self.stop_chaos.set()
        for t in syncers + [chaos]:
            t.join()
        self.run.proxy.cut_probability = 0.0
        self.stats["cuts"] = self.run.proxy.cuts - cuts_before
        self.stats["served"] = {n: self.run.proxy.served.get(n, 0) - served_before.get(n, 0)
                                for n in sorted(self.run.proxy.served)}
        verdict = Verdict()
        for server in self.servers:
            if self.run.kill_db:  # they must have outlived the database's crashes on their own
                if server.proc.poll() is not None:
                    verdict.add("diverged", f"the server {server.name} exited ({server.proc.returncode}) "
                                            "while PostgreSQL was killed and restarted")
                    server.start()
                continue
            server.kill()
            server.start()
        for _ in range(2):
            for name, _, _ in DEVICES:
                code, _, err = self.client(name, ["sync", "--max-attempts", "3"])
                if code != 0:
                    verdict.add("diverged", f"{name}: the final sync failed ({code}): {err.strip()}")
        for server in self.servers:
            rc = server.stop()
            if rc != 0:
                verdict.add("diverged", f"the server {server.name} exited {rc} on SIGTERM")
        store = (PgStore(self.run.pg.owner_url, self.school) if self.run.pg
                 else SqliteStore(os.path.join(self.dir, "server", "server.db")))
        if self.sabotage:
            sabotage(self.sabotage, self.dir, store)
        devices = {n: os.path.join(self.dir, n) for n, _, _ in DEVICES}
        check_trial(store, devices, self.attempted, verdict)
        audit = subprocess.run([self.run.server_bin, "audit", "verify", "--data", os.path.join(self.dir, "server")],
                               capture_output=True, text=True)
        if audit.returncode != 0:
            verdict.add("diverged", f"audit verify exited {audit.returncode}: {(audit.stdout + audit.stderr).strip()}")
        for e in self.errors:
            verdict.add("diverged", e)
        return verdict


def sabotage(kind, trial_dir, store):
    """Damages a finished trial the way a bug would, so the oracle's failure can be seen."""
    if kind == "diverge":
        db = sqlite3.connect(os.path.join(trial_dir, "d3", "client.db"))
        db.execute("UPDATE cells SET value = value || '0' WHERE (class_name, subject, student_code, col) = "
                   "(SELECT class_name, subject, student_code, col FROM cells WHERE value != '' LIMIT 1)")
        db.commit()
        db.close()
        return
    version = int(store.fetch({"v": "SELECT MIN(version) FROM changes WHERE kind = 0"})["v"][0][0])
    if kind == "lose":
        store.execute(f"DELETE FROM changes WHERE version = {version}")
    elif kind == "duplicate":
        store.execute("INSERT INTO changes(version, kind, class_id, subject_id, student_id, col, value, device_id, seq, "
                      "user_id, recorded_at, received_at, current_version) SELECT (SELECT MAX(version) + 1 FROM changes), "
                      "kind, class_id, subject_id, student_id, col, value, device_id, seq, user_id, recorded_at, "
                      f"received_at, current_version FROM changes WHERE version = {version}")
    else:
        raise SystemExit(f"unknown SODIEM_CRASH_SABOTAGE kind: {kind}")


def drop_school(run, school):
    if run.pg and school:
        run.pg.drop_school(school)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trials", type=int, nargs="?", default=20)
    ap.add_argument("--server-bin", required=True)
    ap.add_argument("--client-bin", required=True)
    ap.add_argument("--work", help="where to make this run's directory (default: $TMPDIR)")
    ap.add_argument("--pg", metavar="DIR", help="the school in the PostgreSQL that `scripts/pg.sh start DIR` runs, "
                                                 "served by two server processes")
    ap.add_argument("--kill-db", action="store_true", help="a PostgreSQL of the run's own, killed and restarted "
                                                            "under two servers that are never killed")
    args = ap.parse_args()
    if args.kill_db and args.pg:
        ap.error("--kill-db starts a cluster of its own: no --pg")
    seed = int(os.environ.get("SODIEM_CRASH_SEED") or random.SystemRandom().randrange(1, 10**9))
    per_device = int(os.environ.get("SODIEM_CRASH_OPS", "40"))
    keep = os.environ.get("SODIEM_CRASH_KEEP", "failing")  # 1: every trial, 0: none
    sabotage_kinds = [k for k in os.environ.get("SODIEM_CRASH_SABOTAGE", "").split(",") if k]
    if args.work:
        os.makedirs(args.work, exist_ok=True)
    work = tempfile.mkdtemp(prefix="sodiem-crash-", dir=args.work)
    if args.kill_db:  # beside the work folder, which a successful run removes
        args.pg = tempfile.mkdtemp(prefix="sodiem-crash-pg-", dir=args.work)
        r = subprocess.run(["bash", PG_SH, "start", args.pg], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"pg.sh start exited {r.returncode}: {r.stderr.strip()}")
    print(f"crash trials: {args.trials} trials, seed {seed} (SODIEM_CRASH_SEED={seed} to replay), "
          f"{per_device} ops per device, work dir {work}"
          f"{', PostgreSQL ' + args.pg + ', two servers' if args.pg else ''}"
          f"{', PostgreSQL killed (not the servers)' if args.kill_db else ''}", flush=True)
    try:
        return trials(args, seed, per_device, keep, sabotage_kinds, work)
    finally:
        if args.kill_db:
            subprocess.run(["bash", PG_SH, "stop", args.pg], capture_output=True)
            shutil.rmtree(args.pg, ignore_errors=True)


def trials(args, seed, per_device, keep, sabotage_kinds, work):
    run = Run(args.server_bin, args.client_bin, work, args.pg, args.kill_db)
    totals = {"lost": 0, "duplicated": 0, "diverged": 0, "ops": 0, "server_kills": 0, "mid_batch_kills": 0,
              "client_kills": 0, "cuts": 0, "db_kills": 0}
    failed = []
    started = time.time()
    for i in range(args.trials):
        t0 = time.time()
        trial = Trial(run, i, seed + i, per_device, sabotage_kinds[i % len(sabotage_kinds)] if sabotage_kinds else None)
        try:
            verdict = trial.execute()
        except TrialError as e:
            verdict = Verdict()
            verdict.add("diverged", str(e))
        finally:
            for server in trial.servers:
                server.kill()
        s = trial.stats
        ops = sum(len(v) for v in trial.attempted.values())
        totals["ops"] += ops
        for k in ("server_kills", "mid_batch_kills", "client_kills", "cuts", "db_kills"):
            totals[k] += s.get(k, 0)
        totals["lost"] += verdict.lost
        totals["duplicated"] += verdict.duplicated
        totals["diverged"] += 1 if verdict.diverged else 0
        ok = not verdict.problems
        syncs = sum(trial.sync_codes.values())
        spread = ("connections " + ", ".join(f"{s['served'].get(x.name, 0)} to {x.name}" for x in trial.servers) + ", "
                  if len(trial.servers) > 1 and "served" in s else "")
        print(f"trial {i + 1}/{args.trials} seed {trial.seed}: {ops} ops ({s['set_unknown']} `set`s killed, "
              f"{verdict.unknown_recorded} of them recorded), "
              f"{str(s['db_kills']) + ' database kills' if run.kill_db else str(s['server_kills']) + ' server kills'} "
              f"({s['mid_batch_kills']} mid-batch), {s['client_kills']} "
              f"client kills, {s.get('cuts', 0)} cuts, "
              f"{spread}{s['syncs_ok']}/{syncs} syncs completed under chaos, "
              f"{verdict.conflicts} conflicts — {'ok' if ok else 'FAILED'} ({time.time() - t0:.1f} s)", flush=True)
        if not ok:
            failed.append(trial.dir)
            if keep == "0":
                shutil.rmtree(trial.dir)
                drop_school(run, trial.school)
            for p in verdict.problems[:30]:
                print("    " + p)
            if len(verdict.problems) > 30:
                print(f"    … {len(verdict.problems) - 30} more")
            if keep != "0":
                print(f"    kept: {trial.dir}{', school ' + trial.school if trial.school else ''}", flush=True)
        elif keep != "1":
            shutil.rmtree(trial.dir)
            drop_school(run, trial.school)
        elif trial.school:
            print(f"    kept: {trial.dir}, school {trial.school}", flush=True)
    drop_school(run, run.school)
    print(f"{totals['ops']} ops, {totals['server_kills']} server kills, {totals['db_kills']} database kills "
          f"({totals['mid_batch_kills']} mid-batch), "
          f"{totals['client_kills']} client kills, "
          f"{totals['cuts']} connection cuts in {time.time() - started:.0f} s")
    print(f"{args.trials} trials, {totals['lost']} lost, {totals['duplicated']} duplicated, {totals['diverged']} diverged")
    if (not failed and keep != "1") or keep == "0":
        shutil.rmtree(work)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
