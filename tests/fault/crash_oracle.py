# The crash trials' oracle (tests/fault/crash_trials.py only): after the final
# clean sync it reads the server's store (its SQLite server.db or its school's
# rows in PostgreSQL, server_store.py) and every client's SQLite database
# read-only and checks that every op recorded on a device is on the server
# exactly once, with its value, answered on the device, that the server's
# change versions are dense (1..n), and that every replica's cells and open
# conflicts equal the server's for what its user may read.
import sqlite3

HOMEROOM_SUBJECT = "Chủ nhiệm"  # subject id 0 on the server (directory.hpp kHomeroomSubjectId)
SEES_EVERYTHING = {"HT", "PHT", "ADMIN", "VANTHU"}


def open_ro(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


class Verdict:
    def __init__(self):
        self.lost = 0        # ops recorded on a device that the server does not have (or has another value for)
        self.duplicated = 0  # ops the server stores more than once
        self.diverged = 0    # any other difference between a replica and the server, or with what was typed
        self.problems = []   # every finding, in words
        self.unknown_recorded = 0  # killed `set`s whose op made it to the outbox (counted, not a finding)
        self.conflicts = 0         # ops answered as conflicts (counted, not a finding)

    def add(self, kind, text):
        if kind == "lost":
            self.lost += 1
            self.problems.append("LOST " + text)
        elif kind == "duplicated":
            self.duplicated += 1
            self.problems.append("DUPLICATED " + text)
        else:
            self.diverged += 1
            self.problems.append("DIVERGED " + text)


class ServerView:
    """What the server's store says (server_store.SqliteStore or PgStore: the same queries), in names
    rather than ids."""

    QUERIES = {
        "classes": "SELECT id, name FROM classes",
        "subjects": "SELECT id, name, department FROM subjects",
        "students": "SELECT id, code FROM students",
        "devices": "SELECT id, public_id, user_id, high_seq FROM devices",
        "users": "SELECT id, username, roles, department, disabled FROM users",
        "teaches": "SELECT user_id, class_id, subject_id FROM teaching_assignments",
        "homerooms": "SELECT user_id, class_id FROM homerooms",
        "cells": "SELECT class_id, subject_id, student_id, col, value, version FROM cells",
        "changes": "SELECT device_id, seq, kind, value FROM changes",
        "outcomes": "SELECT device_id, seq, code, value FROM op_outcomes",
        "open_conflicts": "SELECT class_id, subject_id, student_id, col, value FROM changes "
                          "WHERE kind = 1 AND resolved_by_version IS NULL",
        "versions": "SELECT version FROM changes ORDER BY version",
    }

    def __init__(self, store):
        rows = store.fetch(self.QUERIES)
        self.classes = {i: name for i, name in rows["classes"]}
        self.subjects = {i: name for i, name, _ in rows["subjects"]}
        self.subjects[0] = HOMEROOM_SUBJECT
        self.students = {i: code for i, code in rows["students"]}
        self.devices = {pub: (dev_id, user_id, high) for dev_id, pub, user_id, high in rows["devices"]}
        self.users = {uid: (name, set(filter(None, roles.split(","))), dept, disabled)
                      for uid, name, roles, dept, disabled in rows["users"]}
        self.teaches = set(rows["teaches"])
        self.homerooms = set(rows["homerooms"])
        self.departments = {i: dept for i, _, dept in rows["subjects"]}
        self.cells = {}
        for cls, subj, st, col, value, version in rows["cells"]:
            self.cells[(cls, subj, st, col)] = (value, version)
        # (device id, seq) → list of (kind, value) from the change log, and the stored outcomes.
        self.changes = {}
        for device, seq, kind, value in rows["changes"]:
            self.changes.setdefault((device, seq), []).append((kind, value))
        self.outcomes = {(device, seq): (code, value) for device, seq, code, value in rows["outcomes"]}
        self.open_conflicts = set(rows["open_conflicts"])
        self.versions = [v for (v,) in rows["versions"]]

    def may_read(self, user_id, class_id, subject_id):
        """directory.cpp UserAccess::may_read, over the same tables."""
        _, roles, dept, disabled = self.users[user_id]
        if disabled:
            return False
        if roles & SEES_EVERYTHING or (user_id, class_id) in self.homerooms:
            return True
        if subject_id == 0:
            return False
        return (user_id, class_id, subject_id) in self.teaches or (
            "TTCM" in roles and self.departments.get(subject_id) == dept)

    def names(self, key):
        cls, subj, st, col = key
        return (self.classes[cls], self.subjects[subj], self.students[st], col)


def check_trial(store, devices, attempted, verdict):
    """store: the server's (server_store.SqliteStore or PgStore); devices: name → client data dir;
    attempted: name → list of (cell, value, status) where status is 'ok' (set exited 0) or 'unknown'
    (killed or failed: may or may not be recorded)."""
    srv = ServerView(store)
    # The change log's versions are dense: 1..n, each once (a pull by version never skips a change).
    if srv.versions != list(range(1, len(srv.versions) + 1)):
        gaps = sorted(set(range(1, (max(srv.versions) if srv.versions else 0) + 1)) - set(srv.versions))[:10]
        repeats = sorted({v for v in srv.versions if srv.versions.count(v) > 1})[:10]
        verdict.add("diverged", f"the server's change versions are not 1..{len(srv.versions)} "
                                f"(missing {gaps}, repeated {repeats})")
    for name, data_dir in devices.items():
        check_device(srv, name, data_dir, attempted.get(name, []), verdict)


def check_device(srv, name, data_dir, attempted, verdict):
    db = open_ro(data_dir + "/client.db")
    meta = dict(db.execute("SELECT key, value FROM meta"))
    acked = int(meta.get("acked_through", "0"))
    outbox = list(db.execute("SELECT seq, class_name, subject, student_code, col, value, state, kind FROM outbox ORDER BY seq"))
    client_cells = {(c, s, st, col): (v, ver) for c, s, st, col, v, ver in db.execute(
        "SELECT class_name, subject, student_code, col, value, version FROM cells")}
    client_conflicts = set(db.execute(
        "SELECT class_name, subject, student_code, col, other_value FROM conflicts"))
    db.close()
    device_id, user_id, high_seq = srv.devices[meta["device_id"]]

    # 1. Every op `set` confirmed is in the device's outbox, once; nothing else is.
    by_op = {}
    for row in outbox:
        by_op.setdefault(((row[1], row[2], row[3], row[4]), row[5]), []).append(row[0])
    tried = {(cell, value): status for cell, value, status in attempted}
    for (cell, value), status in tried.items():
        seqs = by_op.get((cell, value), [])
        if status != "ok" and seqs:
            verdict.unknown_recorded += 1
        if status == "ok" and not seqs:
            verdict.add("lost", f"{name}: `set {' '.join(cell)} {value}` exited 0 but is not in the outbox")
        if len(seqs) > 1:
            verdict.add("duplicated", f"{name}: {' '.join(cell)} {value} is in the outbox {len(seqs)} times (seqs {seqs})")
    for (cell, value), seqs in by_op.items():
        if (cell, value) not in tried:
            verdict.add("diverged", f"{name}: outbox seqs {seqs} hold {' '.join(cell)} {value}, never typed")
    seqs = [row[0] for row in outbox]
    if seqs != list(range(1, len(seqs) + 1)):
        verdict.add("diverged", f"{name}: outbox seqs are not 1..{len(seqs)}")

    # 2. Every outbox op is answered here and stored exactly once on the server, with its value.
    last = seqs[-1] if seqs else 0
    if high_seq != last:
        verdict.add("diverged", f"{name}: server high_seq {high_seq}, device's last seq {last}")
    for seq, cls, subj, st, col, value, state, kind in outbox:
        what = f"{name} seq {seq} ({cls} {subj} {st} {col} {value})"
        if state == 0 and seq > acked:
            verdict.add("diverged", f"{what}: still pending after the final sync")
        logged = srv.changes.get((device_id, seq), [])
        accepted = [v for k, v in logged if k == 0]
        conflicting = [v for k, v in logged if k == 1]
        outcome = srv.outcomes.get((device_id, seq))
        stored = len(accepted) + (1 if outcome else 0)
        if stored == 0:
            verdict.add("lost", f"{what}: not on the server")
            continue
        if stored > 1 or len(conflicting) > 1:
            verdict.add("duplicated", f"{what}: on the server {stored} times (log {logged}, outcome {outcome})")
            continue
        server_value = accepted[0] if accepted else outcome[1]
        if server_value != value:
            verdict.add("lost", f"{what}: the server holds \"{server_value}\" for this seq")
            continue
        code = "OK" if accepted else outcome[0]
        verdict.conflicts += code == "CONFLICT"
        if (code == "CONFLICT") != bool(conflicting) or (conflicting and conflicting[0] != value):
            verdict.add("diverged", f"{what}: outcome {code} but conflict log {conflicting}")
        expected_state = {"OK": (0, 1), "DUPLICATE": (0, 1), "CONFLICT": (3,)}.get(code, (2,))
        if state not in expected_state:
            verdict.add("diverged", f"{what}: device state {state}, server outcome {code}")
    for (dev, seq) in list(srv.changes) + list(srv.outcomes):
        if dev == device_id and seq > last:
            verdict.add("diverged", f"{name}: the server has seq {seq}, beyond the device's last {last}")

    # 3. The replica equals the server for everything its user may read.
    server_cells = {srv.names(k): v for k, v in srv.cells.items() if srv.may_read(user_id, k[0], k[1])}
    mine = {k: v for k, v in client_cells.items() if v != ("", 0)}
    for key in sorted(set(server_cells) | set(mine)):
        if server_cells.get(key) != mine.get(key):
            verdict.add("diverged", f"{name}: cell {' '.join(key)} is {mine.get(key)} here, {server_cells.get(key)} "
                                    "on the server (value, version)")
    server_conflicts = {srv.names(c[:4]) + (c[4],) for c in srv.open_conflicts if srv.may_read(user_id, c[0], c[1])}
    for c in sorted(server_conflicts ^ client_conflicts):
        where = "only on the server" if c in server_conflicts else "only here"
        verdict.add("diverged", f"{name}: open conflict {' '.join(c)} {where}")
