#!/usr/bin/env bash
# Helpers to run a private PostgreSQL cluster as the postgres OS user.
# Source this file; it defines PGBIN and the cluster_* functions.

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PGBIN=$("$PG_CONFIG" --bindir)
export PGUSER=postgres

as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

# cluster_start DATADIR PORT [extra postgresql.conf lines...]
# Creates the cluster if needed, starts it, and exports PGHOST/PGPORT.
cluster_start() {
  local dir=$1 port=$2; shift 2
  mkdir -p "$dir"
  chown postgres: "$dir" 2>/dev/null || true
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log"; return 1; }
    {
      echo "port = $port"
      echo "listen_addresses = 'localhost'"
      echo "unix_socket_directories = '$dir'"
      echo "max_connections = 60"
      echo "shared_buffers = 256MB"
      echo "max_worker_processes = 16"
      echo "fsync = ${SCSM_FSYNC:-on}"
      echo "log_min_messages = warning"
      echo "shared_preload_libraries = 'scsm,pg_cron'"
      echo "cron.database_name = '${SCSM_CRON_DB:-postgres}'"
      for l in "$@"; do echo "$l"; done
    } >>"$dir/data/postgresql.conf"
  fi
  if ! as_pg "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { tail -30 "$dir/server.log"; return 1; }
  fi
  export PGHOST=$dir PGPORT=$port
}

cluster_stop() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
  return 0
}

# A test database of its own with scsm in it ($db), and the TAP helpers of
# the scripts: q runs one statement there, ok compares (got, want, name).
tap_db() {
  db=$1
  n=0
  q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
  ok() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3 (got '$1', want '$2')"; fi; }
  psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
  q "CREATE EXTENSION scsm" >/dev/null
}

# The retention fixture (organisation 910, classes) in $db.
retention_org() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f test/fixtures/retention_org.sql >/dev/null
}

# Hold a transaction open in a session of its own (the script on stdin,
# output to $2), run the statement $1 in $db a second later (its errors to
# $2.q), and print how many ms it took: whether it waited for that session.
waited_ms() {
  local script p t0 t1
  script=$(cat)
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" >"$2" 2>&1 <<<"$script" &
  p=$!
  sleep 1
  t0=$(date +%s%N)
  q "$1" >/dev/null 2>"$2.q"
  t1=$(date +%s%N)
  wait "$p"
  echo $(( (t1 - t0) / 1000000 ))
}
