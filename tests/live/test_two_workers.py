"""Two app processes started as the container starts them, one Redis channel layer.

Why: a deployment runs several workers, so a message must cross between them,
the survivors must carry on when one dies. The figures measured are printed (run
with ``-s`` to see them).
"""

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.support.live import (
    FRAME_SECONDS,
    StartWorker,
    contents_in_db,
    create_chat,
    fresh_environment,
    get_json,
    login,
    open_chat,
    recv_json,
    say,
)

pytestmark = pytest.mark.live

LIVE_DB_NAME = "live_test"
# A Redis database no other test uses; flushed before and after.
LIVE_REDIS_URL = os.environ.get("LIVE_REDIS_URL", "redis://127.0.0.1:6379/3")


@pytest.fixture(scope="module")
def live_env() -> Iterator[dict[str, str]]:
    """The container's environment, pointing at a fresh database and Redis db."""
    with fresh_environment(LIVE_DB_NAME, LIVE_REDIS_URL) as env:
        yield env


async def recv_member_message(ws: ClientConnection, content: str) -> dict[str, Any]:
    """The next ``member_message`` frame, which must carry ``content``."""
    deadline = time.perf_counter() + FRAME_SECONDS
    while time.perf_counter() < deadline:
        frame = await recv_json(ws)
        if frame.get("action") == "member_message":
            assert frame["payload"]["content"] == content, frame
            return frame
    pytest.fail(f"no member_message {content!r} within {FRAME_SECONDS}s")


def count_in_db(chat_pk: int, content: str | None = None) -> int:
    contents = contents_in_db(LIVE_DB_NAME, chat_pk)
    return len(contents) if content is None else contents.count(content)


def test_message_crosses_workers_and_survives_losing_one(
    live_env: dict[str, str], start_worker: StartWorker
) -> None:
    # Both start at once, as two containers would: migrations take turns.
    worker_a = start_worker("A")
    worker_b = start_worker("B")
    worker_a.wait_ready()
    worker_b.wait_ready()

    ids = create_chat(live_env, "alice", "bob")
    chat_pk = ids["chat"]
    alice_cookie = login(worker_a, "alice")
    bob_cookie = login(worker_b, "bob")
    figures: dict[str, float] = {
        "worker A ready (s)": worker_a.ready_after,
        "worker B ready (s)": worker_b.ready_after,
    }

    async def scenario() -> list[str]:
        said: list[str] = []
        alice = await open_chat(worker_a, chat_pk, alice_cookie)
        bob = await open_chat(worker_b, chat_pk, bob_cookie)
        try:
            # A -> B
            content = "hello from worker A"
            sent = await say(alice, content)
            on_b = await recv_member_message(bob, content)
            figures["A->B delivery (ms)"] = (time.perf_counter() - sent) * 1000
            said.append(content)
            payload = on_b["payload"]
            assert on_b["is_mine"] is False
            assert payload["sender"] == {"id": ids["owner"], "username": "alice"}
            assert payload["group_chat_id"] == chat_pk
            assert isinstance(payload["id"], int)
            assert payload["created_at"]
            own = await recv_member_message(alice, content)
            assert own["is_mine"] is True
            assert own["payload"]["id"] == payload["id"]
            assert count_in_db(chat_pk, content) == 1

            # B -> A
            content = "hello back from worker B"
            sent = await say(bob, content)
            on_a = await recv_member_message(alice, content)
            figures["B->A delivery (ms)"] = (time.perf_counter() - sent) * 1000
            said.append(content)
            assert on_a["is_mine"] is False
            assert on_a["payload"]["sender"]["username"] == "bob"
            await recv_member_message(bob, content)

            # Worker A dies; its client is disconnected, B carries on.
            killed = time.perf_counter()
            assert worker_a.stop(signal.SIGKILL) != 0
            with pytest.raises(ConnectionClosed):
                await recv_json(alice)
            figures["A killed -> its client closed (ms)"] = (time.perf_counter() - killed) * 1000
            await alice.close()

            content = "B still works"
            sent = await say(bob, content)
            own = await recv_member_message(bob, content)
            figures["B round trip after A died (ms)"] = (time.perf_counter() - sent) * 1000
            said.append(content)
            assert own["is_mine"] is True

            # Alice reconnects, to B this time, and both talk there.
            reconnect = time.perf_counter()
            alice = await open_chat(worker_b, chat_pk, alice_cookie)
            figures["alice reconnect to B (ms)"] = (time.perf_counter() - reconnect) * 1000
            content = "alice is back, via B"
            await say(alice, content)
            assert (await recv_member_message(bob, content))["is_mine"] is False
            assert (await recv_member_message(alice, content))["is_mine"] is True
            said.append(content)
        finally:
            await alice.close()
            await bob.close()
        return said

    said = asyncio.run(scenario())

    # Every message is in the history, once, newest first, served by B.
    history = get_json(f"{worker_b.url}/api/groups/{chat_pk}/messages/", alice_cookie)
    assert set(history) >= {"next", "previous", "results"}
    assert [message["content"] for message in history["results"]] == said[::-1]
    assert history["next"] is None
    assert count_in_db(chat_pk) == len(said)
    for content in said:
        assert count_in_db(chat_pk, content) == 1

    print("\nlive figures (two workers, one Redis layer, loopback):")
    for name, value in figures.items():
        print(f"  {name}: {value:.3f}" if "(s)" in name else f"  {name}: {value:.1f}")
