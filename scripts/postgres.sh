#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for the tests: `source scripts/postgres.sh` starts
# one in a temporary directory (Debian's PostgreSQL, installed by herramientas.sh), exports
# INTERCOM_PRUEBAS_PG (an administrator URL the tests create their databases with) and stops it
# and removes the directory when the sourcing shell exits. Nothing listens beyond 127.0.0.1.
set -euo pipefail

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$pg_bin/initdb" ] || { echo "No se encontró PostgreSQL (/usr/lib/postgresql/*/bin)." >&2; exit 1; }

pg_dir="$(mktemp -d /tmp/intercom-pg.XXXXXX)"
pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# PostgreSQL refuses to run as root: the cluster then belongs to Debian's `postgres` user.
if [ "$(id -u)" = 0 ]; then
  chown postgres "$pg_dir"
  como_pg() { runuser -u postgres -- "$@"; }
else
  como_pg() { "$@"; }
fi

pg_parar() {
  como_pg "$pg_bin/pg_ctl" -D "$pg_dir/datos" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap pg_parar EXIT

# Trust authentication is acceptable only because the cluster listens on loopback, lives for one
# test run and holds nothing but test data. fsync off: nothing here has to survive a crash of
# the machine.
como_pg "$pg_bin/initdb" -D "$pg_dir/datos" -U intercom -A trust -E UTF8 --locale C.UTF-8 --no-sync >/dev/null
como_pg "$pg_bin/pg_ctl" -D "$pg_dir/datos" -l "$pg_dir/registro" -w -o \
  "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null
export INTERCOM_PRUEBAS_PG="postgres://intercom@127.0.0.1:$pg_port/postgres"
export INTERCOM_PRUEBAS_PG_DATOS="$pg_dir/datos"
export INTERCOM_PRUEBAS_PG_BIN="$pg_bin"
echo "==> PostgreSQL de prueba en 127.0.0.1:$pg_port ($pg_dir)"
