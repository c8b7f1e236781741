"""Benchmark: what one delivery of each kind of chat frame costs: a new message
(``member_message``) beside a reaction (``reaction_changed``).

    .venv/bin/python -m bench.frames              # 3 rounds of each, 100 frames a round
    .venv/bin/python -m bench.frames --rounds 1 --frames 50

One worker as the container runs it (``bin/entrypoint``, production settings) on
PostgreSQL ``BENCH_FRAMES_DB`` (``wtframes``; created fresh, dropped at the end) and Redis
``BENCH_FRAMES_REDIS`` (redis://127.0.0.1:6379/0; flushed before and after). 101 members
of one chat, each with a socket; one of them, the actor, sends 5 frames a second (half the
production rate limit) of one kind for a round, then of the other, alternately: messages
(``new_message``, 60 characters), or reactions (``react`` on one message, putting each
emoji on and taking it off in turn, so that every frame changes something and is
announced). Every member reads everything.

Per kind, over its rounds: the frame's size as a member receives it, the deliveries
(frames x members; anything missing is counted), p50/p99 from the actor's send to each
member's receipt (the write included: the message's save, the reaction's insert or
delete and count) and the worker's CPU per delivery (/proc; the write's share spread over
the members). It asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # `python bench/frames.py` puts bench/, not the root, first
    sys.path.insert(0, str(PROJECT_DIR))

from websockets.asyncio.client import ClientConnection  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

from bench.server import cpu_seconds, flushed, machine  # noqa: E402
from tests.support import processes  # noqa: E402
from tests.support.fanout import connect_members, create_fanout_chat  # noqa: E402
from tests.support.live import (  # noqa: E402
    Worker,
    app_environment,
    recreate_database,
    started_workers,
)

BENCH_DB = os.environ.get("BENCH_FRAMES_DB", "wtframes")
BENCH_REDIS = os.environ.get("BENCH_FRAMES_REDIS", "redis://127.0.0.1:6379/0")
MEMBERS = 101  # by default
# Frames a second from the actor: half production's limit per socket, so that a busy
# machine's slower handling never has more than the 8 allowed waiting.
RATE = 5.0
DRAIN_SECONDS = 10.0
KINDS = {"member_message": "new_message", "reaction_changed": "react"}


@dataclass
class Tally:
    """One kind's figures over its rounds."""

    frames: int = 0
    deliveries: int = 0
    cpu_seconds: float = 0.0
    sizes: list[int] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    def line(self, kind: str, members: int) -> str:
        quantiles = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return (
            f"| `{kind}` | {statistics.median(self.sizes):.0f} | {self.frames} | "
            f"{self.deliveries:,} of {self.frames * members:,} | {quantiles[49]:.1f} | "
            f"{quantiles[98]:.1f} | {self.cpu_seconds / self.deliveries * 1e6:.0f} |"
        )


# The reactions, asked of the app (importing its models here would need its settings).
EMOJI_CODE = "import json; from chat.models import REACTION_EMOJI as E; print(json.dumps(E))"


def frame(kind: str, number: int, message_id: int, emoji: list[str]) -> str:
    """The actor's ``number``-th frame of ``kind``: each one changes something."""
    if kind == "member_message":
        content = f"frame {number:05d} " + "x" * 49
        return json.dumps({"action": "new_message", "payload": {"content": content}})
    on = emoji[(number // 2) % len(emoji)]
    payload = {"id": message_id, "emoji": on, "reacted": number % 2 == 0}
    return json.dumps({"action": "react", "payload": payload})


async def round_of(
    kind: str,
    sockets: list[ClientConnection],
    frames: int,
    message_id: int,
    emoji: list[str],
    tally: Tally,
) -> None:
    """The actor (the first socket) sends ``frames`` frames of ``kind`` at RATE; every
    socket reads them until it has them all, or DRAIN_SECONDS after the last send."""
    sent_at: list[float] = []
    received = [0] * len(sockets)
    closes: list[str] = []

    async def read(index: int, ws: ClientConnection) -> None:
        while received[index] < frames:
            try:
                received_frame = await ws.recv()
            except ConnectionClosed as closed:
                closes.append(f"member {index}: {closed}")
                return
            raw = received_frame if isinstance(received_frame, str) else received_frame.decode()
            if f'"action":"{kind}"' not in raw[:40]:
                continue  # the other kind's last frames, or a pong
            now = time.perf_counter()
            tally.sizes.append(len(raw.encode()))
            tally.latencies_ms.append((now - sent_at[received[index]]) * 1000)
            received[index] += 1

    async def send() -> None:
        start = time.perf_counter()
        for number in range(frames):
            await asyncio.sleep(max(0.0, start + number / RATE - time.perf_counter()))
            sent_at.append(time.perf_counter())
            await sockets[0].send(frame(kind, number, message_id, emoji))

    readers = [asyncio.create_task(read(n, ws)) for n, ws in enumerate(sockets)]
    await send()
    await asyncio.wait(readers, timeout=DRAIN_SECONDS)
    for reader in readers:
        reader.cancel()
    if closes:
        raise SystemExit(f"sockets closed during a round of {kind}: {closes[:3]}")
    tally.frames += frames
    tally.deliveries += sum(received)


async def measure(
    worker: Worker, chat: tuple[int, list[str]], emoji: list[str], args: argparse.Namespace
) -> str:
    chat_pk, cookies = chat
    pid = worker.process.pid
    sockets = await connect_members(worker, chat_pk, cookies)
    try:
        # The message every reaction goes on: the actor's first, read by everyone.
        await sockets[0].send(json.dumps({"action": "new_message", "payload": {"content": "go"}}))
        firsts = [json.loads(await ws.recv()) for ws in sockets]
        message_id = firsts[0]["payload"]["id"]
        tallies = {kind: Tally() for kind in KINDS}
        for _ in range(args.rounds):
            for kind, tally in tallies.items():
                cpu = cpu_seconds(pid)
                await round_of(kind, sockets, args.frames, message_id, emoji, tally)
                tally.cpu_seconds += cpu_seconds(pid) - cpu
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    header = (
        "| frame | bytes per delivery | frames | delivered | p50 ms | p99 ms "
        "| worker CPU us per delivery |\n| --- |" + " ---: |" * 6
    )
    return "\n".join([header, *(t.line(kind, len(sockets)) for kind, t in tallies.items())])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--frames", type=int, default=100, help="frames of a kind a round")
    parser.add_argument(
        "--members", type=int, default=MEMBERS, help="2: what the writes cost, nearly alone"
    )
    args = parser.parse_args(argv)
    recreate_database(BENCH_DB, create=True)
    env = app_environment(BENCH_DB, BENCH_REDIS)
    try:
        with (
            tempfile.TemporaryDirectory() as workdir,
            flushed(BENCH_REDIS),
            started_workers(env, Path(workdir)) as start,
        ):
            worker = start("frames")
            worker.wait_ready()
            chat = create_fanout_chat(env, args.members, "frames")
            emoji = processes.manage_json(env, EMOJI_CODE)
            table = asyncio.run(measure(worker, chat, emoji, args))
    finally:
        recreate_database(BENCH_DB, create=False)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{machine()}; load average after the run {load}")
    print(f"{args.members} members, one worker, {RATE:g} frames/s from one member")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
