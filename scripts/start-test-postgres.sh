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
  # TLS with a certificate for 127.0.0.1 from a throwaway authority ($ROOT/tls/ca.pem), so tests can
  # connect with sslmode=verify-full&sslrootcert=$ROOT/tls/ca.pem.
  if [ ! -f "$ROOT/tls/server.key" ]; then
    mkdir -p "$ROOT/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=trent test CA" -keyout "$ROOT/tls/ca.key" -out "$ROOT/tls/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$ROOT/tls/server.key" -out "$ROOT/tls/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$ROOT/tls/ext.cnf"
    openssl x509 -req -in "$ROOT/tls/server.csr" -CA "$ROOT/tls/ca.pem" -CAkey "$ROOT/tls/ca.key" -CAcreateserial -days 30 \
      -extfile "$ROOT/tls/ext.cnf" -out "$ROOT/tls/server.pem" 2>/dev/null
    chmod 600 "$ROOT/tls/server.key"
    [ "$(id -u)" = 0 ] && chown postgres "$ROOT/tls/server.key" "$ROOT/tls/server.pem"
  fi
  # Tests want many connections (several nodes, each with a pool); durability is not the point here.
  as_postgres "$BIN/pg_ctl -s -w -D $ROOT/data -l $ROOT/log -o \"-h 127.0.0.1 -p $PORT -k $ROOT -c max_connections=300 -c fsync=off -c ssl=on -c ssl_cert_file=$ROOT/tls/server.pem -c ssl_key_file=$ROOT/tls/server.key\" start" >&2
fi
as_postgres "$BIN/psql -q -h 127.0.0.1 -p $PORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname = 'trent_test'\"" | grep -q 1 \
  || as_postgres "$BIN/createdb -h 127.0.0.1 -p $PORT -U postgres trent_test"
echo "export TRENT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$PORT/trent_test"
echo "export TRENT_TEST_POSTGRES_CA=$ROOT/tls/ca.pem"
