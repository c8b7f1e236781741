"""Benchmark: the padded-frame flood and concurrent REST GETs, on each channel layer.

    .venv/bin/python -m bench.flood            # full run (about 2 minutes)
    .venv/bin/python -m bench.flood --quick    # short run (about a minute)
    .venv/bin/python -m bench.flood --layers redis,redis-pubsub,memory

A memory flood and a burst of REST reads, on one worker started as the container starts it
(``bin/entrypoint``, production settings) on PostgreSQL ``wtflood_bench``
(created fresh, dropped at the end) and Redis redis://127.0.0.1:6379/<--redis-db>
(prefix ``wtflood``, flushed before and after), once per layer:

1. The flood (``tests/support/load.py``): 40 sockets of 5 members of one chat
   (8 each, under the cap of 10 sockets per user) send valid ``new_message`` frames
   padded to 60 KB (60,000 spaces and one letter) as fast as each socket takes them,
   for 15 s; a socket the server closes is opened again at once, as an attacker
   would. Meanwhile a sixth member's socket, in a process of its own, pings every
   100 ms. Printed: the daphne process's RSS (/proc) before, at its peak (sampled
   every 20 ms) and 10 s after the clients left; the flooding connections and what
   each got (error frames, then ``authentication`` 429 and close 4429), connects
   refused by the per-user cap; the chat's rows written during the flood and in the
   10 s after the clients left; the pings' p50 / p99.
2. 300 GETs of the chat's messages at concurrency 20 (``bench/rest.py``'s
   measure), on the same worker after the flood: 5xx answers, and the database's
   peak connections in pg_stat_activity against the documented bound
   (DATABASE_POOL_MAX_SIZE per daphne process).

Layers: ``redis`` (the core RedisChannelLayer as configured), ``redis-pubsub``,
``memory`` (in-memory). It asserts nothing; ``tests/live/test_load.py`` is the
smaller version that fails on a broken bound.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # `python bench/flood.py` puts bench/, not the root, first
    sys.path.insert(0, str(PROJECT_DIR))

from bench.fanout import LAYERS  # noqa: E402
from bench.rest import HEADER, max_connections, row  # noqa: E402
from bench.server import flushed, machine, stop_on_sigterm  # noqa: E402
from tests.support import processes  # noqa: E402
from tests.support.fanout import create_fanout_chat  # noqa: E402
from tests.support.live import (  # noqa: E402
    app_environment,
    contents_in_db,
    recreate_database,
    started_workers,
)
from tests.support.load import (  # noqa: E402
    FloodResult,
    GetsResult,
    fire_gets,
    percentile,
    run_flood,
    sampling_rss,
)
from tests.support.processes import rss_mib  # noqa: E402

BENCH_DB = "wtflood_bench"
DEFAULT_LAYERS = "redis,redis-pubsub,memory"
QUIET_SECONDS = 10.0  # after the clients left: rows written meanwhile, then RSS
REQUESTS = 300
CONCURRENCY = 20


@dataclass
class Plan:
    users: int
    sockets_per_user: int
    seconds: float


FULL = Plan(users=5, sockets_per_user=8, seconds=15.0)
QUICK = Plan(users=2, sockets_per_user=5, seconds=5.0)


@dataclass
class LayerRun:
    flood: FloodResult
    rss_peak_mib: float
    rss_after_mib: float
    rows_during: int
    rows_after: int
    gets: GetsResult


def rows(chat_pk: int) -> int:
    return len(contents_in_db(BENCH_DB, chat_pk))


def run_layer(
    layer: str, env: dict[str, str], chat_pk: int, cookies: list[str], plan: Plan, workdir: Path
) -> LayerRun:
    flood_cookies = [c for c in cookies[: plan.users] for _ in range(plan.sockets_per_user)]
    with started_workers(env, workdir) as start:
        worker = start(f"flood-{layer}")
        worker.wait_ready()
        pid = worker.process.pid  # one worker: bin/entrypoint execs daphne
        rows_before = rows(chat_pk)
        with sampling_rss(pid) as rss:
            flood = asyncio.run(
                run_flood(worker, chat_pk, flood_cookies, cookies[-1], plan.seconds, pid)
            )
            rows_left = rows(chat_pk)
            time.sleep(QUIET_SECONDS)  # a measured window, not a wait for an event
            rows_quiet = rows(chat_pk)
        rss_after = rss_mib(pid)
        print(f"  {layer}: flood measured", file=sys.stderr, flush=True)
        url = f"{worker.url}/api/groups/{chat_pk}/messages/"
        gets = fire_gets(url, cookies[-1], BENCH_DB, REQUESTS, CONCURRENCY)
        worker.stop()
    return LayerRun(
        flood=flood,
        rss_peak_mib=rss.peak,
        rss_after_mib=rss_after,
        rows_during=rows_left - rows_before,
        rows_after=rows_quiet - rows_left,
        gets=gets,
    )


FLOOD_HEADER = (
    "| layer | connections | errors then 4429 | closed otherwise | open at the end "
    "| refused at connect | frames sent (MB) | error frames per connection, p50 / max "
    "| RSS before / peak / after (MiB) | growth (MiB) | rows during / after "
    "| pings | ping p50 / p99 (ms) |\n"
    "| --- |" + " ---: |" * 12
)


def flood_row(layer: str, run: LayerRun) -> str:
    flood = run.flood
    errors = [float(c.errors) for c in flood.connections if c.answered]
    pings = flood.pings.round_trips_ms
    return (
        f"| {layer} | {len(flood.connections)} | {flood.answered} | {len(flood.unanswered)} "
        f"| {flood.still_open} | {flood.refused_at_connect} "
        f"| {flood.frames_sent:,} ({flood.frames_sent * 60_000 / 1e6:,.0f}) "
        f"| {percentile(errors, 50):.0f} / {max(errors, default=0):.0f} "
        f"| {flood.rss_before_mib:.0f} / {run.rss_peak_mib:.0f} / {run.rss_after_mib:.0f} "
        f"| {run.rss_peak_mib - flood.rss_before_mib:.0f} "
        f"| {run.rows_during} / {run.rows_after} "
        f"| {len(pings)} | {percentile(pings, 50):.1f} / {percentile(pings, 99):.1f} |"
    )


def notes(layer: str, run: LayerRun) -> list[str]:
    flood = run.flood
    lines = [f"  {layer}: ping failures: {failure}" for failure in flood.pings.failures]
    lines += [
        f"  {layer}: {count} connects failed: {reason}"
        for reason, count in flood.connect_failures.items()
    ]
    lines += [f"  {layer}: closed otherwise: {c.describe()}" for c in flood.unanswered[:5]]
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--layers", default=DEFAULT_LAYERS, help=f"of {DEFAULT_LAYERS}")
    parser.add_argument("--redis-db", type=int, default=10, help="Redis database to use (flushed)")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    layers = [layer.strip() for layer in args.layers.split(",") if layer.strip()]
    unknown = sorted(set(layers) - set(DEFAULT_LAYERS.split(",")))
    if unknown:
        parser.error(f"unknown layers: {unknown}")

    stop_on_sigterm()
    base_env = {
        **app_environment(BENCH_DB, f"redis://127.0.0.1:6379/{args.redis_db}"),
        "CHANNEL_LAYER_PREFIX": "wtflood",
        "JWT_ACCESS_MINUTES": "600",
    }
    bound = int(base_env.get("DATABASE_POOL_MAX_SIZE", "10"))  # one daphne process
    started = time.perf_counter()
    runs: dict[str, LayerRun | str] = {}
    load_before = Path("/proc/loadavg").read_text().strip()
    try:
        recreate_database(BENCH_DB, create=True)
        processes.manage(base_env, "migrate", "--verbosity", "0")
        chat_pk, cookies = create_fanout_chat(base_env, plan.users + 1, "flood")
        with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp:
            for layer in layers:
                env = {**base_env, **LAYERS[layer]}
                try:
                    with flushed(env["REDIS_URL"]):
                        runs[layer] = run_layer(layer, env, chat_pk, cookies, plan, Path(tmp))
                except (Exception, pytest.fail.Exception) as exc:  # reported; the run goes on
                    runs[layer] = f"{layer}: FAILED {exc!r}"[:500]
        connections_limit = max_connections()
    finally:
        recreate_database(BENCH_DB, create=False)

    print(f"\nmachine: {machine()}")
    print(f"load average before: {load_before}; after: {Path('/proc/loadavg').read_text()}")
    print(
        f"plan: {'quick' if args.quick else 'full'}; {plan.users} users x "
        f"{plan.sockets_per_user} flooding sockets, {plan.seconds:g} s, frames of 60,001 "
        f"characters; one worker (bin/entrypoint), production settings, PostgreSQL; "
        f"{time.perf_counter() - started:.0f} s in all\n"
    )
    print(FLOOD_HEADER)
    for layer, run in runs.items():
        print(run if isinstance(run, str) else flood_row(layer, run))
    for layer, run in runs.items():
        for line in [] if isinstance(run, str) else notes(layer, run):
            print(line)
    print(
        f"\n{REQUESTS} GETs of /api/groups/<pk>/messages/ at concurrency {CONCURRENCY}, after "
        f"the flood; bound {bound} connections (PostgreSQL max_connections {connections_limit})"
    )
    print(HEADER.format(label="layer"))
    for layer, run in runs.items():
        if not isinstance(run, str):
            print(row(layer, run.gets))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
