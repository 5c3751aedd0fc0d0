#!/usr/bin/env bash
# A private PostgreSQL cluster for `make run` and `make test`, kept under var/pg.
#
#   .ci/pg.sh start   create the cluster on first use, start it, make the `kefu`
#                     database, and print its DATABASE_URL on stdout
#   .ci/pg.sh stop    stop the cluster
#
# KEFU_PG_PORT (54329) and KEFU_PG_NAME (pg: the folder var/pg) pick another
# cluster: `make bench` runs its own (var/pg-bench) and never touches this one.
#
# Works as a normal user and as root (initdb refuses root, so the cluster then
# belongs to the `postgres` system user). Trust authentication, loopback only,
# UTF-8 with the C.UTF-8 locale so that lower() and pg_trgm see Chinese letters.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${KEFU_PG_PORT:-54329}
DB=${KEFU_PG_DB:-kefu}
say() { echo "pg: $*" >&2; }

find_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"; return 0
  fi
  return 1
}

BIN=$(find_bin || true)
if [ -z "$BIN" ] && [ "$(id -u)" = 0 ] && [ -n "${CI:-}" ]; then
  say "installing the PostgreSQL server (apt-get)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib) >&2
  BIN=$(find_bin || true)
fi
if [ -z "$BIN" ]; then
  echo "PostgreSQL server not found: install it with 'sudo apt-get install postgresql postgresql-contrib' (or set DATABASE_URL to an existing database) and run again." >&2
  exit 1
fi

AS=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  AS=(runuser -u postgres --)
fi

# The cluster lives in var/pg. When the postgres user cannot reach the project
# folder (a clone under /root, say), the data goes to /var/tmp and var/pg links to it.
NAME=${KEFU_PG_NAME:-pg}
PGHOME="$ROOT/var/$NAME"
if [ ! -e "$PGHOME" ]; then
  mkdir -p "$ROOT/var"
  if [ ${#AS[@]} -gt 0 ] && ! "${AS[@]}" test -x "$ROOT/var"; then
    target="/var/tmp/kefu-$NAME-$(echo "$ROOT" | sha1sum | cut -c1-12)"
    mkdir -p "$target"
    ln -s "$target" "$PGHOME"
  else
    mkdir -p "$PGHOME"
  fi
fi
if [ ${#AS[@]} -gt 0 ]; then chown postgres: "$(readlink -f "$PGHOME")"; fi
DATA="$PGHOME/data"
SOCK="$PGHOME/run"
LOG="$PGHOME/server.log"
PSQL=("$BIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U kefu)

case "${1:-start}" in
start)
  if [ ! -f "$DATA/PG_VERSION" ]; then
    say "creating a private cluster in $PGHOME"
    "${AS[@]}" mkdir -p "$SOCK"
    "${AS[@]}" "$BIN/initdb" -D "$DATA" -U kefu --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >"$PGHOME/initdb.log" 2>&1 \
      || { cat "$PGHOME/initdb.log" >&2; exit 1; }
    cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 200
shared_preload_libraries = 'pg_stat_statements'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  if ! "${AS[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    "${AS[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null \
      || { tail -20 "$LOG" >&2; exit 1; }
  fi
  if [ -z "$("${PSQL[@]}" -d postgres -tAc "select 1 from pg_database where datname = '$DB'")" ]; then
    "${PSQL[@]}" -d postgres -c "create database \"$DB\"" >&2
  fi
  echo "postgres://kefu@127.0.0.1:$PORT/$DB"
  ;;
stop)
  if [ -f "$DATA/PG_VERSION" ]; then
    "${AS[@]}" "$BIN/pg_ctl" -D "$DATA" -m fast stop >&2 || true
  fi
  ;;
*)
  echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
