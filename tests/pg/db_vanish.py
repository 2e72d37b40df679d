#!/usr/bin/env python3
# The database's host vanishes without a word (CTest db_vanish_pg): no RST,
# no FIN, every packet lost, as when a province's database node loses power
# or its network. Needs root (a network namespace, tc).
# The school's server and the teacher's device run in a network namespace of
# their own; PostgreSQL (scripts/pg.sh) stays outside and is reached over a
# veth pair, through a plain forwarder (latency_proxy.py at 0 ms) on the
# outer end. A queue of length 0 on both ends of the pair (`tc qdisc add …
# pfifo limit 0`: every packet dropped silently; netem is not in every
# kernel) is the vanished host. Then:
#   - the device's sync during the outage ends with the server's answer
#     ("try again", its data kept on the device) well before the client's
#     own 60 s reply timeout: the server notices the dead connection itself
#     (tcp_user_timeout, tuning::kPgTcpUserTimeoutMs = 30 s) instead of
#     waiting on it for the kernel's ~15 minutes of retransmissions;
#   - a second sync during the outage is answered within seconds (the
#     reconnect gives up after connect_timeout, then backs off);
#   - once the host is back, the same server process takes the next sync;
#     every mark is stored once and `sodiem-server audit verify` passes.
#
# usage: db_vanish.py --server-bin B --client-bin B
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
from pg_schools import Failure, School, check_each_once, sync_once  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PG_SH = os.path.join(HERE, "..", "..", "scripts", "pg.sh")


def sh(*argv, check=True):
    r = subprocess.run(list(argv), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise Failure(f"{' '.join(argv)} exited {r.returncode}: {r.stderr.strip()}")
    return r


def sweep_leftovers():
    """Namespaces and links of earlier runs killed before their clean-up (no db_vanish.py of that number runs)."""
    def running(n):
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) % 100000 == n:
                try:
                    if b"db_vanish.py" in open(f"/proc/{entry}/cmdline", "rb").read():
                        return True
                except OSError:
                    pass
        return False
    for line in sh("ip", "netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        n = name.rsplit("-", 1)[-1]
        if name.startswith("sodiem-vanish-") and n.isdigit() and not running(int(n)):
            sh("ip", "link", "del", f"svo{n}", check=False)
            sh("ip", "netns", "del", name, check=False)


class Link:
    """A veth pair between this namespace and a new one, and the means to cut it silently."""

    def __init__(self):
        n = os.getpid() % 100000
        self.ns, self.outer, self.inner = f"sodiem-vanish-{n}", f"svo{n}", f"svi{n}"
        self.outer_addr, self.inner_addr = f"10.231.{n % 250}.1", f"10.231.{n % 250}.2"
        sweep_leftovers()
        sh("ip", "netns", "add", self.ns)
        try:
            sh("ip", "link", "add", self.outer, "type", "veth", "peer", "name", self.inner)
            sh("ip", "link", "set", self.inner, "netns", self.ns)
            sh("ip", "addr", "add", f"{self.outer_addr}/30", "dev", self.outer)
            sh("ip", "link", "set", self.outer, "up")
            self.in_ns("ip", "addr", "add", f"{self.inner_addr}/30", "dev", self.inner)
            self.in_ns("ip", "link", "set", self.inner, "up")
            self.in_ns("ip", "link", "set", "lo", "up")
        except Failure:
            self.remove()
            raise

    def in_ns(self, *argv):
        return sh("ip", "netns", "exec", self.ns, *argv)

    def cut(self):
        # Only the database's side drops (its answers and ACKs): a packet
        # dropped by the sender's own queue is reported to its TCP, which
        # then gives up in seconds; the server's must see nothing at all.
        sh("tc", "qdisc", "add", "dev", self.outer, "root", "pfifo", "limit", "0")

    def mend(self):
        sh("tc", "qdisc", "del", "dev", self.outer, "root", check=False)

    def remove(self):
        sh("ip", "link", "del", self.outer, check=False)
        sh("ip", "netns", "del", self.ns, check=False)


def wrapper(path, ns, binary):
    """A script running `binary` inside the namespace, for School (which runs the binaries by path)."""
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\nexec ip netns exec {ns} {binary} "$@"\n')
    os.chmod(path, 0o755)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server-bin", required=True)
    ap.add_argument("--client-bin", required=True)
    args = ap.parse_args()
    if os.getuid() != 0 or not shutil.which("tc"):
        print("SKIPPED: db_vanish.py needs root and iproute2 (a network namespace, tc)")
        return 77  # CTest's SKIP_RETURN_CODE: CI runs as root
    work = tempfile.mkdtemp(prefix="sodiem-db-vanish-")
    pg_dir = os.path.join(work, "pg")
    findings, school, link, proxy = [], None, None, None
    timings = {}
    try:
        r = subprocess.run(["bash", PG_SH, "start", pg_dir], capture_output=True, text=True)
        if r.returncode != 0:
            raise Failure(f"pg.sh start: {r.stderr.strip()}")
        port = int(open(os.path.join(pg_dir, "port")).read())
        link = Link()
        proxy = subprocess.Popen([sys.executable, os.path.join(HERE, "latency_proxy.py"), str(port), "0",
                                  link.outer_addr], stdout=subprocess.PIPE, text=True)
        far = f"{link.outer_addr}:{proxy.stdout.readline().strip()}"

        class Cluster:  # as the server inside the namespace reaches it
            app_url = f"postgresql://sodiem_app@{far}/sodiem"
            owner_url = f"postgresql://sodiem_owner@{far}/sodiem"

        args.server_bin = wrapper(os.path.join(work, "server-in-ns"), link.ns, os.path.abspath(args.server_bin))
        args.client_bin = wrapper(os.path.join(work, "client-in-ns"), link.ns, os.path.abspath(args.client_bin))
        school = School(args, Cluster, work, "a")
        written = school.demo_device()
        write = school.write_mark

        write(1)
        code, text, _ = sync_once(school, "toan")
        if code != 0:
            raise Failure(f"the sync before the outage exited {code}: {text[-400:]}")

        link.cut()
        write(2)
        code, text, timings["first"] = sync_once(school, "toan")
        if code == 0:
            findings.append("the sync during the outage succeeded: the link was not cut")
        elif timings["first"] > 50:
            findings.append(f"the sync during the outage took {timings['first']:.0f} s: the server did not notice "
                            f"the vanished database itself (the client's own timeout ended it): {text[-300:]}")
        elif "thử lại" not in text:
            findings.append(f"the sync during the outage ended without the server's 'try again': {text[-300:]}")
        code, text, timings["second"] = sync_once(school, "toan")
        if code == 0 or timings["second"] > 15:
            findings.append(f"a second sync during the outage exited {code} after {timings['second']:.0f} s "
                            f"(expected a refusal within seconds): {text[-300:]}")
        if school.proc.poll() is not None:
            findings.append(f"the server exited ({school.proc.returncode}) during the outage")
        link.mend()

        deadline, code, tries = time.time() + 60, 1, 0
        while code != 0 and time.time() < deadline:
            code, text, _ = sync_once(school, "toan")
            tries += 1
            if code != 0:
                time.sleep(1)
        timings["tries after"] = tries
        if code != 0:
            findings.append(f"the device's sync after the host came back failed for 60 s ({tries} tries): "
                            f"{text[-400:]}")
        school.stop()
        check_each_once(school, f"postgresql://postgres@127.0.0.1:{port}/sodiem", written, findings)
    except Failure as e:
        findings.append(str(e))
    except subprocess.TimeoutExpired as e:
        findings.append(f"a command ran past its time: {e}")
    finally:
        # Each step on its own: one failing must not leave the others' things behind.
        for step in (lambda: link and link.mend(), lambda: school and school.stop(),
                     lambda: proxy and (proxy.kill(), proxy.wait()), lambda: link and link.remove(),
                     lambda: subprocess.run(["bash", PG_SH, "stop", pg_dir], capture_output=True, timeout=120)):
            try:
                step()
            except Exception as e:  # noqa: BLE001
                findings.append(f"clean-up: {e}")
    if findings:
        print("FAILED:")
        for f in findings:
            print("  " + f)
        print(f"work dir kept: {work}")
        if school:
            print("server log (end):\n" + open(os.path.join(school.dir, "server.log")).read()[-3000:])
        return 1
    print(f"the database's host vanished: the device's sync was answered 'try again' after {timings['first']:.1f} s, "
          f"the next one after {timings['second']:.1f} s; once it was back the same server took the marks "
          f"({timings['tries after']} sync attempt(s)), each once, audit verify passed")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
