#!/bin/sh
# What the project relies on of the official image's entry script: as root, own
# PGDATA and continue as postgres; on the first start (an empty data directory),
# initdb with POSTGRES_USER as superuser and POSTGRES_PASSWORD as its password,
# accept password (scram) logins from any address, and create POSTGRES_DB
# (default: the user's name); then run the command (postgres).
set -eu
case "${1:-}" in -*) set -- postgres "$@" ;; esac

if [ "${1:-}" = postgres ] && [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "postgres stand-in: POSTGRES_PASSWORD is not set" >&2
        exit 1
    fi
    user=${POSTGRES_USER:-postgres}
    database=${POSTGRES_DB:-$user}
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA"
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    if [ "$database" != postgres ]; then
        # Single-user mode: no socket is open, so no client (or healthcheck) sees
        # the server before its database exists.
        echo "CREATE DATABASE \"$database\";" | postgres --single -j -D "$PGDATA" postgres >/dev/null
    fi
    echo "postgres stand-in: initialised $PGDATA (user $user, database $database)"
fi

exec "$@"
