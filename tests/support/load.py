"""Load and abuse: concurrent REST GETs against the
PostgreSQL connection bound, and the padded-frame flood against the bounds on
work per socket. Used by ``tests/live/test_load.py`` (which fails on a broken
bound) and ``bench/flood.py`` / ``bench/rest.py`` (which print the figures).

The flood: sockets of logged-in members of one chat send valid ``new_message``
frames padded to 60 KB (60,000 spaces and one letter, the attacker's frame) as
fast as each socket takes them; a socket the server closes is opened again at
once, as an attacker would, until the flood's time is up. Meanwhile another
member's socket, in a process of its own (so that the flooding client's work
does not delay its clock), sends ``ping`` at a steady interval. Waits have
deadlines; the only sleeps pace the pings (a rate needs a clock).
"""

import asyncio
import json
import multiprocessing
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import psycopg
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.support.live import (
    FRAME_SECONDS,
    HTTP,
    PG_ADMIN_URL,
    READY_SECONDS,
    Worker,
    chat_ws_url,
    connect_socket,
    recv_json,
)
from tests.support.processes import rss_mib

REQUEST_SECONDS = 30.0
CONNECTIONS_SAMPLE_SECONDS = 0.01
RSS_SAMPLE_SECONDS = 0.02

FLOOD_CONTENT = " " * 60_000 + "x"  # strips to one letter: how the padding rode through
FLOOD_FRAME = json.dumps({"action": "new_message", "payload": {"content": FLOOD_CONTENT}})
PING_FRAME = json.dumps({"action": "ping"})
PING_INTERVAL = 0.1
TOO_MANY_REQUESTS = 429
CLOSE_TOO_MANY = 4000 + TOO_MANY_REQUESTS


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (NaN without values)."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class PeakSampler(threading.Thread):
    """Calls ``measure`` every ``interval`` seconds until stopped; keeps the peak."""

    def __init__(self, name: str, measure: Callable[[], float], interval: float) -> None:
        super().__init__(name=name, daemon=True)
        self.measure = measure
        self.interval = interval
        self.stopped = threading.Event()
        self.peak = measure()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.peak = max(self.peak, self.measure())

    def stop(self) -> float:
        """Stop sampling; return the peak, the last measure included."""
        self.stopped.set()
        self.join()
        self.peak = max(self.peak, self.measure())
        return self.peak


@contextmanager
def sampling(name: str, measure: Callable[[], float], interval: float) -> Iterator[PeakSampler]:
    sampler = PeakSampler(name, measure, interval)
    sampler.start()
    try:
        yield sampler
    finally:
        sampler.stop()


# REST


@dataclass
class GetsResult:
    requests: int
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # no HTTP answer: the exception
    latencies: list[float] = field(default_factory=list)  # seconds
    seconds: float = 0.0
    peak_connections: int = 0  # the database's, in pg_stat_activity
    final_connections: int = 0

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def other_failures(self) -> int:
        refused = sum(c for s, c in self.statuses.items() if s != 200 and s < 500)
        return refused + sum(self.failures.values())


def get(url: str, cookie: str) -> tuple[int | str, float]:
    """GET ``url`` with the Cookie header: the status (or the exception's name if
    no answer came) and the seconds it took."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - loopback
    started = time.perf_counter()
    try:
        with HTTP.open(request, timeout=REQUEST_SECONDS) as response:
            response.read()
            status: int | str = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        status = type(exc).__name__
    return status, time.perf_counter() - started


def database_connections(database: str) -> Callable[[], float]:
    """A measure: how many connections ``database`` has now (pg_stat_activity),
    read on one admin connection (to another database) kept for the purpose."""
    admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)

    def count() -> float:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [database]
        ).fetchone()
        return float(row[0]) if row else 0.0

    return count


def fire_gets(url: str, cookie: str, database: str, requests: int, concurrency: int) -> GetsResult:
    """``requests`` GETs of ``url`` from ``concurrency`` threads, while the
    database's connections are counted every 10 ms."""
    result = GetsResult(requests=requests)
    connections = database_connections(database)
    with sampling("pg_stat_activity", connections, CONNECTIONS_SAMPLE_SECONDS) as sampler:
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            answers = list(pool.map(lambda _: get(url, cookie), range(requests)))
        result.seconds = time.perf_counter() - started
    result.peak_connections = int(sampler.peak)
    result.final_connections = int(connections())
    for status, seconds in answers:
        if isinstance(status, int):
            result.statuses[status] += 1
        else:
            result.failures[status] += 1
        result.latencies.append(seconds)
    return result


# The flood


@dataclass
class Flooded:
    """One flooding connection: what it sent and what the server answered."""

    socket: int  # which of the flood's sockets (each is opened again when closed)
    sent: int = 0  # padded frames
    errors: int = 0  # ``error`` frames received
    told_429: bool = False  # ``authentication`` 429 before the close
    closed_by_server: bool = False  # False: still open when the flood's time was up
    close_code: int | None = None  # the server's close frame's, if one came

    @property
    def answered(self) -> bool:
        """The bound worked: error frames, then the close 4429 with its reason."""
        return self.errors > 0 and self.told_429 and self.close_code == CLOSE_TOO_MANY

    def describe(self) -> str:
        ended = (
            f"closed by the server, code {self.close_code}"
            if self.closed_by_server
            else ("still open when the flood ended")
        )
        return (
            f"sent {self.sent} frames, got {self.errors} error frames, "
            f"authentication 429: {self.told_429}, {ended}"
        )


@dataclass
class PingReport:
    connected: bool = False
    round_trips_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass
class FloodResult:
    sockets: int
    seconds: float
    connections: list[Flooded] = field(default_factory=list)
    refused_at_connect: int = 0  # the per-user socket cap answered 429
    connect_failures: Counter[str] = field(default_factory=Counter)
    pings: PingReport = field(default_factory=PingReport)
    rss_before_mib: float = 0.0
    rss_end_mib: float = 0.0  # when the last flooding client has left

    @property
    def answered(self) -> int:
        """Connections answered as the bound answers: error frames, then 4429."""
        return sum(1 for c in self.connections if c.answered)

    @property
    def unanswered(self) -> list[Flooded]:
        """Connections the server closed without that answer: none, if the bound works."""
        return [c for c in self.connections if c.closed_by_server and not c.answered]

    @property
    def still_open(self) -> int:
        """Connections the server had not closed when the flood's time was up."""
        return sum(1 for c in self.connections if not c.closed_by_server)

    @property
    def frames_sent(self) -> int:
        return sum(c.sent for c in self.connections)


async def _flood_one(ws: ClientConnection, socket: int, deadline: float) -> Flooded:
    flooded = Flooded(socket)

    async def read() -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("action") == "error":
                    flooded.errors += 1
                elif frame.get("action") == "authentication":
                    flooded.told_429 = frame["payload"]["status_code"] == TOO_MANY_REQUESTS
        except ConnectionClosed:
            pass  # the close code is read below

    reader = asyncio.create_task(read())
    try:
        async with asyncio.timeout(deadline - time.perf_counter()):
            while True:
                await ws.send(FLOOD_FRAME)
                flooded.sent += 1
    except ConnectionClosed as exc:
        flooded.closed_by_server = True
        flooded.close_code = exc.rcvd.code if exc.rcvd else None
    except TimeoutError:
        await ws.close()
    await reader
    return flooded


async def _flooder(
    socket: int, url: str, cookie: str, deadline: float, result: FloodResult
) -> None:
    """One flooding socket, opened again whenever the server closes it."""
    while time.perf_counter() < deadline:
        try:
            ws, first = await connect_socket(url, cookie)
        except (OSError, InvalidHandshake, TimeoutError, ConnectionClosed) as exc:
            # No answer to the handshake, or closed before the authentication frame.
            result.connect_failures[f"{type(exc).__name__}: {exc}"[:120]] += 1
            continue
        if first.get("payload", {}).get("status_code") != 200:
            # Refused at connect (the per-user cap: authentication 429, close 4429).
            result.refused_at_connect += 1
            await ws.close()
            continue
        result.connections.append(await _flood_one(ws, socket, deadline))


def ping_process(conn: Connection, url: str, cookie: str) -> None:
    """The other member's socket, in a process of its own (``run_flood``): tells
    ``conn`` "connected", pings every PING_INTERVAL until told to stop, then sends
    its PingReport."""
    conn.send(asyncio.run(_ping_until_told(conn, url, cookie)))


async def _ping_until_told(conn: Connection, url: str, cookie: str) -> PingReport:
    report = PingReport()
    ws, first = await connect_socket(url, cookie)
    if first.get("payload", {}).get("status_code") != 200:
        report.failures.append(f"not admitted: {first}")
        conn.send("refused")
        return report
    report.connected = True
    conn.send("connected")
    next_ping = time.perf_counter()
    try:
        while not conn.poll():
            sent = time.perf_counter()
            await ws.send(PING_FRAME)
            while (await recv_json(ws, FRAME_SECONDS)).get("action") != "pong":
                pass  # a relayed member_message, say
            report.round_trips_ms.append((time.perf_counter() - sent) * 1000)
            next_ping += PING_INTERVAL
            await asyncio.sleep(max(0.0, next_ping - time.perf_counter()))
    except (ConnectionClosed, TimeoutError) as exc:
        report.failures.append(f"ping {len(report.round_trips_ms) + 1}: {exc!r}")
    finally:
        await ws.close()
    return report


async def _answer(conn: Connection, awaited: str) -> object:
    """The next thing the ping process sends, within READY_SECONDS."""
    if not await asyncio.to_thread(conn.poll, READY_SECONDS):
        raise TimeoutError(f"the ping process sent no {awaited} within {READY_SECONDS:g}s")
    return conn.recv()


async def run_flood(
    worker: Worker,
    chat_pk: int,
    flood_cookies: list[str],
    ping_cookie: str,
    seconds: float,
    daphne_pid: int,
) -> FloodResult:
    """Flood ``worker``'s chat from one socket per cookie in ``flood_cookies`` for
    ``seconds`` while ``ping_cookie``'s socket pings; returns once every flooding
    client has left. The daphne process's RSS: before, and when the clients have
    left (its peak is the caller's to sample: it may go on after)."""
    url = chat_ws_url(worker, chat_pk)
    result = FloodResult(sockets=len(flood_cookies), seconds=seconds)
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    pinger = multiprocessing.get_context("spawn").Process(
        target=ping_process, args=(theirs, url, ping_cookie), name="pinger", daemon=True
    )
    pinger.start()
    try:
        if await _answer(ours, "connected") != "connected":
            result.pings = await _answer(ours, "report")  # type: ignore[assignment]
            return result
        result.rss_before_mib = rss_mib(daphne_pid)
        deadline = time.perf_counter() + seconds
        await asyncio.gather(
            *(_flooder(i, url, c, deadline, result) for i, c in enumerate(flood_cookies))
        )
        result.rss_end_mib = rss_mib(daphne_pid)
        ours.send("stop")
        report = await _answer(ours, "report")
        assert isinstance(report, PingReport), report
        result.pings = report
    finally:
        pinger.join(READY_SECONDS)
        if pinger.is_alive():
            pinger.kill()
        ours.close()
    return result


def sampling_rss(daphne_pid: int) -> AbstractContextManager[PeakSampler]:
    """The daphne process's RSS (MiB), sampled until the block ends; its ``peak``."""
    return sampling("daphne RSS", lambda: rss_mib(daphne_pid), RSS_SAMPLE_SECONDS)


# REST traffic that keeps going while something breaks


@dataclass
class RestTraffic:
    """What ``rest_traffic`` sent and how each was answered: statuses (or the name of
    the exception when no answer came), per request kind."""

    answers: dict[str, Counter[int | str]] = field(default_factory=dict)
    count: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)

    def record(self, kind: str, status: int | str) -> None:
        with self.changed:
            self.answers.setdefault(kind, Counter())[status] += 1
            self.count += 1
            self.changed.notify_all()

    def wait_for(self, count: int, seconds: float) -> bool:
        """Block until ``count`` answers in all (or ``seconds``); whether they came."""
        with self.changed:
            return self.changed.wait_for(lambda: self.count >= count, seconds)

    def server_errors(self) -> dict[str, int]:
        """Per kind, how many were answered 5xx or not at all."""
        return {
            kind: sum(
                n for status, n in statuses.items() if not isinstance(status, int) or status >= 500
            )
            for kind, statuses in self.answers.items()
        }


def request(
    url: str, cookie: str, *, method: str = "GET", body: object = None, csrf: str | None = None
) -> int | str:
    """One request with the Cookie header (and the CSRF header and cookie for a write):
    the status, or the exception's name when no answer came."""
    headers = {"Cookie": cookie, "Content-Type": "application/json"}
    if csrf is not None:
        headers["X-CSRFToken"] = csrf
        headers["Cookie"] = f"{cookie}; csrftoken={csrf}"
    data = None if body is None else json.dumps(body).encode()
    call = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with HTTP.open(call, timeout=REQUEST_SECONDS) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError as exc:
        return type(exc).__name__


@contextmanager
def rest_traffic(calls: list[dict[str, Callable[[], int | str]]]) -> Iterator[RestTraffic]:
    """One thread per entry of ``calls``, each making its calls in turn, one after
    another, until the block ends; every answer recorded."""
    traffic = RestTraffic()
    stop = threading.Event()

    def run(mine: dict[str, Callable[[], int | str]]) -> None:
        while not stop.is_set():
            for kind, call in mine.items():
                traffic.record(kind, call())

    threads = [
        threading.Thread(target=run, args=(mine,), name=f"rest-{n}", daemon=True)
        for n, mine in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    try:
        yield traffic
    finally:
        stop.set()
        for thread in threads:
            thread.join(REQUEST_SECONDS * len(calls[0]))
