#!/usr/bin/env bash
# Start a local PostgreSQL for the store tests and print its SQLAlchemy URL on the last line.
#
# Idempotent: on a fresh Debian machine where `apt-get install -y postgresql` has just run
# it creates (if needed) and starts the cluster, the `assistant` role and the UTF-8
# `assistant_test` database; run again, it only checks they are there and answer.
# ASSISTANT_PG_CLUSTER names another cluster than `main` (a throwaway one, say).
set -euo pipefail

DB_USER=assistant
DB_PASSWORD=assistant
DB_NAME=assistant_test
CLUSTER="${ASSISTANT_PG_CLUSTER:-main}"
LOCALE=C.UTF-8  # always present on Debian; the store needs a UTF-8 database

log() { echo "start_postgres: $*" >&2; }

as_postgres() {
  if [ "$(id -un)" = postgres ]; then
    "$@"
  elif [ "$(id -u)" -eq 0 ]; then
    # The server refuses to run as root: every command runs as the postgres user.
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  else
    sudo -u postgres "$@"
  fi
}

as_cluster_admin() {
  # Debian's pg_createcluster and pg_ctlcluster switch to the cluster's owner themselves
  # when run as root (and go through systemd when it runs); anyone else acts as postgres.
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    as_postgres "$@"
  fi
}

cluster_field() {  # the pg_lsclusters column $1 (3 = port, 4 = status) of our cluster
  pg_lsclusters -h | awk -v v="$version" -v c="$CLUSTER" -v f="$1" '$1 == v && $2 == c {print $f}'
}

version="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$version" ] || ! command -v pg_lsclusters >/dev/null; then
  log "PostgreSQL is not installed (apt-get install -y postgresql)"
  exit 1
fi
bin="/usr/lib/postgresql/$version/bin"

if [ -z "$(cluster_field 2)" ]; then
  # Absent when the package was installed with create_main_cluster = false, or the
  # cluster was dropped: make one with a UTF-8 locale whatever the environment says.
  log "creating cluster $version/$CLUSTER"
  as_cluster_admin pg_createcluster --locale="$LOCALE" "$version" "$CLUSTER" >&2
fi

port="$(cluster_field 3)"
if [ "$(cluster_field 4)" != online ]; then
  log "starting cluster $version/$CLUSTER on port $port"
  as_cluster_admin pg_ctlcluster "$version" "$CLUSTER" start >&2
fi

for _ in $(seq 1 60); do
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    break
  fi
  sleep 1
done
"$bin/pg_isready" -h 127.0.0.1 -p "$port" >&2

psql_admin() { as_postgres psql -p "$port" -d postgres -v ON_ERROR_STOP=1 -tAc "$1"; }

if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]; then
  log "creating role $DB_USER"
  # Owning its database is all the tests need (each makes and drops its own schema).
  psql_admin "CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD'" >&2
fi

encoding="$(psql_admin "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = '$DB_NAME'")"
if [ -n "$encoding" ] && [ "$encoding" != UTF8 ]; then
  # SQLAlchemy cannot even connect to a SQL_ASCII database; this one holds only tests.
  log "recreating database $DB_NAME (it was $encoding, not UTF8)"
  as_postgres dropdb -p "$port" "$DB_NAME" >&2
  encoding=""
fi
if [ -z "$encoding" ]; then
  log "creating database $DB_NAME"
  as_postgres createdb -p "$port" -O "$DB_USER" -E UTF8 --locale="$LOCALE" -T template0 \
    "$DB_NAME" >&2
fi

# Log in as the tests will (TCP, password), so a bad setup fails here and says why.
PGPASSWORD="$DB_PASSWORD" "$bin/psql" -h 127.0.0.1 -p "$port" -U "$DB_USER" -d "$DB_NAME" \
  -v ON_ERROR_STOP=1 -tAc "SELECT 1" >/dev/null

echo "postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$port/$DB_NAME"
