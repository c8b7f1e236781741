"""Benchmark: PostgreSQL connections under concurrent REST traffic, per option.

    .venv/bin/python -m bench.rest                       # max-age-0, pool-10, pool-4; 300 GETs each
    .venv/bin/python -m bench.rest --requests 600 --concurrency 40 --options pool-10

For each database option a fresh daphne is started on 127.0.0.1 (production
settings, ``config.settings``, the container's environment from the live tests)
on a fresh PostgreSQL database with one user in one chat holding 50 messages.
This process fires ``--requests`` authenticated GETs of the chat's messages
(``/api/groups/<pk>/messages/``, the JWT cookie) from ``--concurrency`` threads
(stdlib ``urllib``), while a sampler counts the database's connections in
``pg_stat_activity`` every 10 ms. Printed per option: 5xx answers (and other
failures), requests per second, p50 / p99 latency, the peak and the final count of
connections. It asserts nothing.

Options (environment the daphne process gets):
    max-age-60   DATABASE_CONN_MAX_AGE=60, no pool (a connection kept per thread)
    max-age-0    DATABASE_CONN_MAX_AGE=0, no pool: a connection per request
    pool-N       psycopg's pool, DATABASE_POOL_MAX_SIZE=N (CONN_MAX_AGE 0)

The database is ``postgres://postgres@127.0.0.1:5432/$BENCH_REST_DB`` (default
``bench_rest``), created fresh and dropped at the end; every process started here
is stopped in a ``finally``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import psycopg

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # `python bench/rest.py` puts bench/, not the root, first
    sys.path.insert(0, str(PROJECT_DIR))

from bench.server import machine, start_daphne  # noqa: E402
from tests.support import processes  # noqa: E402
from tests.support.live import (  # noqa: E402
    PG_ADMIN_URL,
    app_environment,
    recreate_database,
)
from tests.support.load import GetsResult, fire_gets, percentile  # noqa: E402

BENCH_DB = os.environ.get("BENCH_REST_DB", "bench_rest")

OPTIONS = {
    "max-age-60": {"DATABASE_CONN_MAX_AGE": "60", "DATABASE_POOL_MAX_SIZE": "0"},
    "max-age-0": {"DATABASE_CONN_MAX_AGE": "0", "DATABASE_POOL_MAX_SIZE": "0"},
}

FIXTURE_CODE = """
import json
from accounts.models import User
from chat.services.chats import create_group_chat
from chat.services.messages import save_message
from rest_framework_simplejwt.tokens import AccessToken
user = User.objects.create_user("bench-user")
chat = create_group_chat(creator=user, name="Bench")
for n in range(50):
    save_message(group_chat=chat, sender=user, content=f"message {n}")
print(json.dumps({"chat": chat.pk, "token": str(AccessToken.for_user(user))}))
"""


def option_env(name: str) -> dict[str, str]:
    if name in OPTIONS:
        return OPTIONS[name]
    if name.startswith("pool-") and name[5:].isdigit():
        return {"DATABASE_CONN_MAX_AGE": "0", "DATABASE_POOL_MAX_SIZE": name[5:]}
    raise SystemExit(f"unknown option {name!r}: max-age-60, max-age-0 or pool-N")


def run_option(
    name: str, base_env: dict[str, str], chat_pk: int, cookie: str, args: argparse.Namespace
) -> GetsResult:
    env = {**base_env, **option_env(name)}
    with tempfile.TemporaryDirectory(prefix="bench-rest-") as tmp:
        watch, port = start_daphne("config.asgi:application", env, Path(tmp) / "daphne.log")
        try:
            url = f"http://127.0.0.1:{port}/api/groups/{chat_pk}/messages/"
            return fire_gets(url, cookie, BENCH_DB, args.requests, args.concurrency)
        finally:
            watch.stop(group=True)


HEADER = (
    "| {label} | 5xx | other failures | req/s | p50 (ms) | p99 (ms) | peak conns | left open |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def row(label: str, r: GetsResult) -> str:
    """One line of the table under HEADER."""
    return (
        f"| {label} | {r.server_errors} | {r.other_failures} | {r.requests / r.seconds:,.0f} "
        f"| {percentile(r.latencies, 50) * 1000:.1f} "
        f"| {percentile(r.latencies, 99) * 1000:.1f} "
        f"| {r.peak_connections} | {r.final_connections} |"
    )


def max_connections() -> str:
    """PostgreSQL's ``max_connections``."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        found = admin.execute("SHOW max_connections").fetchone()
    return str(found[0]) if found else "?"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--options", default="max-age-0,pool-10,pool-4")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis database the app uses")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.options.split(",") if name.strip()]
    for name in names:
        option_env(name)

    base_env = {
        **app_environment(BENCH_DB, f"redis://127.0.0.1:6379/{args.redis_db}"),
        "JWT_ACCESS_MINUTES": "600",
    }
    recreate_database(BENCH_DB, create=True)
    try:
        processes.manage(base_env, "migrate", "--verbosity", "0")
        data = processes.manage_json(base_env, FIXTURE_CODE)
        chat_pk, cookie = int(data["chat"]), f"jwt_auth_cookie={data['token']}"
        results = {name: run_option(name, base_env, chat_pk, cookie, args) for name in names}
    finally:
        recreate_database(BENCH_DB, create=False)

    print(f"\nmachine: {machine()}; PostgreSQL max_connections {max_connections()}")
    print(f"{args.requests} GETs of /api/groups/<pk>/messages/ at concurrency {args.concurrency}")
    print("one daphne worker, production settings\n")
    print(HEADER.format(label="option"))
    for name, result in results.items():
        print(row(name, result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
