#!/usr/bin/env bash
# PostgreSQL for development and CI: a cluster of our own under $JKN_STATE_DIR/pg, owned by
# the `postgres` OS user, listening on 127.0.0.1 only, scram password auth, fsync on.
# Started only when nothing already answers at JKN_PG_HOST:JKN_PG_PORT. Idempotent.
#
#   scripts/postgres.sh up|down|status|logs
#
# Env: JKN_STATE_DIR (/var/tmp/jkn-daerah), JKN_PG_HOST (127.0.0.1), JKN_PG_PORT (55432),
#      JKN_PG_ADMIN_PASSWORD (postgres; the dev password of superuser `postgres`).
set -euo pipefail

STATE="${JKN_STATE_DIR:-/var/tmp/jkn-daerah}"
DIR="$STATE/pg"
DATA="$DIR/data"
RUNDIR="$DIR/run"
LOG="$DIR/log/postgres.log"
HOST="${JKN_PG_HOST:-127.0.0.1}"
PORT="${JKN_PG_PORT:-55432}"
ADMIN_PASSWORD="${JKN_PG_ADMIN_PASSWORD:-postgres}"

say() { echo "postgres: $*"; }
die() { echo "postgres: ERROR: $*" >&2; exit 1; }

pgbin() {
  local ctl
  ctl="$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$ctl" ]] || die "PostgreSQL is not installed (run: make -f Makefile.infra install-system-deps)"
  dirname "$ctl"
}

# As root, the cluster belongs to the `postgres` OS user; otherwise to whoever runs this.
if [[ "$(id -u)" == 0 ]]; then
  OWNER=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  OWNER="$(id -un)"
  as_owner() { "$@"; }
fi

reachable() { "$(pgbin)/pg_isready" -q -h "$HOST" -p "$PORT" -t 2; }
ours_running() { [[ -f "$DATA/PG_VERSION" ]] && as_owner "$(pgbin)/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

init_cluster() {
  local bin="$1"
  say "initdb $DATA (owner $OWNER)"
  mkdir -p "$STATE"
  chmod a+x "$STATE"  # the owner must be able to reach its data dir through the state dir
  install -d -m 0700 -o "$OWNER" "$DIR"
  install -d -m 0700 -o "$OWNER" "$DIR/log" "$RUNDIR"
  local pwfile="$DIR/.initdb-password"
  ( umask 077; printf '%s\n' "$ADMIN_PASSWORD" > "$pwfile" )
  chown "$OWNER" "$pwfile"
  as_owner "$bin/initdb" -D "$DATA" -U postgres --pwfile="$pwfile" -E UTF8 --no-locale \
    --auth-local=peer --auth-host=scram-sha-256 > "$DIR/log/initdb.log" 2>&1 \
    || { rm -f "$pwfile"; tail -n 20 "$DIR/log/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"
  echo "include_if_exists = 'jkn.conf'" >> "$DATA/postgresql.conf"
}

write_config() {
  # Rewritten on every start from the environment; initdb's postgresql.conf includes it.
  cat > "$DATA/jkn.conf" <<CONF
# Written by scripts/postgres.sh: edit the script, not this file.
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$RUNDIR'
password_encryption = 'scram-sha-256'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 200
shared_buffers = '128MB'
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
CONF
  # statement statistics for `make profile` (Postgres's time per statement, per resident),
  # when this installation ships the module (Debian's postgresql package does)
  if [[ -f "$(dirname "$1")/lib/pg_stat_statements.so" ]]; then
    echo "shared_preload_libraries = 'pg_stat_statements'" >> "$DATA/jkn.conf"
  fi
  chown "$OWNER" "$DATA/jkn.conf"
}

up() {
  if reachable; then
    if ours_running; then say "already running ($DATA) on $HOST:$PORT"
    else say "a server not started by this script already answers on $HOST:$PORT; using it"; fi
    return 0
  fi
  local bin; bin="$(pgbin)"
  [[ -f "$DATA/PG_VERSION" ]] || init_cluster "$bin"
  write_config "$bin"
  say "starting on $HOST:$PORT"
  as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start > /dev/null \
    || { tail -n 20 "$LOG" >&2; die "pg_ctl start failed"; }
  local deadline=$((SECONDS + 30))
  until reachable; do
    (( SECONDS < deadline )) || { tail -n 20 "$LOG" >&2; die "not accepting connections on $HOST:$PORT"; }
    sleep 0.3
  done
  say "ready on $HOST:$PORT (data $DATA)"
}

down() {
  if ! ours_running; then say "not running (no cluster of ours at $DATA)"; return 0; fi
  as_owner "$(pgbin)/pg_ctl" -D "$DATA" -m fast -w -t 60 stop > /dev/null
  say "stopped"
}

status() {
  if ours_running; then say "our cluster at $DATA is running"; else say "our cluster is not running"; fi
  if reachable; then say "accepting connections on $HOST:$PORT"; else say "nothing answers on $HOST:$PORT"; return 1; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  logs) tail -n "${2:-50}" "$LOG" ;;
  *) echo "usage: $0 up|down|status|logs [N]" >&2; exit 2 ;;
esac
