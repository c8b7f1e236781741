"""Fan-out in one group chat, as a busy team uses it: every member has a socket
open, some of them send at a steady rate, and every stored message must reach
every member live. Used by ``tests/live/test_fanout.py`` (which fails on a single
miss) and ``bench/fanout.py`` (which prints the figures).

The members are real users with their own JWT cookie, on the real
``/ws/chat/<pk>/`` endpoint, through ``bin/entrypoint``'s daphne; the client is the
``websockets`` library. Senders are paced (the only sleeps here: a rate needs a
clock); everything else waits for frames, with a deadline.
"""

import asyncio
import base64
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.support import processes
from tests.support.live import Endpoint, LocalServer, open_chat
from tests.support.sources import loopback

# After the last send, how long members get to receive what is still on its way.
DRAIN_SECONDS = 10.0
# The reaction side traffic puts on messages (one of chat.models.reaction's).
REACTION = "\N{THUMBS UP SIGN}"

_FIXTURE_CODE = """
import json
from accounts.models import User
from chat.services.chats import create_group_chat
from chat.services.members import add_member
from rest_framework_simplejwt.tokens import AccessToken
users = [User.objects.create_user(f"{prefix}-{{number}}") for number in range({members})]
chat = create_group_chat(creator=users[0], name="Fan-out")
for user in users[1:]:
    add_member(group_chat=chat, actor=users[0], user=user)
print(json.dumps({{"chat": chat.pk, "tokens": [str(AccessToken.for_user(u)) for u in users]}}))
"""


_LARGE_FIXTURE_CODE = """
import json
from accounts.models import User, username_key
from chat.services.chats import create_group_chat
from chat.models import ChatMember
from rest_framework_simplejwt.tokens import AccessToken
creator = User.objects.create_user("{prefix}-0")
chat = create_group_chat(creator=creator, name="Large")
names = [f"{prefix}-{{number}}" for number in range(1, {members})]
users = User.objects.bulk_create(
    [User(username=name, username_key=username_key(name), password="!") for name in names],
    batch_size=1000,
)
ChatMember.objects.bulk_create(
    [ChatMember(group_chat=chat, user=user, added_by=creator) for user in users],
    batch_size=1000,
)
users = [creator, *users]
print(json.dumps({{"chat": chat.pk, "tokens": [str(AccessToken.for_user(u)) for u in users]}}))
"""


def create_large_chat(env: dict[str, str], members: int, prefix: str) -> tuple[int, list[str]]:
    """``create_fanout_chat`` for thousands: the creator through the app's services,
    the other members written in bulk (users with no usable password, memberships
    added by the creator; nobody is told, since no socket is open yet)."""
    data = processes.manage_json(env, _LARGE_FIXTURE_CODE.format(prefix=prefix, members=members))
    return int(data["chat"]), [f"jwt_auth_cookie={token}" for token in data["tokens"]]


def create_fanout_chat(env: dict[str, str], members: int, prefix: str) -> tuple[int, list[str]]:
    """``members`` users (no password: they never log in by form) in one group chat,
    made with the app's own services; returns the chat's pk and each member's Cookie
    header (an access token minted as login does, JWT_ACCESS_MINUTES long)."""
    data = processes.manage_json(env, _FIXTURE_CODE.format(prefix=prefix, members=members))
    return int(data["chat"]), [f"jwt_auth_cookie={token}" for token in data["tokens"]]


# Handshakes in flight at once when opening many sockets (none waits past daphne's timeout).
OPENING_AT_ONCE = 50
# The first client address of sockets spread over several (``open_sockets``).
FIRST_SOURCE = 10


async def open_sockets(
    worker: Endpoint, chat_pk: int, cookies: list[str], count: int, *, per_source: int = 0
) -> list[ClientConnection]:
    """``count`` sockets on the chat, the members' cookies in turn, at most
    ``OPENING_AT_ONCE`` handshakes in flight (so none waits past its timeout). With
    ``per_source``, that many from each loopback address, 127.0.0.FIRST_SOURCE and up
    (``tests/support/sources.py``): for a proxy that caps each client address."""
    slots = asyncio.Semaphore(OPENING_AT_ONCE)

    async def one(number: int) -> ClientConnection:
        source = loopback(FIRST_SOURCE + number // per_source) if per_source else None
        async with slots:
            return await open_chat(worker, chat_pk, cookies[number % len(cookies)], source)

    return list(await asyncio.gather(*(one(number) for number in range(count))))


async def connect_members(
    worker: LocalServer, chat_pk: int, cookies: list[str]
) -> list[ClientConnection]:
    """One authenticated socket per member, opened at once."""
    return list(await asyncio.gather(*(open_chat(worker, chat_pk, cookie) for cookie in cookies)))


@dataclass(frozen=True)
class SideTraffic:
    """What members do besides saying messages, paced as the page does it: each socket
    reports how far it has read (``mark_read`` with the highest seq it received) every
    ``read_every`` seconds when that moved, and reacts (``react``, thumbs up) to the
    latest message it received every ``react_every`` seconds. None: not at all."""

    read_every: float | None = None
    react_every: float | None = None


@dataclass
class FrameTally:
    """Frames of one action the members received: how many, their bytes, and the time
    from the send that caused each to its receipt."""

    count: int = 0
    size: int = 0  # bytes, all frames together
    relay_ms: list[float] = field(default_factory=list, repr=False)

    def add(self, raw: str | bytes, latencies_ms: list[float]) -> None:
        self.count += 1
        self.size += len(raw.encode() if isinstance(raw, str) else raw)
        self.relay_ms.extend(latencies_ms)

    @property
    def mean_bytes(self) -> float:
        return self.size / self.count if self.count else float("nan")

    def quantile_ms(self, q: int) -> float:
        if len(self.relay_ms) < 2:
            return float("nan")
        return statistics.quantiles(self.relay_ms, n=100, method="inclusive")[q - 1]


def user_id_of(cookie: str) -> int:
    """The user id in a member's ``jwt_auth_cookie=<token>`` (its payload, unverified:
    the bench minted it)."""
    payload = cookie.split("=", 1)[1].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return int(claims["user_id"])


@dataclass
class FanoutResult:
    members: int
    sent: int
    stored: int  # messages of this run in the database
    delivered: int  # (stored message, member) pairs received live, once each
    missed_messages: int  # stored messages at least one member never received
    duplicates: int
    closed: int  # member sockets the server closed (e.g. 4429: too many frames waiting)
    send_seconds: float
    # From the sender's send to each member's receipt (the save included), and from
    # the message's created_at (set as it is saved) to receipt: the relay alone.
    latencies_ms: list[float] = field(repr=False)
    relay_ms: list[float] = field(repr=False)
    errors: list[str] = field(default_factory=list)
    # With side traffic: what was sent by action, and what arrived besides the messages
    # (``reaction_changed``, ``members_read``), and the messages' own frames, by action.
    side_sent: Counter[str] = field(default_factory=Counter)
    frames: dict[str, FrameTally] = field(default_factory=dict)

    @property
    def expected(self) -> int:
        return self.stored * self.members

    @property
    def ratio(self) -> float:
        return self.delivered / self.expected if self.expected else float("nan")

    @property
    def complete(self) -> bool:
        return self.stored == self.sent and self.delivered == self.expected and not self.errors

    def quantile_ms(self, q: int, *, relay: bool = False) -> float:
        """The q-th percentile of latency over every delivery: send to receipt, or
        with ``relay``, saved to receipt."""
        values = self.relay_ms if relay else self.latencies_ms
        if len(values) < 2:
            return float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def drain(done: Callable[[], bool], progress: asyncio.Event, seconds: float) -> None:
    """Return once ``done()``, checked each time ``progress`` is set, or after
    ``seconds``: what is still on its way after the last send."""
    deadline = time.perf_counter() + seconds
    while not done():
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return
        progress.clear()
        try:
            await asyncio.wait_for(progress.wait(), remaining)
        except TimeoutError:
            return


async def run_fanout(
    sockets: list[ClientConnection],
    senders: int,
    rate: float,
    seconds: float,
    tag: str,
    stored_contents: Callable[[], list[str]],
    drain_seconds: float = DRAIN_SECONDS,
    side: SideTraffic = SideTraffic(),
    user_ids: list[int] | None = None,
) -> FanoutResult:
    """The first ``senders`` sockets each send ``rate`` messages a second for
    ``seconds`` (contents start with ``tag``); every socket reads, and, with ``side``,
    reads and reacts while the senders send (``user_ids``: each socket's user, to match
    what comes back to what was sent). Returns when every member has every message
    sent, or ``drain_seconds`` after the last send. ``stored_contents`` (blocking; run
    in a thread) lists the chat's contents in the database at the end."""
    members = len(sockets)
    per_sender = max(1, round(rate * seconds))
    sent_at: dict[str, float] = {}
    received: list[set[str]] = [set() for _ in sockets]
    latencies: list[float] = []
    relay: list[float] = []
    errors: list[str] = []
    counters = {"unique": 0, "duplicates": 0, "closed": 0}
    progress = asyncio.Event()
    # Side traffic: each socket's latest message (seq, id) and the seq it last reported;
    # when each read and reaction was sent, by (user id, seq) and (message id, user id).
    latest: list[tuple[int, int]] = [(0, 0) for _ in sockets]
    reported = [0 for _ in sockets]
    read_sent: dict[tuple[int, int], float] = {}
    react_sent: dict[tuple[int, int], float] = {}
    side_sent: Counter[str] = Counter()
    frames: dict[str, FrameTally] = {}

    def tally(action: str, raw: str | bytes, payload: dict[str, object]) -> None:
        now = time.perf_counter()
        waited: list[float] = []
        if action == "reaction_changed":
            user = payload["user"]
            assert isinstance(user, dict)
            sent = react_sent.get((int(str(payload["message_id"])), int(user["id"])))
            waited = [] if sent is None else [(now - sent) * 1000]
        elif action == "members_read":
            reads = payload["reads"]
            assert isinstance(reads, list)
            for entry in reads:
                sent = read_sent.get((entry["user_id"], entry["last_read_seq"]))
                if sent is not None:
                    waited.append((now - sent) * 1000)
        frames.setdefault(action, FrameTally()).add(raw, waited)

    async def read(index: int, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                action = frame.get("action")
                if action in ("reaction_changed", "members_read"):
                    tally(action, raw, frame["payload"])
                elif action == "member_message":
                    content = frame["payload"]["content"]
                    if not content.startswith(tag):
                        continue
                    frames.setdefault(action, FrameTally()).add(raw, [])
                    latest[index] = max(
                        latest[index], (frame["payload"]["seq"], frame["payload"]["id"])
                    )
                    got = received[index]
                    if content in got:
                        counters["duplicates"] += 1
                        continue
                    got.add(content)
                    latencies.append((time.perf_counter() - sent_at[content]) * 1000)
                    saved = datetime.fromisoformat(frame["payload"]["created_at"])
                    relay.append((time.time() - saved.timestamp()) * 1000)
                    counters["unique"] += 1
                    progress.set()
                elif action == "error":
                    errors.append(f"member {index}: {frame.get('payload')}")
                    progress.set()
        except ConnectionClosed as exc:
            errors.append(f"member {index}: closed {exc.rcvd}")
            counters["closed"] += 1
            progress.set()

    async def send(index: int, ws: ClientConnection, start: float) -> None:
        # Senders are spread over the first interval, not all at once.
        offset = index / (senders * rate)
        for number in range(per_sender):
            delay = start + offset + number / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            content = f"{tag} {index}-{number}"
            sent_at[content] = time.perf_counter()
            frame = {"action": "new_message", "payload": {"content": content}}
            try:
                await ws.send(json.dumps(frame))
            except ConnectionClosed as exc:
                errors.append(f"sender {index}: closed {exc.rcvd} after {number} messages")
                progress.set()
                return

    async def every(
        seconds: float, index: int, start: float, act: Callable[[], dict[str, object] | None]
    ) -> None:
        """Until the senders are done: ``act()``'s frame, if any, every ``seconds``
        (the sockets spread over the first interval)."""
        number = 0
        while not sending_done.is_set():
            delay = start + seconds * (index / members + number) - time.perf_counter()
            number += 1
            if delay > 0:
                try:
                    await asyncio.wait_for(sending_done.wait(), delay)
                    return
                except TimeoutError:
                    pass
            frame = act()
            if frame is None:
                continue
            side_sent[str(frame["action"])] += 1
            try:
                await sockets[index].send(json.dumps(frame))
            except ConnectionClosed:
                return

    def mark_read(index: int) -> dict[str, object] | None:
        seq = latest[index][0]
        if seq <= reported[index] or user_ids is None:
            return None
        reported[index] = seq
        read_sent[(user_ids[index], seq)] = time.perf_counter()
        return {"action": "mark_read", "payload": {"seq": seq}}

    def react(index: int) -> dict[str, object] | None:
        message_id = latest[index][1]
        if not message_id or user_ids is None:
            return None
        react_sent[(message_id, user_ids[index])] = time.perf_counter()
        return {"action": "react", "payload": {"id": message_id, "emoji": REACTION}}

    sending_done = asyncio.Event()
    readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(sockets)]
    try:
        start = time.perf_counter()
        paced = [
            asyncio.create_task(every(seconds_apart, i, start, partial(act, i)))
            for seconds_apart, act in ((side.read_every, mark_read), (side.react_every, react))
            if seconds_apart
            for i in range(members)
        ]
        await asyncio.gather(*(send(i, sockets[i], start) for i in range(senders)))
        send_seconds = time.perf_counter() - start
        sending_done.set()
        await asyncio.gather(*paced)
        # Done early when every member has every message sent; a message refused
        # (an error frame) never comes, so then the drain runs to its deadline.
        await drain(lambda: counters["unique"] >= len(sent_at) * members, progress, drain_seconds)
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)

    stored = {c for c in await asyncio.to_thread(stored_contents) if c.startswith(tag)}
    delivered = sum(len(got & stored) for got in received)
    missed = sum(1 for content in stored if any(content not in got for got in received))
    return FanoutResult(
        members=members,
        sent=len(sent_at),
        stored=len(stored),
        delivered=delivered,
        missed_messages=missed,
        duplicates=counters["duplicates"],
        closed=counters["closed"],
        send_seconds=send_seconds,
        latencies_ms=latencies,
        relay_ms=relay,
        errors=errors,
        side_sent=side_sent,
        frames=frames,
    )
