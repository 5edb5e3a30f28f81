#!/usr/bin/env bash
# Starts (or stops) a streaming standby of the local server (127.0.0.1:5432) on 127.0.0.1:5433, for
# the read-replica tests: REPLICA_URL=postgres://postgres@127.0.0.1:5433/
# It is a real hot standby made by pg_basebackup -R, replaying the primary's WAL as it streams.
set -euo pipefail
dir="${STANDBY_DIR:-/tmp/shared-db-standby}"
port="${STANDBY_PORT:-5433}"
bin="/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -1)/bin"
as_postgres() { su postgres -s /bin/sh -c "$*"; }
case "${1:-start}" in
  start)
    if pg_isready -h 127.0.0.1 -p "$port" -q; then exit 0; fi
    # The primary must accept replication connections from 127.0.0.1 (Debian's default pg_hba.conf
    # only allows them over the socket for the postgres user).
    hba="$(as_postgres "psql -h 127.0.0.1 -Atc 'show hba_file'")"
    if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$hba"; then
      printf 'host replication all 127.0.0.1/32 trust\n' >> "$hba"
      as_postgres "psql -h 127.0.0.1 -qAtc 'select pg_reload_conf()'" >/dev/null
    fi
    rm -rf "$dir" && mkdir -p "$dir" && chown postgres "$dir" && chmod 700 "$dir"
    as_postgres "$bin/pg_basebackup -h 127.0.0.1 -p 5432 -U postgres -D '$dir/data' -R -X stream -c fast"
    # Debian keeps the configuration outside the data directory; the standby gets its own.
    cat > "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
hot_standby = on
hot_standby_feedback = on
max_connections = 200
CONF
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > "$dir/data/pg_hba.conf"
    chown postgres "$dir/data/postgresql.conf" "$dir/data/pg_hba.conf"
    as_postgres "$bin/pg_ctl -D '$dir/data' -l '$dir/standby.log' -w -t 60 start" >/dev/null
    as_postgres "psql -h 127.0.0.1 -p $port -Atc 'select pg_is_in_recovery()'" | grep -q t
    ;;
  stop)
    [ -d "$dir/data" ] && as_postgres "$bin/pg_ctl -D '$dir/data' -m fast stop" >/dev/null 2>&1 || true
    ;;
esac
