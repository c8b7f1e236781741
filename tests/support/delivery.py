"""What the fault and scale-out tests do with ``ChatClient``s and check after:
streams of messages with a window of unanswered ones, a message crossing between
clients, and every client id tried stored exactly once (``tests/live/test_faults.py``,
``tests/live/test_scale_out.py``)."""

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial

import pytest

from tests.support.live import (
    FRAME_SECONDS,
    ChatClient,
    Endpoint,
    contents_in_db,
    history,
    rows_per_client_id,
)

# A stream keeps at most WINDOW messages unanswered (the server reads no more from a socket
# with 8 unanswered), and a socket sends fewer than the rate limit's burst (30).
WINDOW = 6
STREAM_SECONDS = 30.0
# After Redis is back: how long messages get to flow again, and each probe to arrive.
RECOVERY_SECONDS = 30.0
PROBE_SECONDS = 2.0


async def answered(client: ChatClient, count: int) -> None:
    """Wait until ``client`` has had ``count`` answers (``message_saved``)."""
    await client.wait_until(
        f"{count} answers",
        lambda: len(client.saved) >= count,
        STREAM_SECONDS,
        f"its worker ({client.workers[0].name}) does not answer",
    )


async def stream(client: ChatClient, total: int) -> None:
    """Say ``total`` messages with at most ``WINDOW`` unanswered, the next as each
    answer comes; return once every one is answered."""
    for number in range(total):
        await client.wait_until(
            f"an answer freeing the window for message {number}",
            lambda: len(client.pending) < WINDOW,
            STREAM_SECONDS,
            "message_saved stopped coming: a message lost, answered only with an error (see "
            "errors), or a socket neither answering nor closed",
        )
        await client.say(f"{client.name} {number}")
    await settled(client)


async def settled(client: ChatClient) -> None:
    """Wait until every message the client sent is answered ``message_saved``."""
    await client.wait_until(
        "message_saved for every message",
        lambda: not client.pending,
        STREAM_SECONDS,
        "a message lost, a resend never answered, or one answered only with an error (see errors)",
    )


async def cross(sender: ChatClient, receiver: ChatClient, content: str) -> None:
    """``sender`` says ``content``; wait until ``receiver`` (on the other worker) hears it."""
    client_id = await sender.say(content)
    await receiver.wait_until(
        f"{sender.name}'s {content!r} as member_message",
        partial(receiver.has_heard, client_id),
        FRAME_SECONDS,
        "the channel layer does not carry messages between the workers",
    )


async def both_ways(one: ChatClient, other: ChatClient, when: str) -> None:
    """Messages cross from ``one`` to ``other`` and back, twice; then every message
    either sent is answered."""
    for number in range(2):
        await cross(one, other, f"{one.name} {when} {number}")
        await cross(other, one, f"{other.name} {when} {number}")
    await asyncio.gather(settled(one), settled(other))


def print_figures(title: str, figures: dict[str, object]) -> None:
    print(f"\n{title}:")
    for name, value in figures.items():
        print(f"  {name}: {value:.1f}" if isinstance(value, float) else f"  {name}: {value}")


def check_each_message_stored_once(
    database: str | None,
    clients: Sequence[ChatClient],
    endpoint: Endpoint,
    chat_pk: int,
    cookie: str,
) -> dict[str, object]:
    """What every fault and scale-out test asserts once its clients are done: each
    client id tried is stored exactly once in ``database``, answered consistently,
    and in the REST history (read through ``endpoint``); returns the figures. With no
    ``database`` (one this process cannot reach, a compose stack's), the REST history
    stands for its rows."""
    in_history = history(endpoint, chat_pk, cookie)
    if database is None:
        rows = dict(Counter(message["client_id"] for message in in_history))
        stored = [message["content"] for message in in_history]
    else:
        rows = rows_per_client_id(database, chat_pk)
        stored = contents_in_db(database, chat_pk)
    tried = {client_id: client.name for client in clients for client_id in client.sent}
    lost = [client_id for client_id in tried if client_id not in rows]
    assert not lost, f"tried but not stored: {[(tried[cid], cid) for cid in lost]}"
    twice = {client_id: count for client_id, count in rows.items() if count != 1}
    assert not twice, f"rows per client id, where not one: {twice}"
    # Each message a client typed has its own content: stored twice under two ids
    # is a duplicate too (a client that resends under a new id).
    repeated = {text: count for text, count in Counter(stored).items() if count > 1}
    assert not repeated, f"messages stored more than once: {repeated}"
    assert set(rows) <= set(tried), f"rows nobody sent: {set(rows) - set(tried)}"

    reported_failed = [
        (client.name, client_id, error)
        for client in clients
        for client_id, error in client.errors
        if client_id in rows
    ]
    assert not reported_failed, f"error frames for saved messages: {reported_failed}"

    answer_ids: dict[str, set[int]] = {}
    for client in clients:
        for saved in client.saved:
            answer_ids.setdefault(saved["message"]["client_id"], set()).add(saved["message"]["id"])
    split = {client_id: ids for client_id, ids in answer_ids.items() if len(ids) != 1}
    assert not split, f"answers naming different messages for one client id: {split}"

    assert Counter(message["client_id"] for message in in_history) == Counter(rows), (
        "the REST history differs from the database"
    )
    history_ids = {message["id"] for message in in_history}
    answers = [saved for client in clients for saved in client.saved]
    not_relayed = [saved for saved in answers if not saved["relayed"] and not saved["duplicate"]]
    missing = [saved for saved in not_relayed if saved["message"]["id"] not in history_ids]
    assert not missing, f"saved with relayed false, not in the history: {missing}"
    missing = [saved for saved in answers if saved["message"]["id"] not in history_ids]
    assert not missing, f"acknowledged but not in the history: {missing}"
    unheard = [
        message
        for client in clients
        for message in client.heard
        if message["id"] not in history_ids
    ]
    assert not unheard, f"relayed but not in the history: {unheard}"

    return {
        "tried / rows / acknowledged": f"{len(tried)} / {sum(rows.values())} / {len(answer_ids)}",
        "answers: duplicate / not relayed": (
            f"{sum(saved['duplicate'] for saved in answers)} / {len(not_relayed)}"
        ),
        "error frames": sum(len(client.errors) for client in clients),
        "socket closes (codes)": {
            client.name: [how for _, how in client.closes] for client in clients
        },
        "resends / sockets opened / reconnects refused": (
            f"{sum(client.resent for client in clients)} / "
            f"{sum(client.connections for client in clients)} / "
            f"{sum(len(client.refused) for client in clients)}"
        ),
    }


async def redis_outage(
    stop: Callable[[], object],
    restore: Callable[[], float],
    sender: ChatClient,
    listeners: Sequence[ChatClient],
    figures: dict[str, object],
) -> None:
    """Stop Redis (``stop``, blocking) while ``sender`` talks; once the sender has seen
    the outage, ``restore`` it (blocking; it returns how long that took, in seconds:
    a restart, or a Sentinel's failover), then probe until the sender's message
    reaches every listener. A Redis that lost its data has forgotten the groups:
    after a probe nobody heard, every client reconnects (as the page does when it
    is told nothing)."""
    answers_before = len(sender.saved)
    killed = time.perf_counter()
    await asyncio.to_thread(stop)
    await sender.say("while Redis is down")
    await sender.wait_until(
        "a sign of the outage (the socket closed, or an answer with relayed false)",
        lambda: (
            sender.closed_since(killed)
            or any(not saved["relayed"] for saved in sender.saved[answers_before:])
        ),
        FRAME_SECONDS,
        "the worker hid the failed relay",
    )
    figures[f"the outage as {sender.name} saw it"] = (
        f"socket closed ({sender.closes[-1][1]})"
        if sender.closed_since(killed)
        else "message_saved, relayed: false"
    )
    figures["Redis back after (ms)"] = await asyncio.to_thread(restore) * 1000
    restarted = time.perf_counter()
    not_heard: list[str] = []
    for attempt in range(int(RECOVERY_SECONDS / PROBE_SECONDS) + 1):
        probe = await sender.say(f"after the restart, probe {attempt}")
        heard = await asyncio.gather(
            *(other.wait(partial(other.has_heard, probe), PROBE_SECONDS) for other in listeners)
        )
        if all(heard):
            break
        not_heard.append(f"probe {attempt}: not heard by {heard.count(False)}")
        await asyncio.gather(*(client.drop() for client in (sender, *listeners)))
    else:
        pytest.fail(
            f"no message from {sender.name} reached every listener {RECOVERY_SECONDS:.0f} s "
            f"after Redis was back ({not_heard}). Likely cause: a worker's layer never "
            "reconnected to Redis."
        )
    figures["Redis up -> a message heard by every listener (ms)"] = (
        time.perf_counter() - restarted
    ) * 1000
    figures["probes not heard (every client reconnected after each)"] = not_heard
