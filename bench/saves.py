"""Benchmark: messages saved per second by one worker, by database threads.

    .venv/bin/python -m bench.saves                 # threads 0 (channels' own), 4, 8
    .venv/bin/python -m bench.saves --quick
    .venv/bin/python -m bench.saves --threads 0,4 --rates 100,400

Saving is what a worker's database does for a chat message: with channels' single
database thread (``REALTIME_DATABASE_THREADS=0``) every socket's
save waits for every other's. Here 300 users each sit alone in a chat of their own, with
one socket, so the relay is one frame and the save is what is measured. Each socket sends
its share of an offered rate (a ladder of rates in all, each step ``seconds`` long) with a
``client_id``, at most ``WINDOW`` unanswered at a time (under the cap of 8 in flight),
and counts the ``message_saved`` answers. Per step: messages answered per second, p50/p99
from send to answer, refused or closed sockets, the peak of PostgreSQL connections
(``pg_stat_activity``, sampled) and daphne's CPU per saved message.

The app runs as the container runs it (``bin/entrypoint``, production settings, one
worker) on PostgreSQL ``wtsaves`` (created fresh, dropped at the end) and Redis
redis://127.0.0.1:6379/<--redis-db> (prefix ``wtsaves``, flushed). The rate limit of
production (10 frames/s per socket) bounds the offered load at 3,000 msg/s. It asserts
nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # `python bench/saves.py` puts bench/, not the root, first
    sys.path.insert(0, str(PROJECT_DIR))

from bench.server import cpu_seconds, flush_redis, machine  # noqa: E402
from tests.support import processes  # noqa: E402
from tests.support.fanout import drain  # noqa: E402
from tests.support.live import (  # noqa: E402
    Worker,
    app_environment,
    open_chat,
    pg_url,
    recreate_database,
    started_workers,
)

BENCH_DB = "wtsaves"
SOCKETS = 300
WINDOW = 4
# After a step's last send, how long the answers still on their way may take.
DRAIN_SECONDS = 10.0

_FIXTURE_CODE = """
import json
from accounts.models import User
from chat.services.chats import create_group_chat
from rest_framework_simplejwt.tokens import AccessToken
users = [User.objects.create_user(f"saver-{{number}}") for number in range({count})]
chats = [create_group_chat(creator=user, name="Alone").pk for user in users]
print(json.dumps({{"chats": chats, "tokens": [str(AccessToken.for_user(u)) for u in users]}}))
"""


@dataclass
class Plan:
    threads: list[int]
    rates: list[float]  # offered messages per second, over every socket
    seconds: float


FULL = Plan(threads=[0, 4, 8], rates=[100, 200, 400, 800, 1600, 2400], seconds=8.0)
QUICK = Plan(threads=[0, 4], rates=[400, 1600], seconds=4.0)


@dataclass
class Step:
    rate: float
    sent: int = 0
    answered: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    closed: int = 0

    def quantile_ms(self, q: int) -> float:
        if len(self.latencies_ms) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[q - 1]


async def run_step(sockets: list[ClientConnection], rate: float, seconds: float) -> Step:
    """Each socket sends ``rate / len(sockets)`` messages a second for ``seconds``, at
    most WINDOW unanswered; returns when every answer came or DRAIN_SECONDS after."""
    step = Step(rate=rate)
    per_socket = rate / len(sockets)
    count = max(1, round(per_socket * seconds))
    sent_at: dict[str, float] = {}
    answered = asyncio.Event()

    async def read(ws: ClientConnection, window: asyncio.Semaphore) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("action") == "message_saved":
                    client_id = frame["payload"]["message"]["client_id"]
                    step.latencies_ms.append((time.perf_counter() - sent_at[client_id]) * 1000)
                    step.answered += 1
                    window.release()
                    answered.set()
                elif frame.get("action") == "error":
                    step.errors.append(str(frame.get("payload"))[:120])
                    window.release()
                    answered.set()
        except ConnectionClosed as exc:
            step.errors.append(f"closed {exc.rcvd}")
            step.closed += 1
            answered.set()

    async def send(index: int, ws: ClientConnection, window: asyncio.Semaphore) -> None:
        start = time.perf_counter() + index / rate  # spread over the first interval
        for number in range(count):
            delay = start + number / per_socket - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)  # the pace: a rate needs a clock
            await window.acquire()
            client_id = uuid.uuid4().hex
            sent_at[client_id] = time.perf_counter()
            payload = {"content": f"saved {index}-{number}", "client_id": client_id}
            try:
                await ws.send(json.dumps({"action": "new_message", "payload": payload}))
            except ConnectionClosed:
                return
            step.sent += 1

    windows = [asyncio.Semaphore(WINDOW) for _ in sockets]
    readers = [asyncio.create_task(read(ws, w)) for ws, w in zip(sockets, windows, strict=True)]
    try:
        started = time.perf_counter()
        await asyncio.gather(*(send(i, ws, windows[i]) for i, ws in enumerate(sockets)))
        step.seconds = time.perf_counter() - started
        await drain(lambda: step.answered + len(step.errors) >= step.sent, answered, DRAIN_SECONDS)
        # Answers that came after the last send count, over the time they took.
        step.seconds = max(step.seconds, max(step.latencies_ms, default=0) / 1000)
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    return step


class ConnectionPeak:
    """The most connections to the bench database seen, sampled every 10 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
            while not self._stop.wait(0.01):
                row = conn.execute(
                    b"SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [BENCH_DB]
                ).fetchone()
                self.peak = max(self.peak, int(row[0]) if row else 0)

    def __enter__(self) -> ConnectionPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


HEADER = (
    "| threads | offered msg/s | sent | answered | saved/s | p50 ms | p99 ms | errors "
    "| closed | peak PG connections | daphne CPU ms/message |\n" + "|" + " ---: |" * 11
)


def row(threads: int, step: Step, peak: int, cpu_s: float) -> str:
    per_message = cpu_s / step.answered * 1000 if step.answered else float("nan")
    example = f" e.g. {step.errors[0]}" if step.errors else ""
    return (
        f"| {threads} | {step.rate:,.0f} | {step.sent} | {step.answered} | "
        f"{step.answered / step.seconds:,.1f} | {step.quantile_ms(50):,.1f} | "
        f"{step.quantile_ms(99):,.1f} | {len(step.errors)}{example} | {step.closed} | "
        f"{peak} | {per_message:.2f} |"
    )


async def ladder(
    worker: Worker, threads: int, chats: list[int], cookies: list[str], plan: Plan
) -> list[str]:
    sockets = list(
        await asyncio.gather(
            *(open_chat(worker, chat, cookie) for chat, cookie in zip(chats, cookies, strict=True))
        )
    )
    lines = []
    try:
        for rate in plan.rates:
            cpu = cpu_seconds(worker.process.pid)
            with ConnectionPeak() as peak:
                step = await run_step(sockets, rate, plan.seconds)
            lines.append(row(threads, step, peak.peak, cpu_seconds(worker.process.pid) - cpu))
            print(f"  {lines[-1]}", file=sys.stderr, flush=True)
            if step.closed or step.answered < step.sent:
                break
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--threads", help="comma-separated REALTIME_DATABASE_THREADS values")
    parser.add_argument("--rates", help="comma-separated offered msg/s (all sockets)")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis database to use (flushed)")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.threads:
        plan.threads = [int(n) for n in args.threads.split(",")]
    if args.rates:
        plan.rates = [float(r) for r in args.rates.split(",")]
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    env = {
        **app_environment(BENCH_DB, redis_url),
        "CHANNEL_LAYER_PREFIX": "wtsaves",
        "JWT_ACCESS_MINUTES": "600",
    }
    lines: list[str] = []
    started = time.perf_counter()
    try:
        recreate_database(BENCH_DB, create=True)
        processes.manage(env, "migrate", "--verbosity", "0")
        data = processes.manage_json(env, _FIXTURE_CODE.format(count=SOCKETS))
        cookies = [f"jwt_auth_cookie={token}" for token in data["tokens"]]
        with tempfile.TemporaryDirectory(prefix="bench-saves-") as tmp:
            for threads in plan.threads:
                flush_redis(redis_url)
                with started_workers(env, Path(tmp)) as start:
                    worker = start(f"threads-{threads}", REALTIME_DATABASE_THREADS=str(threads))
                    worker.wait_ready()
                    lines += asyncio.run(ladder(worker, threads, data["chats"], cookies, plan))
    finally:
        recreate_database(BENCH_DB, create=False)
        flush_redis(redis_url)
    print(f"\nmachine: {machine()}")
    print(
        f"plan: {'quick' if args.quick else 'full'}; {SOCKETS} sockets, each alone in its chat, "
        f"at most {WINDOW} unanswered; {plan.seconds:g} s per step; one worker, production "
        f"settings, PostgreSQL ({BENCH_DB}); {time.perf_counter() - started:.0f} s in all"
    )
    print(HEADER)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
