"""Benchmark: live fan-out in one group chat, side by side with its ceiling and floor,
then on each channel layer, 1 to 3 workers.

    .venv/bin/python -m bench.fanout            # full run (about 12 minutes)
    .venv/bin/python -m bench.fanout --quick    # short run (a few minutes)
    .venv/bin/python -m bench.fanout --only side-by-side --split
    .venv/bin/python -m bench.fanout --layers redis,redis-pubsub --workers 1,3 --rates 3,10

First, side by side (``bench/compare.py``): the fan-out ceiling (``bench/ceiling.py``),
the plain-Channels floor and the project on 1 and 2 workers, each driven straight by
the lean multi-process client (``bench/loadgen.py``) up a ladder of rates, printed as
one table with each one's sustained deliveries/s and the ratios between them
(``--split``: the servers on CPU 0, the client on CPU 1).

Then the layer tables:
The app runs as compose.yaml deploys it: N workers, each ``bin/entrypoint`` as a
web container starts it (one daphne, production settings), behind HAProxy
(Debian's binary on ``config/haproxy.cfg``, ``tests/support/proxy.py``), every
socket opened through the proxy; on PostgreSQL ``wtfanout`` (``BENCH_FANOUT_DB``; created fresh,
dropped at the end) and Redis ``BENCH_FANOUT_REDIS`` (redis://127.0.0.1:6379)/<--redis-db> (prefix
``wtfanout``, flushed before and after). 110 users in one group chat: 100
readers and 10 senders, each with its own socket (``tests/support/fanout.py``).
For each layer and worker count, a ladder of rates per sender; per step it
prints the messages stored, the live delivery ratio (every stored message to
every member), p50/p99 latency from send to receipt, and the daphne processes'
CPU per delivery (/proc). The ladder stops at the first step that loses a
message or has p99 >= 200 ms; the last step before it is the sustained rate,
printed under each table with the proxy's own CPU. It asserts nothing.

Layers: ``redis-100`` (the core RedisChannelLayer with a worker's channel capped at
100, as before: what lost 43%), ``redis`` (the core layer as config.settings
configures it), ``redis-pubsub`` (RedisPubSubChannelLayer), ``memory`` (in-memory;
one worker only, it cannot cross processes). The rate limit of production (10
frames/s per socket, burst 30) bounds a sender at 10 msg/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # `python bench/fanout.py` puts bench/, not the root, first
    sys.path.insert(0, str(PROJECT_DIR))

from bench.compare import Ladder, side_by_side  # noqa: E402
from bench.server import cpu_seconds, flushed, machine, stop_on_sigterm  # noqa: E402
from tests.support import processes  # noqa: E402
from tests.support.fanout import (  # noqa: E402
    FanoutResult,
    SideTraffic,
    connect_members,
    create_fanout_chat,
    run_fanout,
    user_id_of,
)
from tests.support.live import (  # noqa: E402
    LocalServer,
    app_environment,
    contents_in_db,
    recreate_database,
    started_workers,
)
from tests.support.proxy import started_proxy  # noqa: E402

BENCH_DB = os.environ.get("BENCH_FANOUT_DB", "wtfanout")  # runs beside others use their own
BENCH_REDIS = os.environ.get("BENCH_FANOUT_REDIS", "redis://127.0.0.1:6379")
READERS = 100
SENDERS = 10
P99_LIMIT_MS = 200.0

LAYERS: dict[str, dict[str, str]] = {
    # name: what the app's environment changes (REDIS_URL="" means in-memory)
    "redis-100": {"CHANNEL_LAYER_BACKEND": "core", "CHANNEL_LAYER_WORKER_CAPACITY": "100"},
    "redis": {},
    "redis-pubsub": {"CHANNEL_LAYER_BACKEND": "pubsub"},
    "memory": {"REDIS_URL": ""},
}


@dataclass
class Plan:
    rates: list[float]
    first_seconds: float  # the first step (3 msg/s), longer: 15 s
    seconds: float  # each later step
    workers: list[int]
    # Reads and reactions besides the messages (--read-every, --react-every).
    side: SideTraffic = field(default_factory=SideTraffic)


FULL = Plan(rates=[3, 5, 8, 10], first_seconds=15.0, seconds=8.0, workers=[1, 2, 3])
QUICK = Plan(rates=[3, 10], first_seconds=5.0, seconds=5.0, workers=[1])
# Side by side: the rate limit is raised there, so the ladder climbs to the ceiling's.
SIDE_RATES = [3.0, 5, 8, 12, 18, 27, 40, 60, 90, 135, 200]
PARTS = ("side-by-side", "layers")


def with_children(pid: int) -> list[int]:
    """``pid`` and its children (haproxy's master forks the worker that serves)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid, *(int(child) for child in children.read_text().split())]


@dataclass
class Step:
    rate: float
    result: FanoutResult
    proxy_cpu_s: float

    @property
    def passed(self) -> bool:
        return self.result.complete and self.result.quantile_ms(99) < P99_LIMIT_MS


def sustained(steps: list[Step]) -> str:
    """The highest step with nothing lost and p99 under the limit, in one line."""
    passed = [step for step in steps if step.passed]
    if not passed:
        return f"sustained: no step passed (nothing lost and p99 < {P99_LIMIT_MS:g} ms)"
    best = passed[-1]
    delivered = best.result.delivered / best.result.send_seconds
    proxy_us = best.proxy_cpu_s / best.result.delivered * 1e6
    return (
        f"sustained: {delivered:,.0f} deliveries/s at {best.rate:g} msg/s per sender, "
        f"p99 {best.result.quantile_ms(99):.0f} ms; HAProxy CPU {proxy_us:.0f} us per delivery"
    )


def row(rate: float, workers: int, result: FanoutResult, cpu_s: float, client_s: float) -> str:
    deliveries_per_s = result.delivered / result.send_seconds
    cpu_us = cpu_s / result.delivered * 1e6 if result.delivered else float("nan")
    saved_per_worker = result.stored / result.send_seconds / workers
    errors = (
        f" {len(result.errors)} errors, {result.closed} sockets closed,"
        f" e.g. {result.errors[0][:90]}"
        if result.errors
        else ""
    )
    return (
        f"| {rate:>4g} | {SENDERS * rate * (READERS + SENDERS):>8,.0f} | "
        f"{result.sent:>5} | {result.stored:>6} | {saved_per_worker:>9.1f} | "
        f"{result.ratio * 100:>7.2f}% | {result.missed_messages:>6} | "
        f"{deliveries_per_s:>8,.0f} | {result.quantile_ms(50):>7.1f} | "
        f"{result.quantile_ms(99):>7.1f} | {result.quantile_ms(50, relay=True):>7.1f} | "
        f"{result.quantile_ms(99, relay=True):>7.1f} | {cpu_us:>6.0f} | "
        f"{client_s / result.send_seconds * 100:>4.0f}% |{errors}"
    )


def side_line(result: FanoutResult) -> str:
    """Under a step with side traffic: what was sent besides messages, and each kind of
    frame the members received (per second, mean size, from its cause to receipt)."""
    seconds = result.send_seconds
    sent = ", ".join(f"{n / seconds:,.1f} {action}/s" for action, n in result.side_sent.items())
    received = "; ".join(
        f"{action}: {tally.count / seconds:,.0f}/s received, {tally.mean_bytes:,.0f} B each"
        + (
            f", p50/p99 {tally.quantile_ms(50):.0f}/{tally.quantile_ms(99):.0f} ms from its cause"
            if tally.relay_ms
            else ""
        )
        for action, tally in sorted(result.frames.items())
    )
    return f"|   sent {sent or 'nothing else'}; {received} |"


HEADER = (
    "| rate | offered deliveries/s | sent | stored | saved/s/worker | live ratio | missed "
    "| delivered/s | p50 ms | p99 ms | relay p50 | relay p99 | server CPU us/delivery "
    "| client CPU |\n"
    "|" + " ---: |" * 14
)


async def ladder(
    proxy: LocalServer,
    pids: list[int],
    proxy_pids: list[int],
    chat_pk: int,
    cookies: list[str],
    plan: Plan,
    label: str,
) -> tuple[list[str], list[Step]]:
    workers = len(pids)
    sockets = await connect_members(proxy, chat_pk, cookies)
    lines: list[str] = []
    steps: list[Step] = []
    try:
        for step, rate in enumerate(plan.rates):
            seconds = plan.first_seconds if step == 0 else plan.seconds
            cpu, client = sum(cpu_seconds(pid) for pid in pids), time.process_time()
            proxy_cpu = sum(cpu_seconds(pid) for pid in proxy_pids)
            result = await run_fanout(
                sockets,
                SENDERS,
                rate,
                seconds,
                f"{label} r{rate:g}",
                lambda: contents_in_db(BENCH_DB, chat_pk),
                side=plan.side,
                user_ids=[user_id_of(cookie) for cookie in cookies],
            )
            cpu = sum(cpu_seconds(pid) for pid in pids) - cpu
            proxy_cpu = sum(cpu_seconds(pid) for pid in proxy_pids) - proxy_cpu
            lines.append(row(rate, workers, result, cpu, time.process_time() - client))
            steps.append(Step(rate, result, proxy_cpu))
            print(f"  {label}: {lines[-1]}", file=sys.stderr, flush=True)
            if plan.side != SideTraffic():
                lines.append(side_line(result))
            if not steps[-1].passed:
                break
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return lines, steps


def run_layer(
    layer: str,
    workers: int,
    base_env: dict[str, str],
    chat: tuple[int, list[str]],
    plan: Plan,
    workdir: Path,
) -> str:
    env = {**base_env, **LAYERS[layer]}
    label = f"{layer} x{workers}"
    try:
        with flushed(env["REDIS_URL"]), started_workers(env, workdir) as start:
            started = [start(f"{layer}-x{workers}-{n}") for n in range(1, workers + 1)]
            for worker in started:
                worker.wait_ready()
            # 110 sockets from one address: above the shipped per-client limit (100).
            with started_proxy(started, workdir, PROXY_CONNECTIONS_PER_CLIENT="1000") as proxy:
                pids = [worker.process.pid for worker in started]
                proxy_pids = with_children(proxy.watch.pid)
                lines, steps = asyncio.run(
                    ladder(proxy, pids, proxy_pids, chat[0], chat[1], plan, label)
                )
            for worker in started:
                worker.stop()
            drops = sum(
                worker.watch.log_path.read_text().count("over capacity")
                for worker in started
                if worker.watch.log_path
            )
    except (Exception, pytest.fail.Exception) as exc:  # reported; the run goes on
        return f"{label}: FAILED {exc!r}"[:500]
    note = f" (channels-redis logged 'over capacity' {drops} times)" if drops else ""
    title = f"layer {layer}, {workers} worker(s) behind HAProxy{note}"
    return "\n".join([title, HEADER, *lines, sustained(steps)])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--layers", default=",".join(LAYERS), help=f"of {', '.join(LAYERS)}")
    parser.add_argument("--workers", help="comma-separated worker counts (default 1,2,3; quick 1)")
    parser.add_argument("--rates", help="comma-separated msg/s per sender (default 3,5,8,10)")
    parser.add_argument("--redis-db", type=int, default=8, help="Redis database to use (flushed)")
    parser.add_argument(
        "--read-every",
        type=float,
        help="layers: each member reports its read position every SECONDS when it moved",
    )
    parser.add_argument(
        "--react-every",
        type=float,
        help="layers: each member reacts to the latest message every SECONDS",
    )
    parser.add_argument("--only", choices=PARTS, help="run one part (default: both)")
    parser.add_argument(
        "--split", action="store_true", help="side by side: servers on CPU 0, client on CPU 1"
    )
    parser.add_argument(
        "--client-processes", type=int, default=2, help="side by side: client processes"
    )
    parser.add_argument(
        "--side-rates", help=f"side by side: msg/s per sender (default {SIDE_RATES})"
    )
    parser.add_argument(
        "--uvicorn",
        default="",
        help="side by side: also the project on uvicorn with these --ws implementations "
        "(comma-separated: websockets, websockets-sansio, wsproto)",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.workers:
        plan.workers = [int(n) for n in args.workers.split(",")]
    if args.rates:
        plan.rates = [float(r) for r in args.rates.split(",")]
    plan.side = SideTraffic(read_every=args.read_every, react_every=args.react_every)
    layers = [layer.strip() for layer in args.layers.split(",") if layer.strip()]
    unknown = sorted(set(layers) - set(LAYERS))
    if unknown:
        parser.error(f"unknown layers: {unknown}")

    parts = [args.only] if args.only else list(PARTS)
    ladder = Ladder(
        rates=[float(r) for r in args.side_rates.split(",")] if args.side_rates else SIDE_RATES,
        seconds=3.0 if args.quick else 5.0,
        processes=args.client_processes,
        split=args.split,
    )

    stop_on_sigterm()
    processes.raise_open_files_limit()
    base_env = {
        **app_environment(BENCH_DB, f"{BENCH_REDIS}/{args.redis_db}"),
        "CHANNEL_LAYER_PREFIX": "wtfanout",
        "JWT_ACCESS_MINUTES": "600",
    }
    started = time.perf_counter()
    tables: list[str] = []
    try:
        recreate_database(BENCH_DB, create=True)
        processes.manage(base_env, "migrate", "--verbosity", "0")
        chat = create_fanout_chat(base_env, READERS + SENDERS, "fan")
        with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
            if "side-by-side" in parts:
                uvicorn_ws = [ws.strip() for ws in args.uvicorn.split(",") if ws.strip()]
                tables.append(side_by_side(base_env, chat, ladder, Path(tmp), uvicorn_ws))
            for layer in layers if "layers" in parts else []:
                for workers in plan.workers:
                    if layer == "memory" and workers > 1:
                        continue  # the in-memory layer cannot reach another process
                    tables.append(run_layer(layer, workers, base_env, chat, plan, Path(tmp)))
    finally:
        recreate_database(BENCH_DB, create=False)
    print(f"\nmachine: {machine()}; load average at the end {os.getloadavg()}")
    print(
        f"plan: {'quick' if args.quick else 'full'}; {READERS} readers + {SENDERS} senders in "
        f"one chat; rates {plan.rates} msg/s per sender, first step {plan.first_seconds:g} s, "
        f"others {plan.seconds:g} s; side traffic: {plan.side}; "
        f"PostgreSQL ({BENCH_DB}), production settings; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    for text in tables:
        print()
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
