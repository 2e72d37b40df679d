# The server's store as the crash trials see it (tests/fault/crash_trials.py
# and crash_oracle.py only): the same SQL text read from a school's SQLite
# server.db or, through psql as the schema's owner, from its rows in a
# PostgreSQL that scripts/pg.sh started. On PostgreSQL every read goes through
# temporary views that keep only the school's rows (school_id = the school),
# on top of row-level security for the same school; the trials also copy and
# drop whole schools there (as the cluster's superuser, like copy_pg_school in
# tests/support/test_school.cpp).
import json
import os
import shutil
import sqlite3
import subprocess


class SqliteStore:
    def __init__(self, path):
        self.path = path

    def fetch(self, queries):
        """name → SQL, read-only; returns name → list of row tuples."""
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            return {name: [tuple(r) for r in db.execute(sql)] for name, sql in queries.items()}
        finally:
            db.close()

    def execute(self, sql):
        db = sqlite3.connect(self.path)
        db.execute(sql)
        db.commit()
        db.close()


def psql_bin():
    found = shutil.which("psql")
    if found:
        return found
    for base in sorted(os.listdir("/usr/lib/postgresql"), reverse=True):
        candidate = os.path.join("/usr/lib/postgresql", base, "bin", "psql")
        if os.path.exists(candidate):
            return candidate
    raise RuntimeError("psql not found (bash scripts/setup.sh installs postgresql-15)")


def psql(url, script):
    r = subprocess.run([psql_bin(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url], input=script,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"psql failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def _quoted(school):
    assert school and all(c.isalnum() or c == "-" for c in school), school
    return f"'{school}'"


# Every table of the server's schema that carries school_id, each replaced for this session by a
# temporary view of the school's rows only (temporary relations come first in the search path).
_SCHOOL_VIEWS = """
DO $$ DECLARE t text; BEGIN
  FOR t IN SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables s
             ON s.table_schema = c.table_schema AND s.table_name = c.table_name
           WHERE c.table_schema = 'public' AND c.column_name = 'school_id' AND s.table_type = 'BASE TABLE' LOOP
    EXECUTE format('CREATE TEMP VIEW %I AS SELECT * FROM public.%I WHERE school_id = current_setting(''sodiem.school'')', t, t);
  END LOOP;
END $$;
"""


class PgStore:
    """One school in a PostgreSQL: owner_url is the schema owner's (RLS is FORCEd, so it too sees
    only the school named in sodiem.school)."""

    def __init__(self, owner_url, school):
        self.owner_url, self.school = owner_url, school

    def fetch(self, queries):
        parts = ", ".join(f"'{name}', (SELECT coalesce(json_agg(r), '[]'::json) FROM ({sql}) r)"
                          for name, sql in queries.items())
        out = psql(self.owner_url, f"SET sodiem.school = {_quoted(self.school)};\n{_SCHOOL_VIEWS}\n"
                                   f"SELECT json_build_object({parts});\n")
        data = json.loads(out, object_pairs_hook=list)  # json_agg breaks lines between rows
        return {name: [tuple(v for _, v in row) for row in rows] for name, rows in data}

    def execute(self, sql):
        psql(self.owner_url, f"SET sodiem.school = {_quoted(self.school)};\n{sql};\n")


class PgCluster:
    """The throw-away cluster of `scripts/pg.sh start DIR`."""

    def __init__(self, pg_dir):
        def line(name):
            with open(os.path.join(pg_dir, name)) as f:
                return f.read().strip()
        self.owner_url, self.app_url = line("url"), line("app-url")
        self.super_url = f"postgresql://postgres@127.0.0.1:{line('port')}/sodiem"

    def _tables(self):
        out = psql(self.super_url, "SELECT c.table_name || ' ' || string_agg(quote_ident(c.column_name), ', ' "
                                   "ORDER BY c.ordinal_position) FROM information_schema.columns c JOIN "
                                   "information_schema.tables t ON t.table_schema = c.table_schema AND "
                                   "t.table_name = c.table_name WHERE c.table_schema = 'public' AND "
                                   "t.table_type = 'BASE TABLE' AND c.table_name IN (SELECT table_name FROM "
                                   "information_schema.columns WHERE table_schema = 'public' AND column_name = "
                                   "'school_id') AND c.column_name <> 'school_id' GROUP BY c.table_name;")
        return [line.split(" ", 1) for line in out.splitlines() if line.strip()]

    def copy_school(self, source, target):
        """Every row of school `source` again as school `target`, in one transaction."""
        script = ["BEGIN;", "SET LOCAL session_replication_role = replica;"]
        for table, cols in self._tables():
            script.append(f"INSERT INTO {table}(school_id, {cols}) SELECT {_quoted(target)}, {cols} FROM {table} "
                          f"WHERE school_id = {_quoted(source)};")
        script.append("COMMIT;")
        psql(self.super_url, "\n".join(script) + "\n")

    def drop_school(self, school):
        script = ["BEGIN;", "SET LOCAL session_replication_role = replica;"]
        script += [f"DELETE FROM {table} WHERE school_id = {_quoted(school)};" for table, _ in self._tables()]
        script.append("COMMIT;")
        psql(self.super_url, "\n".join(script) + "\n")
