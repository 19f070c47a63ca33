#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster: initdb in a temporary directory, a Unix socket
# there, no TCP port; stopped and removed afterwards, whatever the command's outcome.
set -euo pipefail
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server binaries not found; run 'make system-deps'" >&2; exit 1; }
DIR=$(mktemp -d /tmp/lms-pg.XXXXXX)
AS=()
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root; run the cluster as the postgres system user.
  chown postgres "$DIR"
  AS=(runuser -u postgres --)
fi
cleanup() {
  "${AS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
"${AS[@]}" "$PG_BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${AS[@]}" "$PG_BIN/pg_ctl" -D "$DIR/data" -w -l "$DIR/log" \
  -o "-c listen_addresses='' -c unix_socket_directories='$DIR' -c fsync=off -c max_connections=200" start >/dev/null
"${AS[@]}" "$PG_BIN/createdb" -h "$DIR" -U postgres lms_test
export TEST_DATABASE_URL="postgresql+psycopg://postgres@/lms_test?host=$DIR"
echo "PostgreSQL test cluster at $DIR"
"$@"
