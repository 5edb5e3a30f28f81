#!/usr/bin/env bash
# Starts (or stops) PgBouncer in transaction pooling mode on 127.0.0.1:6432 in front of the local
# server, with 2 server connections per database and user, for the pooler tests and the suite's
# pooled run: PGBOUNCER_URL=postgres://postgres@127.0.0.1:6432/
# Clients log in as themselves (each test database has its own role); like the server's
# 127.0.0.1 entry, PgBouncer trusts them, and looks users up through auth_user.
set -euo pipefail
dir="${PGBOUNCER_DIR:-/tmp/shared-db-pgbouncer}"
case "${1:-start}" in
  start)
    mkdir -p "$dir"
    cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = 6432
auth_type = trust
auth_file = $dir/users.txt
auth_user = postgres
pool_mode = transaction
default_pool_size = 2
max_client_conn = 500
server_reset_query =
ignore_startup_parameters = extra_float_digits,options,application_name
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
unix_socket_dir =
INI
    echo '"postgres" ""' > "$dir/users.txt"
    chown -R postgres "$dir"
    if [ -f "$dir/pgbouncer.pid" ] && kill -0 "$(cat "$dir/pgbouncer.pid")" 2>/dev/null; then exit 0; fi
    # PgBouncer refuses to run as root.
    su postgres -s /bin/sh -c "pgbouncer -d '$dir/pgbouncer.ini'"
    for _ in $(seq 20); do pg_isready -h 127.0.0.1 -p 6432 -q && exit 0; sleep 0.5; done
    echo "pgbouncer did not start; see $dir/pgbouncer.log" >&2
    exit 1
    ;;
  stop)
    [ -f "$dir/pgbouncer.pid" ] && kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
    ;;
esac
