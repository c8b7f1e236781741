"""Benchmark: other users' REST latency during a login flood spread over many addresses.

    .venv/bin/python -m bench.logins                        # the shipped bound, then none
    .venv/bin/python -m bench.logins --hashes-at-once 1,2 --seconds 30

A login costs a password hash (PBKDF2, a million rounds: production hashing, not the
test suite's MD5), even for a username that does not exist. An attacker with
``--addresses`` addresses (127.0.0.10, .11 ...: each a client of its own, under its
per-address throttle) sends ``--per-address`` logins at a time from each, every one
naming a fresh username (so no per-username throttle counts them), for ``--seconds``.
Meanwhile another user GETs a chat's messages (``/api/groups/<pk>/messages/``, the JWT
cookie) one after the other from 127.0.0.1, as in a quiet period of the same length
before the flood. Printed: that user's p50 / p99 in both periods and their ratio, and
what the flood's logins were answered (401: a hash was computed; 429: throttled; 503:
no hashing slot within the wait).

For each value of ``--hashes-at-once`` a fresh daphne runs the production settings with
``PASSWORD_HASHES_AT_ONCE`` set to it (``none`` is no bound: 1,000 slots, more than the
flood's logins at once, as before the bound existed). PostgreSQL: ``LIVE_PG_ADMIN_URL``'s
server, database ``bench_logins`` (created fresh, dropped at the end); Django's cache and
the channel layer in Redis at ``BENCH_REDIS_URL`` if set (flushed before and after), in
process memory otherwise. Every loop is bounded in time, and every process started here
is stopped in a ``finally``. It asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # `python bench/logins.py` puts bench/, not the root, first
    sys.path.insert(0, str(PROJECT_DIR))

from bench.rest import FIXTURE_CODE  # noqa: E402
from bench.server import flushed, machine, start_daphne, stop_on_sigterm  # noqa: E402
from tests.support import processes  # noqa: E402
from tests.support.live import app_environment, recreate_database  # noqa: E402
from tests.support.load import get, percentile  # noqa: E402
from tests.support.sources import SourceClient, loopback  # noqa: E402

BENCH_DB = "bench_logins"
NO_BOUND = "1000"  # slots: more than the flood's logins at once
FIRST_ADDRESS = 10  # the flood's addresses: 127.0.0.10 and up
MAX_REQUESTS = 1_000_000  # a bound on every loop, besides its time


@dataclass
class Run:
    label: str
    quiet: list[float] = field(default_factory=list)  # the other user's GETs, seconds
    flood: list[float] = field(default_factory=list)
    other_statuses: Counter[int | str] = field(default_factory=Counter)
    logins: Counter[int | str] = field(default_factory=Counter)
    seconds: float = 0.0

    def ratio(self) -> float:
        return percentile(self.flood, 50) / percentile(self.quiet, 50)


def read_messages(url: str, cookie: str, seconds: float, run: Run) -> list[float]:
    """GET ``url`` one after the other for ``seconds``; the latencies of the 200s."""
    latencies = []
    deadline = time.perf_counter() + seconds
    for _ in range(MAX_REQUESTS):
        if time.perf_counter() >= deadline:
            break
        status, took = get(url, cookie)
        run.other_statuses[status] += 1
        if status == 200:
            latencies.append(took)
    return latencies


def flood_logins(port: int, address: int, deadline: float, run: Run, lock: threading.Lock) -> None:
    """One attacker connection after another from 127.0.0.``address``: a wrong password
    for a username nobody has, until ``deadline``."""
    client = SourceClient(loopback(address), port)
    for _ in range(MAX_REQUESTS):
        if time.perf_counter() >= deadline:
            return
        try:
            status: int | str = client.log_in(f"flood-{uuid.uuid4().hex[:12]}", "wrong-password")
        except OSError as exc:
            status = type(exc).__name__
        with lock:
            run.logins[status] += 1


def measure(
    label: str, slots: str, env: dict[str, str], fixture: dict[str, str], args: argparse.Namespace
) -> Run:
    run = Run(label)
    with tempfile.TemporaryDirectory(prefix="bench-logins-") as tmp:
        watch, port = start_daphne(
            "config.asgi:application",
            {**env, "PASSWORD_HASHES_AT_ONCE": slots},
            Path(tmp) / "daphne.log",
        )
        try:
            url = f"http://127.0.0.1:{port}/api/groups/{fixture['chat']}/messages/"
            cookie = f"jwt_auth_cookie={fixture['token']}"
            read_messages(url, cookie, 2.0, run)  # warm-up, not counted
            run.quiet = read_messages(url, cookie, args.seconds, run)
            lock = threading.Lock()
            attackers = args.addresses * args.per_address
            started = time.perf_counter()
            deadline = started + args.seconds
            with ThreadPoolExecutor(attackers + 1) as pool:
                floods = [
                    pool.submit(
                        flood_logins, port, FIRST_ADDRESS + n % args.addresses, deadline, run, lock
                    )
                    for n in range(attackers)
                ]
                run.flood = read_messages(url, cookie, args.seconds, run)
                for flood in floods:
                    flood.result()
            run.seconds = time.perf_counter() - started
        finally:
            watch.stop(group=True)
    return run


def ms(values: list[float], q: int) -> str:
    return f"{percentile(values, q) * 1000:.1f}"


def row(run: Run) -> str:
    """One line of the table TABLE heads."""
    answered = [run.logins[401], run.logins[429], run.logins[503]]
    other = sum(run.logins.values()) - sum(answered)
    return (
        f"| {run.label} | {ms(run.quiet, 50)} / {ms(run.quiet, 99)} "
        f"| {ms(run.flood, 50)} / {ms(run.flood, 99)} | {run.ratio():.2f}x "
        f"| {' / '.join(map(str, answered))} / {other} | {run.logins[401] / run.seconds:.1f} |"
    )


TABLE = (
    "| hashes at once | other user's GET, quiet p50 / p99 (ms) | during the flood, p50 / p99 "
    "| p50 ratio | logins 401 / 429 / 503 / other | hashes/s |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: |"
)
SHIPPED_CODE = (
    "import json; from django.conf import settings; "
    "print(json.dumps(settings.PASSWORD_HASHES_AT_ONCE))"
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="quiet period, then flood")
    parser.add_argument("--addresses", type=int, default=8)
    parser.add_argument("--per-address", type=int, default=4, help="logins at once per address")
    parser.add_argument(
        "--hashes-at-once", default="shipped,none", help="comma-separated: N, shipped or none"
    )
    args = parser.parse_args(argv)
    redis_url = os.environ.get("BENCH_REDIS_URL", "")
    env = {**app_environment(BENCH_DB, redis_url), "JWT_ACCESS_MINUTES": "600"}
    shipped = processes.manage_json(env, SHIPPED_CODE)
    choices = {"shipped": str(shipped), "none": NO_BOUND}
    labels = [item.strip() for item in args.hashes_at_once.split(",") if item.strip()]
    for label in labels:
        if label not in choices and not label.isdigit():
            parser.error(f"--hashes-at-once: {label!r} is not a number, shipped or none")

    stop_on_sigterm()
    load_before = os.getloadavg()
    runs = []
    recreate_database(BENCH_DB, create=True)
    try:
        processes.manage(env, "migrate", "--verbosity", "0")
        fixture = processes.manage_json(env, FIXTURE_CODE)
        for label in labels:
            slots = choices.get(label, label)
            name = f"{label} ({slots})" if label in choices else label
            # Each run starts with the throttles' counts empty.
            with flushed(redis_url):
                runs.append(measure(name, slots, env, fixture, args))
            print(f"  measured: {name}", file=sys.stderr, flush=True)
    finally:
        recreate_database(BENCH_DB, create=False)

    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n{now}; machine: {machine()}")
    print(f"load average (1, 5, 15 min) before {load_before}, after {os.getloadavg()}")
    print(
        f"{args.seconds:g} s quiet, then {args.seconds:g} s of logins from {args.addresses} "
        f"addresses x {args.per_address} at a time (fresh usernames, wrong passwords); "
        f"one daphne, production settings, cache {'Redis' if redis_url else 'in memory'}\n"
    )
    print(TABLE)
    for run in runs:
        print(row(run))
        unexpected = {k: v for k, v in run.other_statuses.items() if k != 200}
        if unexpected:
            print(f"  {run.label}: the other user's GETs also got {unexpected}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
