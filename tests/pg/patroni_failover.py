#!/usr/bin/env python3
# A real failover of the PostgreSQL store, as the README's "Standby and
# failover" tells an administrator to run it (CTest patroni_failover_pg):
# Debian's etcd and Patroni, two PostgreSQL nodes (a primary and a
# synchronous standby, `synchronous_mode`), one `sodiem-server run` whose
# database.json names both nodes in a libpq multi-host URL with
# target_session_attrs=read-write. A teacher's device syncs marks; right
# after an acknowledged sync the primary's machine "dies" (Patroni and every
# PostgreSQL process of the node killed with SIGKILL); Patroni promotes the
# standby once the leader key expires. Then:
#   - every mark acknowledged before the crash is on the promoted node
#     (synchronous replication: an ack follows the standby's copy);
#   - the same server process, not restarted and its configuration not
#     edited, takes the device's next sync on the new primary;
#   - every mark is on the server exactly once and `sodiem-server audit
#     verify` passes.
#
# usage: patroni_failover.py --server-bin B --client-bin B
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
from server_store import PgStore, psql  # noqa: E402
from pg_schools import Failure, School, check_each_once, sync_once  # noqa: E402

PG_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "pg.sh")
SCOPE = "sodiem-test"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pg_bin():
    found = sorted(d for d in os.listdir("/usr/lib/postgresql") if os.path.exists(f"/usr/lib/postgresql/{d}/bin/initdb"))
    if not found:
        raise Failure("PostgreSQL is not installed (bash scripts/setup.sh installs postgresql-15)")
    return f"/usr/lib/postgresql/{found[-1]}/bin"


def as_postgres(argv):
    return (["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []) + argv


def wait_for(what, check, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 (not up yet)
            pass
        time.sleep(0.25)
    raise Failure(f"{what}: not within {seconds} s")


class Node:
    """One Patroni-managed PostgreSQL node on loopback."""

    def __init__(self, work, name, etcd_port):
        self.name, self.dir = name, os.path.join(work, name)
        self.port, self.api = free_port(), free_port()
        os.makedirs(self.dir)
        self.config = os.path.join(self.dir, "patroni.yml")
        bootstrap = os.path.join(self.dir, "post_bootstrap.sh")
        with open(bootstrap, "w") as f:  # the roles and the database, as scripts/pg.sh start makes them
            f.write(f"#!/bin/sh\nexec bash {os.path.abspath(PG_SH)} prepare {self.port}\n")
        os.chmod(bootstrap, 0o755)
        config = {
            "scope": SCOPE, "name": name,
            "restapi": {"listen": f"127.0.0.1:{self.api}", "connect_address": f"127.0.0.1:{self.api}"},
            "etcd3": {"hosts": f"127.0.0.1:{etcd_port}"},
            "bootstrap": {
                # The fastest Patroni allows: the leader key lives 20 s.
                "dcs": {"ttl": 20, "loop_wait": 1, "retry_timeout": 5, "synchronous_mode": True,
                        "maximum_lag_on_failover": 1048576,
                        "postgresql": {"use_pg_rewind": False,
                                       "parameters": {"max_connections": 100, "shared_buffers": "64MB",
                                                      "wal_level": "replica", "hot_standby": "on",
                                                      "max_wal_senders": 5, "max_replication_slots": 5}}},
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, {"auth": "trust"}],
                "post_bootstrap": bootstrap,
            },
            "postgresql": {
                "listen": f"127.0.0.1:{self.port}", "connect_address": f"127.0.0.1:{self.port}",
                "data_dir": os.path.join(self.dir, "data"), "bin_dir": pg_bin(),
                "pgpass": os.path.join(self.dir, "pgpass"),
                "basebackup": [{"checkpoint": "fast"}],  # not a spread checkpoint of minutes
                "pg_hba": ["local all all trust", "host all all 127.0.0.1/32 trust",
                           "host replication all 127.0.0.1/32 trust"],
                "authentication": {"superuser": {"username": "postgres", "password": "-"},
                                   "replication": {"username": "replicator", "password": "-"}},
                "parameters": {"unix_socket_directories": self.dir},
            },
        }
        with open(self.config, "w") as f:
            json.dump(config, f)  # JSON is YAML
        self.log = os.path.join(self.dir, "patroni.log")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(as_postgres(["patroni", self.config]), stdout=open(self.log, "w"),
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def role(self):
        """Patroni's view of this node: ("primary"|"replica"|…, its state), or None if its API is down.
        Patroni before 3.1 calls the primary "master"."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.api}/patroni", timeout=2) as r:
                s = json.loads(r.read())
        except Exception:  # noqa: BLE001 (its API is down, or it answers 503 while not healthy)
            return None
        role = "primary" if s.get("role") == "master" else s.get("role")
        return role, "running" if s.get("state") == "streaming" else s.get("state")

    def super_url(self):
        return f"postgresql://postgres@127.0.0.1:{self.port}/sodiem"

    def kill_machine(self):
        """As if the node's machine died: Patroni and every PostgreSQL process of the node, SIGKILL."""
        pids = set()
        pidfile = os.path.join(self.dir, "data", "postmaster.pid")
        if os.path.exists(pidfile):
            postmaster = int(open(pidfile).readline())
            pids.add(postmaster)
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        stat = open(f"/proc/{entry}/stat").read()
                    except OSError:
                        continue
                    if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                        pids.add(int(entry))
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # runuser and Patroni
            except ProcessLookupError:
                pass
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc:
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # Patroni stops its PostgreSQL
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill_machine()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server-bin", required=True)
    ap.add_argument("--client-bin", required=True)
    args = ap.parse_args()
    for tool in ("patroni", "etcd"):
        if not shutil.which(tool):
            print(f"FAILED: {tool} is not installed (bash scripts/setup.sh installs patroni and etcd-server)")
            return 1
    # PostgreSQL runs as `postgres`, which must reach the nodes' folders.
    work = tempfile.mkdtemp(prefix="sodiem-patroni-")
    if os.getuid() == 0:
        shutil.chown(work, "postgres")
    os.chmod(work, 0o755)
    findings, school, etcd, nodes = [], None, None, []
    try:
        etcd_port, etcd_peer = free_port(), free_port()
        etcd = subprocess.Popen(["etcd", "--name", "etcd0", "--data-dir", os.path.join(work, "etcd"),
                                 "--listen-client-urls", f"http://127.0.0.1:{etcd_port}",
                                 "--advertise-client-urls", f"http://127.0.0.1:{etcd_port}",
                                 "--listen-peer-urls", f"http://127.0.0.1:{etcd_peer}",
                                 "--initial-advertise-peer-urls", f"http://127.0.0.1:{etcd_peer}",
                                 "--initial-cluster", f"etcd0=http://127.0.0.1:{etcd_peer}"],
                                stdout=open(os.path.join(work, "etcd.log"), "w"), stderr=subprocess.STDOUT)
        wait_for("etcd", lambda: urllib.request.urlopen(f"http://127.0.0.1:{etcd_port}/health", timeout=1), 30)
        first, second = Node(work, "node1", etcd_port), Node(work, "node2", etcd_port)
        nodes = [first, second]
        if os.getuid() == 0:
            for n in nodes:
                for root, dirs, files in os.walk(n.dir):
                    for p in [root] + [os.path.join(root, f) for f in files]:
                        shutil.chown(p, "postgres")
        first.start()
        wait_for("node1 as the primary", lambda: first.role() == ("primary", "running"), 90)
        second.start()
        wait_for("node2 as a standby", lambda: second.role() == ("replica", "running"), 90)
        wait_for("node2 as the synchronous standby", lambda: psql(
            first.super_url(), "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync';").strip() == "1", 60)

        # The school, its server and a device: the same URLs an administrator writes (README).
        hosts = f"127.0.0.1:{first.port},127.0.0.1:{second.port}"

        class Cluster:
            app_url = f"postgresql://sodiem_app@{hosts}/sodiem?target_session_attrs=read-write"
            owner_url = f"postgresql://sodiem_owner@{hosts}/sodiem?target_session_attrs=read-write"

        school = School(args, Cluster, work, "a")
        written = school.demo_device()
        write = school.write_mark

        for n in range(1, 6):
            write(n)
        code, text, _ = sync_once(school, "toan")
        if code != 0:
            raise Failure(f"the sync before the crash exited {code}: {text[-400:]}")
        acked = dict(written)
        first.kill_machine()  # at once: the standby must already hold what was acknowledged
        t0 = time.time()
        wait_for("node2 promoted by Patroni", lambda: second.role() == ("primary", "running"), 90)
        promoted_after = time.time() - t0
        # Everything acknowledged before the crash is on the promoted node. (On
        # loopback an asynchronous standby would usually have it too: what
        # guards the promise is the synchronous state checked before the sync.)
        rows = PgStore(second.super_url(), school.id).fetch(
            {"c": "SELECT s.code, c.value FROM changes c JOIN students s ON s.id = c.student_id "
                  "WHERE c.kind = 0 AND c.col = 'HK1.TX1'"})["c"]
        for (_, _, code_, _), value in acked.items():
            if (code_, value) not in rows:
                findings.append(f"{code_} HK1.TX1 = {value} was acknowledged before the crash but is not on the "
                                f"promoted standby")
        # The same server process takes the next sync on the new primary (it reconnects by itself).
        for n in range(6, 11):
            write(n)
        deadline, code, text, tries = time.time() + 60, 1, "", 0
        while code != 0 and time.time() < deadline:
            code, text, _ = sync_once(school, "toan")
            tries += 1
            if code != 0:
                time.sleep(1)
        if code != 0:
            findings.append(f"the device's sync after the failover failed for 60 s ({tries} tries): {text[-400:]}")
        if school.proc.poll() is not None:
            findings.append(f"the server exited ({school.proc.returncode}) during the failover")
        school.stop()
        check_each_once(school, second.super_url(), written, findings)
    except Failure as e:
        findings.append(str(e))
    finally:
        # Each step on its own: one failing must not leave the others' processes behind.
        steps = [lambda: school and school.stop()] + [lambda n=n: n.stop() for n in reversed(nodes)]
        steps.append(lambda: etcd and (etcd.terminate(), etcd.wait(timeout=30)))
        for step in steps:
            try:
                step()
            except Exception as e:  # noqa: BLE001
                findings.append(f"clean-up: {e}")
                if etcd and etcd.poll() is None:
                    etcd.kill()
    if findings:
        print("FAILED:")
        for f in findings:
            print("  " + f)
        print(f"work dir kept: {work}")
        for n in nodes:
            if os.path.exists(n.log):
                print(f"{n.name}'s Patroni log (end):\n" + open(n.log).read()[-2000:])
        if school:
            print("server log (end):\n" + open(os.path.join(school.dir, "server.log")).read()[-3000:])
        return 1
    print(f"Patroni promoted the synchronous standby {promoted_after:.1f} s after the primary's machine died: "
          f"the {len(acked)} marks acknowledged before are on it, the same server took {len(written) - len(acked)} "
          f"more after {tries} sync attempt(s), each mark once, audit verify passed")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
