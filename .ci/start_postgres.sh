#!/usr/bin/env bash
# Start a local PostgreSQL for the store tests and print its SQLAlchemy URL on the last line.
#
# Idempotent: on a fresh Debian machine where `apt-get install -y postgresql` has just run
# it creates (if needed) and starts the cluster, the `assistant` role and the
# `assistant_test` database; run again, it only checks they are there.
set -euo pipefail

DB_USER=assistant
DB_PASSWORD=assistant
DB_NAME=assistant_test
CLUSTER=main

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

version="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$version" ]; then
  log "PostgreSQL is not installed (apt-get install -y postgresql)"
  exit 1
fi
bin="/usr/lib/postgresql/$version/bin"

if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$version $CLUSTER"; then
  log "creating cluster $version/$CLUSTER"
  pg_createcluster "$version" "$CLUSTER" >&2
fi

port="$(pg_lsclusters -h | awk -v v="$version" -v c="$CLUSTER" '$1 == v && $2 == c {print $3}')"
status="$(pg_lsclusters -h | awk -v v="$version" -v c="$CLUSTER" '$1 == v && $2 == c {print $4}')"
if [ "$status" != online ]; then
  log "starting cluster $version/$CLUSTER on port $port"
  pg_ctlcluster "$version" "$CLUSTER" start >&2
fi

for _ in $(seq 1 60); do
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    break
  fi
  sleep 1
done
"$bin/pg_isready" -h 127.0.0.1 -p "$port" >&2

psql_admin() { as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -tAc "$1"; }

if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]; then
  log "creating role $DB_USER"
  psql_admin "CREATE USER $DB_USER PASSWORD '$DB_PASSWORD' SUPERUSER" >&2
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
  log "creating database $DB_NAME"
  as_postgres createdb -p "$port" -O "$DB_USER" "$DB_NAME" >&2
fi

echo "postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$port/$DB_NAME"
