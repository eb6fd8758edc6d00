#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's `postgresql` package) on loopback for the tests and prints
# the URL to put in TRENT_TEST_POSTGRES_URL. Idempotent: a server already running there is reused.
#   eval "$(scripts/start-test-postgres.sh)"   # sets TRENT_TEST_POSTGRES_URL
set -euo pipefail
PORT="${TRENT_TEST_POSTGRES_PORT:-55432}"
ROOT="${TRENT_TEST_POSTGRES_DIR:-/tmp/trent-test-postgres}"
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

if ! as_postgres "$BIN/pg_isready -q -h 127.0.0.1 -p $PORT"; then
  mkdir -p "$ROOT"
  [ "$(id -u)" = 0 ] && chown postgres "$ROOT"
  if [ ! -f "$ROOT/data/PG_VERSION" ]; then
    as_postgres "$BIN/initdb -D $ROOT/data -A trust -U postgres >/dev/null" >&2
  fi
  # Tests want many connections (several nodes, each with a pool); durability is not the point here.
  as_postgres "$BIN/pg_ctl -s -w -D $ROOT/data -l $ROOT/log -o \"-h 127.0.0.1 -p $PORT -k $ROOT -c max_connections=300 -c fsync=off\" start" >&2
fi
as_postgres "$BIN/psql -q -h 127.0.0.1 -p $PORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname = 'trent_test'\"" | grep -q 1 \
  || as_postgres "$BIN/createdb -h 127.0.0.1 -p $PORT -U postgres trent_test"
echo "export TRENT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$PORT/trent_test"
