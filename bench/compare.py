"""Fan-out side by side: the ceiling, the plain-Channels floor and the project, one run.

Each target is started in turn and driven by the same lean client (``bench/loadgen.py``:
several processes, no JSON decoding) with the same 110 sockets (100 readers, 10
senders), the same messages and the same ladder of rates per sender, each socket
connecting straight to the server (no proxy):

- ``ceiling``: ``bench/ceiling.py``, one process writing each message to every socket
  with ``websockets.broadcast()``: the WebSocket work alone;
- ``floor``: ``bench/floor.py``'s plain ``AsyncJsonWebsocketConsumer`` under daphne on
  the project's channel layer: what any Channels app pays (a layer message and a
  receive per socket, daphne's framing);
- ``project x1`` / ``project x2``: one and two workers as ``bin/entrypoint`` starts
  them, with ``bench.settings`` (production settings with the per-socket rate limit
  and the sockets-per-user cap raised out of the way: the ladder goes past 10 msg/s
  per sender), every message authenticated, validated and saved to PostgreSQL first;
- ``project x1 uvicorn <ws>`` (only when asked, ``uvicorn_ws``): the same application on
  one uvicorn process with that WebSocket implementation instead of daphne.

A step passes when every message reaches every socket, no socket is closed and the
p99 from send to receipt is under 200 ms; the ladder stops at the first step that
fails, and the last one passed is the target's sustained deliveries/s. Beside it: the
server's and the client's CPU per delivery (/proc and ``process_time``) at that step,
and the deliveries one CPU-second of the server makes (a figure that does not depend
on how busy the machine was). With ``split`` the servers run on CPU 0 and the client
on CPU 1 (two workers need both CPUs, so ``project x2`` is never pinned).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench.loadgen import Fleet, Socket, Step, StepResult, pin
from bench.server import cpu_seconds, flushed, start_daphne
from tests.support import processes
from tests.support.live import SERVER_URL, started_workers
from tests.support.processes import free_port

SENDERS = 10
P99_LIMIT_MS = 200.0
SERVER_CPU = {0}
CLIENT_CPU = {1}


@dataclass
class Ladder:
    rates: list[float]
    seconds: float
    processes: int  # client processes
    split: bool


@dataclass
class Served:
    """A running target: the server processes, and each member's socket."""

    pids: list[int]
    sockets: list[Socket]


@dataclass
class Outcome:
    name: str
    servers: int
    passed: tuple[float, StepResult, float] | None = None  # rate, result, server CPU s
    # The first step (the same offered load for every target), passed or not, and the
    # server's CPU seconds in it: the CPU per delivery compared between targets.
    first: tuple[StepResult, float] | None = None
    failed: str = ""
    load: str = ""  # the machine's 1-minute load average before and after

    @property
    def sustained(self) -> float:
        if self.passed is None:
            return 0.0
        _, result, _ = self.passed
        return result.delivered / result.send_seconds

    @property
    def per_cpu_second(self) -> float:
        """Deliveries per second of the server's CPU, at the first step."""
        server_us = self.per_delivery_us()
        return 1e6 / server_us if server_us else float("nan")

    def per_delivery_us(self, client: bool = False) -> float:
        """The server's (or the client's) CPU per delivery at the first step."""
        if self.first is None or not self.first[0].delivered:
            return float("nan")
        result, server_cpu = self.first
        return (result.client_cpu_s if client else server_cpu) / result.delivered * 1e6


Target = Callable[[], AbstractContextManager[Served]]


def passes(result: StepResult) -> bool:
    return result.complete and result.quantile_ms(99) < P99_LIMIT_MS


def climb(name: str, target: Target, servers: int, ladder: Ladder, members: int) -> Outcome:
    """The ladder on ``target``, up to the first step that fails."""
    outcome = Outcome(name, servers)
    before = os.getloadavg()[0]
    try:
        with target() as served:
            pinned = ladder.split and servers == 1
            for pid in served.pids if pinned else ():
                pin(pid, SERVER_CPU)
            cpus = CLIENT_CPU if pinned else set()
            with Fleet(served.sockets[:members], SENDERS, ladder.processes, cpus) as fleet:
                # Not counted: the first messages of a fresh process pay its warm-up.
                fleet.run(Step(f"{name.replace(' ', '')}warm", SENDERS, ladder.rates[0], 1.0))
                for rate in ladder.rates:
                    step = Step(f"{name.replace(' ', '')}r{rate:g}", SENDERS, rate, ladder.seconds)
                    cpu = sum(cpu_seconds(pid) for pid in served.pids)
                    result = fleet.run(step)
                    cpu = sum(cpu_seconds(pid) for pid in served.pids) - cpu
                    if outcome.first is None:
                        outcome.first = (result, cpu)
                    cpu_us = cpu / max(1, result.delivered) * 1e6
                    print(
                        f"  {name} {rate:g} msg/s: {describe(result)}, server CPU "
                        f"{cpu_us:.1f} us/delivery, load {os.getloadavg()[0]:.2f}",
                        file=sys.stderr,
                    )
                    if not passes(result):
                        outcome.failed = f"{rate:g} msg/s per sender: {describe(result)}"
                        break
                    outcome.passed = (rate, result, cpu)
    except Exception as exc:  # reported in the table; the run goes on
        outcome.failed = f"FAILED {exc!r}"[:300]
    outcome.load = f"{before:.2f} -> {os.getloadavg()[0]:.2f}"
    return outcome


def describe(result: StepResult) -> str:
    errors = f", {len(result.errors)} errors e.g. {result.errors[0][:80]}" if result.errors else ""
    return (
        f"{result.delivered / result.send_seconds:,.0f}/s, {result.ratio * 100:.2f}% "
        f"delivered, p99 {result.quantile_ms(99):.0f} ms, {result.closed} closed{errors}"
    )


@contextmanager
def serving(
    name: str,
    command: Callable[[int], list[str]],
    log_path: Path,
    ready: str,
    ready_seconds: float,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[int, int]]:
    """A server started from the project's root in a session of its own, on a free port
    (``command`` is given it): its pid and port once its log shows ``ready``; stopped with
    its children on leaving."""
    port = free_port()
    watch = processes.start(
        f"{name} on :{port}",
        command(port),
        log_path,
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        start_new_session=True,
    )
    try:
        watch.wait_for(ready, ready_seconds)
        yield watch.pid, port
    finally:
        watch.stop(group=True)


@contextmanager
def ceiling(members: int, workdir: Path) -> Iterator[Served]:
    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "bench.ceiling", "--port", str(port)]

    log_path = workdir / "ceiling.log"
    with serving("ceiling", command, log_path, r"listening on \d+", 30) as (pid, port):
        yield Served([pid], [Socket(port, "/")] * members)


@contextmanager
def floor(env: dict[str, str], members: int, workdir: Path) -> Iterator[Served]:
    with flushed(env["REDIS_URL"]):
        watch, port = start_daphne("bench.floor:application", env, workdir / "floor.log")
        try:
            yield Served([watch.pid], [Socket(port, "/ws/floor/")] * members)
        finally:
            watch.stop(group=True)


@contextmanager
def uvicorn(
    env: dict[str, str], chat: tuple[int, list[str]], ws: str, workdir: Path
) -> Iterator[Served]:
    """The project on one uvicorn process (its ``ws`` implementation) instead of daphne,
    the database already migrated."""
    chat_pk, cookies = chat

    def command(port: int) -> list[str]:
        return [
            *(sys.executable, "-m", "uvicorn", "config.asgi:application"),
            *("--host", "127.0.0.1", "--port", str(port), "--ws", ws),
            *("--lifespan", "off", "--no-access-log"),
        ]

    log_path, ready = workdir / f"uvicorn-{ws}.log", r"Uvicorn running on"
    with (
        serving(f"uvicorn --ws {ws}", command, log_path, ready, 60, env) as (pid, port),
        flushed(env["REDIS_URL"]),
    ):
        path = f"/ws/chat/{chat_pk}/"
        yield Served([pid], [Socket(port, path, c, SERVER_URL) for c in cookies])


@contextmanager
def project(
    env: dict[str, str], chat: tuple[int, list[str]], workers: int, workdir: Path
) -> Iterator[Served]:
    chat_pk, cookies = chat
    with flushed(env["REDIS_URL"]), started_workers(env, workdir) as start:
        started = [start(f"compare-x{workers}-{n}") for n in range(1, workers + 1)]
        for worker in started:
            worker.wait_ready()
        sockets = [
            Socket(started[n % workers].port, f"/ws/chat/{chat_pk}/", cookie, SERVER_URL)
            for n, cookie in enumerate(cookies)
        ]
        yield Served([worker.process.pid for worker in started], sockets)


def side_by_side(
    base_env: dict[str, str],
    chat: tuple[int, list[str]],
    ladder: Ladder,
    workdir: Path,
    uvicorn_ws: Sequence[str] = (),
) -> str:
    members = len(chat[1])
    bench_env = {**base_env, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    targets: list[tuple[str, Target, int]] = [
        ("ceiling", lambda: ceiling(members, workdir), 1),
        ("floor", lambda: floor(bench_env, members, workdir), 1),
        ("project x1", lambda: project(bench_env, chat, 1, workdir), 1),
        ("project x2", lambda: project(bench_env, chat, 2, workdir), 2),
    ]
    targets += [
        (f"project x1 uvicorn {ws}", partial(uvicorn, bench_env, chat, ws, workdir), 1)
        for ws in uvicorn_ws
    ]
    outcomes = [climb(name, target, servers, ladder, members) for name, target, servers in targets]
    return table(outcomes, ladder, members)


def table(outcomes: list[Outcome], ladder: Ladder, members: int) -> str:
    by_name = {outcome.name: outcome for outcome in outcomes}
    ceiling, floor = by_name["ceiling"], by_name["floor"]
    one_worker = by_name["project x1"].sustained
    lines = [
        f"side by side: {members} sockets ({SENDERS} senders), one step per rate "
        f"{ladder.rates} msg/s per sender, {ladder.seconds:g} s each; "
        f"{ladder.processes} client processes; "
        + ("servers on CPU 0, client on CPU 1 (x2 unpinned)" if ladder.split else "unpinned"),
        "| target | sustained deliveries/s | / floor | / ceiling | at msg/s per sender "
        "| p99 ms | first step: server CPU us/delivery | client CPU us/delivery "
        "| deliveries per server CPU-s | / floor | / ceiling | load average "
        "| first failing step |",
        "|" + " --- |" + " ---: |" * 10 + " --- | --- |",
    ]
    for outcome in outcomes:
        rate, p99 = ("-", float("nan"))
        if outcome.passed is not None:
            rate, p99 = f"{outcome.passed[0]:g}", outcome.passed[1].quantile_ms(99)
        lines.append(
            f"| {outcome.name} | {outcome.sustained:,.0f} "
            f"| {ratio(outcome.sustained, floor.sustained)} "
            f"| {ratio(outcome.sustained, ceiling.sustained)} | {rate} | {p99:.0f} "
            f"| {outcome.per_delivery_us():.1f} | {outcome.per_delivery_us(client=True):.1f} "
            f"| {outcome.per_cpu_second:,.0f} "
            f"| {ratio(outcome.per_cpu_second, floor.per_cpu_second)} "
            f"| {ratio(outcome.per_cpu_second, ceiling.per_cpu_second)} | {outcome.load} "
            f"| {outcome.failed or 'none'} |"
        )
    lines.append(
        f"sustained: project x1 / floor {ratio(one_worker, floor.sustained)}, "
        f"project x1 / ceiling {ratio(one_worker, ceiling.sustained)}, "
        f"project x2 / project x1 {ratio(by_name['project x2'].sustained, one_worker)}"
    )
    return "\n".join(lines)


def ratio(mine: float, theirs: float) -> str:
    if not theirs or math.isnan(theirs) or math.isnan(mine):
        return "n/a"
    return f"{mine / theirs:.2f}x"
