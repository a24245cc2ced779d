#!/usr/bin/env bash
# The main job: install, build, start a local cluster in demo/cluster on
# port 54329, create database scsm_demo with the demo organisation, print
# its conformance dashboard.  Safe to run again.  "stop" stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
dir=$top/demo/cluster
port=${SCSM_DEMO_PORT:-54329}

. test/lib.sh
if [ "${1:-}" = stop ]; then
  cluster_stop "$dir"
  echo "demo cluster stopped"
  exit 0
fi

bash test/deps.sh
make -s PG_CONFIG="$PG_CONFIG" >/dev/null
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null

mkdir -p "$dir"
chown postgres: "$dir"
if ! runuser -u postgres -- test -w "$dir"; then
  echo "the postgres OS user cannot write to $dir: put the project in a folder it can reach (e.g. under /srv or /opt)" >&2
  exit 1
fi
SCSM_CRON_DB=scsm_demo cluster_start "$dir" "$port"
# a restart picks up a freshly installed scsm.so
as_pg "$PGBIN/pg_ctl" -D "$dir/data" -w restart -l "$dir/server.log" >/dev/null

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS scsm_demo WITH (FORCE)' -c 'CREATE DATABASE scsm_demo'
psql -X -q -v ON_ERROR_STOP=1 -d scsm_demo -c 'CREATE EXTENSION scsm' -c 'ALTER DATABASE scsm_demo SET search_path = "$user", public, scsm'
psql -X -q -v ON_ERROR_STOP=1 -d scsm_demo -f demo/demo.sql
psql -X -v ON_ERROR_STOP=1 -d scsm_demo -f demo/dashboard.sql

cat <<TXT

The demo cluster is running. Connect with:
  psql -h $dir -p $port -U postgres scsm_demo
Stop it with:
  bash demo/run.sh stop
TXT
