"""A fan-out load generator that costs less per delivery than the servers it drives.

The sockets are shared out over several client processes (``processes``), each one
event loop; each socket is an ``asyncio.Protocol`` driving the ``websockets`` library's
sans-I/O ``ClientProtocol`` (its handshake and frame parser, with none of the per-frame
tasks, queues and futures of its asyncio connection). A frame is never JSON-decoded:
a ``member_message`` is recognised, and its ``content`` found, by a byte search. The
content carries the sender's send time (``time.monotonic_ns()``, one clock for every
process on the machine), so each receipt's latency is computed where it arrives.

``Fleet`` opens the sockets once and runs one ``Step`` after another on them: the
first ``senders`` sockets each send ``rate`` messages a second for ``seconds``; every
socket reads; a step ends when every socket has every message, or ``drain_seconds``
after the last send. ``cpus`` pins the client processes to those CPUs (the servers
can be pinned elsewhere with ``pin``), so client and server do not share a core.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import re
import statistics
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Origin
from websockets.uri import parse_uri

from tests.support.processes import raise_open_files_limit

OPEN_SECONDS = 120.0  # every socket of a process open and authenticated within this
OPENING_AT_ONCE = 25  # handshakes in flight per client process (none past daphne's timeout)
OPEN_ATTEMPTS = 5  # tries per socket before opening fails
REPLY_SECONDS = 300.0  # a step's answer from every client process within this
# Found by a byte search, compact JSON or not (the floor's json.dumps puts spaces in).
MEMBER_MESSAGE = b'"member_message"'
CONTENT = re.compile(rb'"content": ?"([^"]*)"')
ERROR = b'"error"'
AUTHENTICATED = re.compile(rb'"status_code": ?200')


def pin(pid: int, cpus: set[int]) -> None:
    """Pin every thread of ``pid`` (and of its child processes) to ``cpus``."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(int(task.name), cpus)
        children = task / "children"
        for child in children.read_text().split() if children.exists() else ():
            pin(int(child), cpus)


@dataclass(frozen=True)
class Socket:
    """One member's socket: where it connects, and as whom."""

    port: int
    path: str
    cookie: str = ""
    origin: str = ""


@dataclass(frozen=True)
class Step:
    tag: str
    senders: int
    rate: float  # messages a second per sender
    seconds: float
    drain_seconds: float = 10.0

    @property
    def per_sender(self) -> int:
        return max(1, round(self.rate * self.seconds))


@dataclass
class StepResult:
    """What every client process saw in one step, merged."""

    members: int
    sent: int
    receipts: Counter[str]  # message -> how many sockets received it
    latencies_ms: list[float] = field(repr=False)
    send_seconds: float = 0.0
    client_cpu_s: float = 0.0
    closed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return sum(self.receipts.values())

    @property
    def missed_messages(self) -> int:
        return self.sent - sum(1 for count in self.receipts.values() if count >= self.members)

    @property
    def ratio(self) -> float:
        expected = self.sent * self.members
        return self.delivered / expected if expected else float("nan")

    @property
    def complete(self) -> bool:
        return self.missed_messages == 0 and not self.closed and not self.errors

    def quantile_ms(self, q: int) -> float:
        if len(self.latencies_ms) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[q - 1]


class LeanSocket(asyncio.Protocol):
    """One WebSocket client connection, parsed by ``websockets``' sans-I/O protocol."""

    def __init__(self, socket: Socket, reader: Reader) -> None:
        self.protocol = ClientProtocol(
            parse_uri(f"ws://127.0.0.1:{socket.port}{socket.path}"),
            origin=Origin(socket.origin) if socket.origin else None,
            max_size=None,
        )
        self.cookie = socket.cookie
        self.reader = reader
        self.transport: asyncio.Transport | None = None
        self.authenticated: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = False
        self.why = ""  # why the server's side ended, once it has

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        request = self.protocol.connect()
        if self.cookie:
            request.headers["Cookie"] = self.cookie
        self.protocol.send_request(request)
        self.flush()

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:
                    self.text(bytes(event.data))
                elif event.opcode is Opcode.CLOSE:
                    self.lost(f"closed {self.protocol.close_rcvd}")
            elif isinstance(event, Response) and self.protocol.handshake_exc is not None:
                self.lost(f"handshake refused: {self.protocol.handshake_exc!r}")
        self.flush()

    def text(self, data: bytes) -> None:
        if not self.authenticated.done():
            if AUTHENTICATED.search(data):
                self.authenticated.set_result(None)
            else:
                self.lost(f"not authenticated: {data[:200]!r}")
        elif MEMBER_MESSAGE in data:
            content = CONTENT.search(data)
            if content is not None:
                self.reader.received(content[1])
        elif ERROR in data:
            self.reader.errors.append(data[:200].decode(errors="replace"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost(f"connection lost: {exc!r}")

    def lost(self, why: str) -> None:
        if self.closed:
            return
        self.closed, self.why = True, why
        if not self.authenticated.done():
            self.authenticated.set_exception(ConnectionError(why))
        self.reader.progress.set()

    def flush(self) -> None:
        assert self.transport is not None
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()

    def send(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self.flush()

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()


class Reader:
    """What one client process's sockets receive in a step: receipts per message, and
    each receipt's latency (kept in nanoseconds, converted once at the end)."""

    def __init__(self) -> None:
        self.receipts: Counter[bytes] = Counter()
        self.latencies_ns: list[int] = []
        self.errors: list[str] = []
        self.tag = b""
        self.count = 0
        self.progress = asyncio.Event()

    def start(self, tag: str) -> None:
        self.receipts, self.latencies_ns, self.errors = Counter(), [], []
        self.tag, self.count = tag.encode() + b" ", 0

    def received(self, content: bytes) -> None:
        if not content.startswith(self.tag):
            return
        message, _, sent_ns = content.rpartition(b" ")
        self.latencies_ns.append(time.monotonic_ns() - int(sent_ns))
        self.receipts[message] += 1
        self.count += 1
        self.progress.set()


async def send_paced(socket: LeanSocket, sender: int, step: Step, start: float) -> None:
    """``step.per_sender`` messages at ``step.rate``, senders spread over the first
    interval; each content carries its send time."""
    offset = sender / (step.senders * step.rate)
    for number in range(step.per_sender):
        delay = start + offset + number / step.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if socket.closed:
            return
        content = f"{step.tag} {sender}-{number} {time.monotonic_ns()}"
        socket.send(json.dumps({"action": "new_message", "payload": {"content": content}}))


async def run_step(
    sockets: list[LeanSocket], senders: dict[int, LeanSocket], reader: Reader, step: Step
) -> dict[str, Any]:
    reader.start(step.tag)
    cpu = time.process_time()
    start = time.monotonic() + 0.05
    await asyncio.gather(*(send_paced(ws, n, step, start) for n, ws in senders.items()))
    send_seconds = time.monotonic() - start
    expected = len(sockets) * step.senders * step.per_sender
    deadline = time.monotonic() + step.drain_seconds
    while reader.count < expected and not all(ws.closed for ws in sockets):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        reader.progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader.progress.wait(), remaining)
    return {
        "receipts": {message.decode(): count for message, count in reader.receipts.items()},
        "latencies_ms": [ns / 1e6 for ns in reader.latencies_ns],
        "send_seconds": send_seconds,
        "cpu_s": time.process_time() - cpu,
        "closed": [ws.why for ws in sockets if ws.why],
        "errors": reader.errors,
    }


async def client_main(
    conn: Connection, sockets: list[tuple[int, Socket]], senders: dict[int, int], seconds: float
) -> None:
    """One client process: open ``sockets`` (numbered overall), answer ``ready``, then
    run each step it is sent until told to stop."""
    loop = asyncio.get_running_loop()
    reader = Reader()
    opened: list[LeanSocket] = []
    reopened: list[str] = []
    slots = asyncio.Semaphore(OPENING_AT_ONCE)

    async def open_one(socket: Socket) -> LeanSocket:
        """Open ``socket``; one the server drops before it is authenticated (daphne's
        handshake timeout on a busy worker) is opened again, as a page reconnects."""
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            async with slots:
                _, lean = await loop.create_connection(
                    lambda: LeanSocket(socket, reader), "127.0.0.1", socket.port
                )
                opened.append(lean)
                try:
                    await lean.authenticated
                except ConnectionError:
                    if attempt == OPEN_ATTEMPTS:
                        raise
                    reopened.append(lean.why)
                    continue
            return lean
        raise AssertionError("unreachable: the last attempt returns or raises")

    try:
        async with asyncio.timeout(seconds):
            results = await asyncio.gather(
                *(open_one(socket) for _, socket in sockets), return_exceptions=True
            )
    except TimeoutError:
        results = [TimeoutError(f"not open within {seconds:g} s")]
    failures = [repr(result) for result in results if isinstance(result, BaseException)]
    if failures:
        conn.send(("failed", f"{len(failures)} of {len(sockets)}, e.g. {failures[0][:200]}"))
        for lean in opened:
            lean.close()
        return
    leans = [result for result in results if isinstance(result, LeanSocket)]
    conn.send(("ready", len(reopened)))
    by_number = {number: lean for (number, _), lean in zip(sockets, leans, strict=True)}
    sending = {sender: by_number[number] for number, sender in senders.items()}
    incoming: asyncio.Queue[Any] = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: incoming.put_nowait(conn.recv()))
    try:
        while (command := await incoming.get()) is not None:
            conn.send(await run_step(leans, sending, reader, command))
    finally:
        loop.remove_reader(conn.fileno())
        for lean in leans:
            lean.close()


def client_process(
    conn: Connection,
    sockets: list[tuple[int, Socket]],
    senders: dict[int, int],
    cpus: set[int],
    seconds: float,
) -> None:
    raise_open_files_limit()
    if cpus:
        os.sched_setaffinity(0, cpus)
    asyncio.run(client_main(conn, sockets, senders, seconds))


class Fleet:
    """``sockets`` opened by ``processes`` client processes (within ``open_seconds``);
    the first ``senders`` of them send. Use as a context manager: the processes end on
    exit."""

    def __init__(
        self,
        sockets: Sequence[Socket],
        senders: int,
        processes: int,
        cpus: set[int],
        open_seconds: float = OPEN_SECONDS,
    ) -> None:
        self.open_seconds = open_seconds
        self.reopened = 0  # sockets opened again after the server dropped them
        self.members = len(sockets)
        self.senders = senders
        context = multiprocessing.get_context("fork")
        self.conns: list[Connection] = []
        self.workers: list[multiprocessing.process.BaseProcess] = []
        for index in range(processes):
            mine = [(n, s) for n, s in enumerate(sockets) if n % processes == index]
            sending = {n: n for n, _ in mine if n < senders}
            parent, child = context.Pipe()
            worker = context.Process(
                target=client_process,
                args=(child, mine, sending, cpus, open_seconds),
                daemon=True,
            )
            worker.start()
            child.close()
            self.conns.append(parent)
            self.workers.append(worker)

    def __enter__(self) -> Fleet:
        try:
            answers = list(self.answers())
            failures = [answer for answer in answers if answer[0] != "ready"]
            self.reopened = sum(answer[1] for answer in answers if answer[0] == "ready")
        except BaseException:
            self.__exit__()
            raise
        if failures:
            self.__exit__()
            raise RuntimeError(f"{len(failures)} client processes failed to open: {failures[0]}")
        return self

    def __exit__(self, *exc: object) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(None)
        for worker in self.workers:
            worker.join(5)
            if worker.is_alive():
                worker.kill()
                worker.join()

    def answers(self) -> Iterator[Any]:
        for conn in self.conns:
            if not conn.poll(max(self.open_seconds, REPLY_SECONDS)):
                raise TimeoutError("a client process did not answer in time")
            yield conn.recv()

    def run(self, step: Step) -> StepResult:
        for conn in self.conns:
            conn.send(step)
        result = StepResult(self.members, self.senders * step.per_sender, Counter(), [])
        for answer in self.answers():
            result.receipts.update(answer["receipts"])
            result.latencies_ms += answer["latencies_ms"]
            result.send_seconds = max(result.send_seconds, answer["send_seconds"])
            result.client_cpu_s += answer["cpu_s"]
            result.closed += len(answer["closed"])
            result.errors += answer["closed"][:3] + answer["errors"][:3]
        return result
