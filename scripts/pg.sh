#!/usr/bin/env bash
# A throw-away PostgreSQL from Debian's packages, for the tests and the
# benchmark (never for a school's data).
#   bash scripts/pg.sh start DIR   # initdb in DIR, start on a free loopback
#                                  # port; prints the owner's URL and writes
#                                  # DIR/url (owner) and DIR/app-url (the
#                                  # application role: no superuser, no
#                                  # BYPASSRLS, owns nothing)
#   bash scripts/pg.sh stop DIR    # stops it (fast shutdown); DIR stays
#   bash scripts/pg.sh restart DIR [fast|immediate] [SECONDS]
#                                  # stops it (fast: connections told, as
#                                  # an administrator's restart; immediate:
#                                  # as a crash, recovery at the start), keeps
#                                  # it down SECONDS (default 0), starts it
#                                  # again on the same port (tests/pg/db_restart.py)
#   bash scripts/pg.sh prepare PORT  # the roles and the database only, in a
#                                  # cluster started elsewhere on loopback PORT
#   SODIEM_PG_MAX_CONNECTIONS=N bash scripts/pg.sh start DIR
#                                  # a cluster of N connections (default 100;
#                                  # tests/pg/db_connections.py)
# Connections are trusted on loopback only (a private cluster in a temporary
# directory under /tmp, named in DIR/cluster; its Unix socket lives there). As root, the cluster runs as the
# `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg.sh: PostgreSQL is not installed (bash scripts/setup.sh installs postgresql-15)" >&2
  exit 3
fi
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # Throw-away: a cluster left by an earlier run (killed before its stop)
    # is stopped and wiped, never reused.
    bash "$0" stop "$dir" >/dev/null 2>&1 || true
    rm -f "$dir/url" "$dir/app-url" "$dir/port" "$dir/cluster"
    # The cluster lives in a fresh folder under /tmp that its user owns: the
    # caller's DIR may sit where `postgres` cannot enter (/root/…).
    cluster=$(mktemp -d "${TMPDIR:-/tmp}/sodiem-pg.XXXXXX")
    echo "$cluster" >"$dir/cluster"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$cluster"; fi
    chmod 700 "$cluster"
    as_pg "$bin/initdb" -D "$cluster/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # Small and fast: a test cluster, sized for 2 cores; fsync stays on so
    # that a benchmark's commits cost what they cost in a school. After a
    # crash (restart … immediate) the data folder is synced with one syncfs,
    # not file by file: recovery in about a second, not four.
    as_pg "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 start \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$cluster -c max_connections=${SODIEM_PG_MAX_CONNECTIONS:-100} -c shared_buffers=64MB -c recovery_init_sync_method=syncfs" >/dev/null \
      || { tail -20 "$cluster/server.log" >&2; exit 1; }
    bash "$0" prepare "$port"
    echo "$port" >"$dir/port"
    echo "postgresql://sodiem_owner@127.0.0.1:$port/sodiem" >"$dir/url"
    echo "postgresql://sodiem_app@127.0.0.1:$port/sodiem" >"$dir/app-url"
    cat "$dir/url"
    ;;
  prepare)
    # The roles and the database, in a new cluster answering on loopback
    # PORT (here the second argument) with trust: `start` above, and the
    # Patroni bootstrap of tests/pg/patroni_failover.py.
    port=$dir
    psql_() { as_pg "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }
    psql_ -d postgres -c "CREATE ROLE sodiem_owner LOGIN; CREATE ROLE sodiem_app LOGIN NOSUPERUSER NOBYPASSRLS;" \
      -c "CREATE DATABASE sodiem OWNER sodiem_owner;"
    psql_ -d sodiem -c "REVOKE ALL ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO sodiem_app; ALTER SCHEMA public OWNER TO sodiem_owner;"
    ;;
  stop)
    cluster=$(cat "$dir/cluster" 2>/dev/null || true)
    if [ -n "$cluster" ] && [ -f "$cluster/data/postmaster.pid" ]; then
      as_pg "$bin/pg_ctl" -D "$cluster/data" -m fast -w -t 60 stop >/dev/null
    fi
    case "$cluster" in */sodiem-pg.*) rm -rf "$cluster" ;; esac
    rm -f "$dir/cluster"
    ;;
  restart)
    mode=${3:-fast}
    down=${4:-0}
    case "$mode" in fast | immediate) ;; *) echo "pg.sh restart: mode is fast or immediate" >&2; exit 2 ;; esac
    cluster=$(cat "$dir/cluster")
    as_pg "$bin/pg_ctl" -D "$cluster/data" -m "$mode" -w -t 60 stop >/dev/null
    sleep "$down"
    # postmaster.opts keeps the first start's options (port, socket folder).
    opts=$(sed -e 's/^[^ ]* //' -e 's/"//g' "$cluster/data/postmaster.opts")
    as_pg "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 start -o "$opts" >/dev/null \
      || { tail -20 "$cluster/server.log" >&2; exit 1; }
    ;;
  *)
    echo "usage: $0 start|stop|restart DIR" >&2
    exit 2
    ;;
esac
