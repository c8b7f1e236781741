#!/bin/sh
# As the official image's entry script: options alone mean haproxy, and haproxy
# runs master-worker (-W) in the foreground (-db).
set -eu
case "${1:-}" in -*) set -- haproxy "$@" ;; esac
if [ "${1:-}" = haproxy ]; then
    shift
    set -- haproxy -W -db "$@"
fi
exec "$@"
