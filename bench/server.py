"""Benchmark: the project's WebSocket consumers against a plain-Channels floor.

    .venv/bin/python -m bench.server            # full run (a few minutes)
    .venv/bin/python -m bench.server --quick    # short run (well under a minute)
    .venv/bin/python -m bench.server --layers memory,redis,redis-pubsub

For each channel layer, three daphne processes are started on 127.0.0.1, one at
a time: the project (``config.asgi:application`` with ``bench.settings``: the
real Origin check, JWT-cookie authentication and permissions by DRF, pydantic
validation, persistence to PostgreSQL) and the floor (``bench.floor``: a bare
``AsyncJsonWebsocketConsumer``, see that module for exactly what it does),
and the lean floor (the same consumer without channels' per-event
``close_old_connections()`` thread hop).
This process is the client (the ``websockets`` library) and measures:

1. round trips: one client, ``ping`` -> ``pong``, one at a time, per second;
2. fan-out: 100 sockets in one group; one of them sends ``new_message``, one
   message at a time; latency from send to each member's ``member_message``
   (p50 / p99 over every delivery). The project saves every message first;
3. 500 connections opened at once: time until every one has its
   ``authentication`` frame, and the daphne process's RSS growth.

Layers: ``memory`` (InMemoryChannelLayer), ``redis`` (the project's
RedisChannelLayer, as config.settings tunes it), ``redis-pubsub``
(RedisPubSubChannelLayer); Redis layers use
redis://127.0.0.1:6379/<--redis-db> (flushed before and after). The database
is PostgreSQL ``postgres://postgres@127.0.0.1:5432/bench_server``, created
fresh and dropped at the end. Every loop is bounded, every wait has a
deadline, and every process started here is stopped in a ``finally``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # `python bench/server.py` puts bench/, not the root, first
    sys.path.insert(0, str(PROJECT_DIR))

from tests.support import processes  # noqa: E402 - needs the root on sys.path
from tests.support.live import (  # noqa: E402
    SERVER_URL,
    app_environment,
    recreate_database,
)
from tests.support.processes import free_port, rss_mib  # noqa: E402

BENCH_DB = "bench_server"
FRAME_SECONDS = 15.0
READY_SECONDS = 60.0
FAN_OUT_MEMBERS = 100
HOLD_CONNECTIONS = 500

LAYERS = {
    # name: (uses Redis, BENCH_LAYER)
    "memory": (False, "core"),
    "redis": (True, "core"),
    "redis-pubsub": (True, "pubsub"),
}


@dataclass
class Plan:
    round_trip_seconds: float
    fan_out_messages: int
    hold: int


QUICK = Plan(round_trip_seconds=2.0, fan_out_messages=20, hold=HOLD_CONNECTIONS)
FULL = Plan(round_trip_seconds=8.0, fan_out_messages=150, hold=HOLD_CONNECTIONS)


NAN = float("nan")


@dataclass
class Result:
    round_trips_per_s: float = 0.0
    # The daphne process's CPU time (user + system, all threads) per operation:
    # what the server spends, whatever else runs on the machine meanwhile.
    round_trip_cpu_us: float = 0.0
    fan_out_cpu_us: float = 0.0
    hold_cpu_s: float = 0.0
    fan_out_p50_ms: float = 0.0
    fan_out_p99_ms: float = 0.0
    fan_out_deliveries: int = 0
    hold_seconds: float = 0.0
    hold_failed: int = 0
    rss_before_mib: float = 0.0
    rss_after_mib: float = 0.0
    errors: list[str] = field(default_factory=list)


@dataclass
class Target:
    """One running daphne and how a client reaches the endpoint under test."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    path: str
    cookie: str
    log_path: Path

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{self.path}"


# Processes and databases


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def stop_on_sigterm() -> None:
    """From now on SIGTERM raises SystemExit, which unwinds through every ``finally``:
    every daphne started is stopped."""

    def on_term(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)


@contextmanager
def flushed(redis_url: str) -> Iterator[None]:
    """The Redis database ``redis_url`` flushed before and after the block (nothing to
    do for ``""``: the in-memory layer)."""
    if redis_url:
        flush_redis(redis_url)
    try:
        yield
    finally:
        if redis_url:
            flush_redis(redis_url)


FIXTURE_CODE = """
import json
from accounts.models import User
from chat.services.chats import create_group_chat
from rest_framework_simplejwt.tokens import AccessToken
user = User.objects.create_user("bench-user")
chat = create_group_chat(creator=user, name="Bench")
print(json.dumps({"chat": chat.pk, "token": str(AccessToken.for_user(user))}))
"""


def prepare_database(env: dict[str, str]) -> tuple[int, str]:
    """A fresh database with one user in one chat; returns (chat pk, JWT)."""
    recreate_database(BENCH_DB, create=True)
    processes.manage(env, "migrate", "--verbosity", "0")
    data = processes.manage_json(env, FIXTURE_CODE)
    return int(data["chat"]), str(data["token"])


def start_daphne(
    app: str, env: dict[str, str], log_path: Path
) -> tuple[processes.WatchedProcess, int]:
    port = free_port()
    watch = processes.start(
        f"daphne {app} on :{port}",
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app],
        log_path,
        cwd=PROJECT_DIR,
        env=env,  # LOG_LEVEL=INFO: daphne then logs the listening line waited for
        start_new_session=True,
    )
    try:
        watch.wait_for(processes.DAPHNE_LISTENING, READY_SECONDS)
    except processes.NotReady as exc:
        watch.stop(group=True)
        raise SystemExit(f"daphne not listening: {exc}") from None
    return watch, port


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process, all threads, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


@contextmanager
def running(
    name: str, app: str, env: dict[str, str], path: str, cookie: str, workdir: Path
) -> Iterator[Target]:
    log_path = workdir / f"{name}.log"
    watch, port = start_daphne(app, env, log_path)
    try:
        yield Target(name, watch.process, port, path, cookie, log_path)
    finally:
        watch.stop(group=True)


# The client


async def open_ws(target: Target) -> ClientConnection:
    headers = {"Cookie": target.cookie} if target.cookie else {}
    ws = await connect(
        target.url,
        origin=Origin(SERVER_URL),
        additional_headers=headers,
        proxy=None,
        open_timeout=FRAME_SECONDS,
        max_queue=None,
        compression=None,
    )
    first = json.loads(await asyncio.wait_for(ws.recv(decode=True), FRAME_SECONDS))
    if first.get("action") != "authentication" or first["payload"]["status_code"] != 200:
        await ws.close()
        raise RuntimeError(f"handshake refused: {first}")
    return ws


async def measure_round_trips(target: Target, seconds: float) -> tuple[float, float]:
    """(round trips per second, server CPU microseconds per round trip)"""
    ping = json.dumps({"action": "ping"})
    ws = await open_ws(target)
    try:
        for _ in range(200):  # warm-up
            await ws.send(ping)
            await asyncio.wait_for(ws.recv(), FRAME_SECONDS)
        count = 0
        cpu = cpu_seconds(target.process.pid)
        started = time.perf_counter()
        deadline = started + seconds
        for _ in range(10_000_000):
            await ws.send(ping)
            reply = await asyncio.wait_for(ws.recv(decode=True), FRAME_SECONDS)
            if '"pong"' not in reply:
                raise RuntimeError(f"expected pong, got {reply[:200]}")
            count += 1
            if count % 100 == 0 and time.perf_counter() >= deadline:
                break
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(target.process.pid) - cpu
        return count / elapsed, cpu / count * 1e6
    finally:
        await ws.close()


async def measure_fan_out(target: Target, messages: int) -> tuple[list[float], float]:
    """Latencies (ms) from send to receipt, for every member and message, and
    the server's CPU microseconds per delivery."""
    sockets = await asyncio.gather(*(open_ws(target) for _ in range(FAN_OUT_MEMBERS)))
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    received: dict[str, int] = {}
    all_in: dict[str, asyncio.Event] = {}
    total_frames = (messages + 10) * 2

    async def read(ws: ClientConnection) -> None:
        for _ in range(total_frames):
            frame = json.loads(await ws.recv())
            if frame.get("action") != "member_message":
                continue
            now = time.perf_counter()
            content = frame["payload"]["content"]
            latencies.append((now - sent_at[content]) * 1000)
            received[content] += 1
            if received[content] == FAN_OUT_MEMBERS:
                all_in[content].set()

    readers = [asyncio.create_task(read(ws)) for ws in sockets]
    cpu = 0.0
    try:
        for number in range(-5, messages):  # five warm-up messages, not counted
            content = f"fan-out message {number}"
            received[content] = 0
            all_in[content] = asyncio.Event()
            sent_at[content] = time.perf_counter()
            await sockets[0].send(
                json.dumps({"action": "new_message", "payload": {"content": content}})
            )
            try:
                await asyncio.wait_for(all_in[content].wait(), FRAME_SECONDS)
            except TimeoutError:
                raise RuntimeError(
                    f"{content!r} reached {received[content]} of {FAN_OUT_MEMBERS} members"
                ) from None
            if number == -1:
                latencies.clear()
                cpu = cpu_seconds(target.process.pid)
        cpu = cpu_seconds(target.process.pid) - cpu
        return latencies, cpu / len(latencies) * 1e6
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


async def measure_hold(target: Target, count: int, result: Result) -> None:
    result.rss_before_mib = rss_mib(target.process.pid)
    cpu = cpu_seconds(target.process.pid)
    started = time.perf_counter()
    opened = await asyncio.gather(*(open_ws(target) for _ in range(count)), return_exceptions=True)
    result.hold_seconds = time.perf_counter() - started
    result.hold_cpu_s = cpu_seconds(target.process.pid) - cpu
    sockets = [ws for ws in opened if isinstance(ws, ClientConnection)]
    failures = [repr(ws) for ws in opened if not isinstance(ws, ClientConnection)]
    result.hold_failed = len(failures)
    if failures:
        result.errors.append(f"{len(failures)} of {count} connections failed, e.g. {failures[0]}")
    result.rss_after_mib = rss_mib(target.process.pid)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


async def measure(target: Target, plan: Plan) -> Result:
    result = Result()
    rate, cpu = await measure_round_trips(target, plan.round_trip_seconds)
    result.round_trips_per_s, result.round_trip_cpu_us = rate, cpu
    latencies, result.fan_out_cpu_us = await measure_fan_out(target, plan.fan_out_messages)
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    result.fan_out_p50_ms = statistics.median(latencies)
    result.fan_out_p99_ms = quantiles[98]
    result.fan_out_deliveries = len(latencies)
    await measure_hold(target, plan.hold, result)
    return result


# Report


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {system}"


def table(layer: str, results: dict[str, Result], plan: Plan) -> str:
    """One row per measure: the project, each floor, and project / floor
    ("x": how many times the project costs the floor; under 1 is cheaper)."""
    measures: list[tuple[str, Callable[[Result], float], str, bool]] = [
        # (label, value, format, higher is better)
        ("round trips, 1 client (msg/s)", lambda r: r.round_trips_per_s, ",.0f", True),
        ("server CPU per round trip (us)", lambda r: r.round_trip_cpu_us, ".0f", False),
        (f"fan-out to {FAN_OUT_MEMBERS}, p50 (ms)", lambda r: r.fan_out_p50_ms, ".1f", False),
        (f"fan-out to {FAN_OUT_MEMBERS}, p99 (ms)", lambda r: r.fan_out_p99_ms, ".1f", False),
        ("server CPU per delivery (us)", lambda r: r.fan_out_cpu_us, ".0f", False),
        (f"open {plan.hold} at once (s)", lambda r: r.hold_seconds, ".2f", False),
        (f"server CPU to open {plan.hold} (s)", lambda r: r.hold_cpu_s, ".2f", False),
        (
            f"RSS growth, {plan.hold} open (MiB)",
            lambda r: r.rss_after_mib - r.rss_before_mib,
            ".1f",
            False,
        ),
        (f"RSS with {plan.hold} open (MiB)", lambda r: r.rss_after_mib, ".1f", False),
    ]
    floors = [name for name in results if name != "project"]
    project = results["project"]
    header = f"| {'measure':<32} | {'project':>9} |"
    rule = f"| {'-' * 32} | {'-' * 9}:|"
    for name in floors:
        header += f" {name:>10} | {'ratio':>6} |"
        rule += f" {'-' * 10}:| {'-' * 6}:|"
    lines = [f"layer: {layer}", header, rule]
    for label, value, fmt, higher_is_better in measures:
        mine = value(project)
        line = f"| {label:<32} | {format(mine, fmt):>9} |"
        for name in floors:
            theirs = value(results[name])
            ratio = theirs / mine if higher_is_better else mine / theirs
            line += f" {format(theirs, fmt):>10} | {ratio:>5.2f}x |"
        lines.append(line)
    for name, result in results.items():
        lines += [f"  {name}: {error}" for error in result.errors]
    return "\n".join(lines)


def failed(exc: Exception) -> Result:
    result = Result(errors=[f"FAILED: {exc!r}"[:300]])
    for measure in dataclasses.fields(Result):
        if measure.type == "float":  # a string: ``from __future__ import annotations``
            setattr(result, measure.name, NAN)
    return result


def run_layer(layer: str, plan: Plan, redis_db: int, workdir: Path) -> str:
    uses_redis, bench_layer = LAYERS[layer]
    redis_url = f"redis://127.0.0.1:6379/{redis_db}" if uses_redis else None
    env = {
        # What a container gets (the live tests' environment), on the bench's
        # database and settings; the rate limit is raised in bench.settings.
        **app_environment(BENCH_DB, redis_url or ""),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "JWT_ACCESS_MINUTES": "600",
        "BENCH_LAYER": bench_layer,
    }
    chat_pk, token = prepare_database(env)
    cookie_header = f"jwt_auth_cookie={token}"
    results: dict[str, Result] = {}
    try:
        for name, app, path, cookie in (
            (
                "project",
                "config.asgi:application",
                f"/ws/chat/{chat_pk}/",
                cookie_header,
            ),
            ("floor", "bench.floor:application", "/ws/floor/", ""),
            ("lean floor", "bench.floor:lean_application", "/ws/floor/", ""),
        ):
            if redis_url:
                flush_redis(redis_url)
            with running(
                f"{layer}-{name.replace(' ', '-')}", app, env, path, cookie, workdir
            ) as target:
                try:
                    results[name] = asyncio.run(measure(target, plan))
                except Exception as exc:  # reported in the table; the run goes on
                    log = target.log_path.read_text()
                    print(f"{layer} {name} failed: {exc!r}; log tail:\n{log[-1500:]}")
                    results[name] = failed(exc)
            print(f"  {layer}: {name} measured", file=sys.stderr, flush=True)
    finally:
        if redis_url:
            flush_redis(redis_url)
    return table(layer, results, plan)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument(
        "--layers", default="memory,redis", help=f"comma-separated, of {', '.join(LAYERS)}"
    )
    parser.add_argument("--redis-db", type=int, default=9, help="Redis database to use (flushed)")
    args = parser.parse_args(argv)
    layers = [layer.strip() for layer in args.layers.split(",") if layer.strip()]
    unknown = sorted(set(layers) - set(LAYERS))
    if unknown:
        parser.error(f"unknown layers: {unknown}")
    plan = QUICK if args.quick else FULL

    stop_on_sigterm()
    tables: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
            for layer in layers:
                tables.append(run_layer(layer, plan, args.redis_db, Path(tmp)))
    finally:
        recreate_database(BENCH_DB, create=False)
    print(f"\nmachine: {machine()}")
    print(
        f"plan: {'quick' if args.quick else 'full'}; "
        f"round trips for {plan.round_trip_seconds:g} s; "
        f"fan-out {plan.fan_out_messages} messages x {FAN_OUT_MEMBERS} members, one at a time; "
        f"database PostgreSQL ({BENCH_DB}); "
        "ratio = how many times the project costs that floor (under 1: cheaper)"
    )
    for text in tables:
        print()
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
