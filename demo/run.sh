#!/usr/bin/env bash
# The main job: install the Debian packages, build and install scsm, start a
# local cluster (as the postgres OS user) in demo/cluster on port 54329,
# create database scsm_demo with the demo organisation, print its
# conformance dashboard.  Safe to run again: the cluster is reused and the
# demo database is recreated.
#
#   bash demo/run.sh          install, build, start, load, print the dashboard
#   bash demo/run.sh stop     stop the demo cluster
#
#   SCSM_DEMO_PORT=54329      port of the demo cluster
#   SCSM_SKIP_DEPS=1          do not check or install Debian packages
#   PG_CONFIG=...             pg_config of the PostgreSQL 15 to build against
set -euo pipefail
# Installing packages and files under /usr, and starting a server as the
# postgres OS user, need root: a sudoer gets there through sudo.
if [ "$(id -u)" -ne 0 ]; then
  exec sudo -E bash "$0" "$@"
fi
cd "$(dirname "$0")/.."
top=$PWD
dir=$top/demo/cluster
port=${SCSM_DEMO_PORT:-54329}

if [ "${1:-}" = stop ]; then
  . test/lib.sh
  cluster_stop "$dir"
  echo "demo cluster stopped"
  exit 0
fi
if [ -n "${1:-}" ]; then
  echo "usage: bash demo/run.sh [stop]" >&2
  exit 2
fi

# Packages first: test/lib.sh needs pg_config, which they bring.
[ "${SCSM_SKIP_DEPS:-0}" = 1 ] || bash test/deps.sh
. test/lib.sh

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
