#!/bin/sh
# As the official image's entry script: options alone (or a .conf file first) mean
# redis-server; redis-server runs as the redis user with protected mode off unless
# the command line or its config file says otherwise (later options win, so ours
# goes first: after the config file, if one is given).
set -eu
case "${1:-}" in -* | *.conf) set -- redis-server "$@" ;; esac

if [ "${1:-}" = redis-server ]; then
    shift
    if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
        config=$1
        shift
        set -- redis-server "$config" --protected-mode no "$@"
    else
        set -- redis-server --protected-mode no "$@"
    fi
    if [ "$(id -u)" = 0 ]; then
        chown -R redis:redis /data 2>/dev/null || true
        exec setpriv --reuid=redis --regid=redis --init-groups "$@"
    fi
fi

exec "$@"
