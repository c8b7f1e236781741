"""The project's Redis channel layer waits out a Redis it cannot reach: the read of a
worker's next message is tried again instead of raising into the consumer that made
it (which, before, died: its socket closed 1011, and so on through every socket), and
once it gets through, the sockets are told (to join their groups again). And a group
message goes at once to the sockets of the worker that ask for it (worker-local
fan-out), the rest through their buffers."""

import asyncio
from collections.abc import Awaitable, Callable
from unittest.mock import AsyncMock, patch

import pytest
from asgiref.sync import async_to_sync
from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config import channel_layers
from config.channel_layers import ShardedRedisChannelLayer
from tests.support.outage import unreachable_redis_url

CHANNEL = "specific.abc!"
MESSAGE = {"type": "realtime.group_message"}


def test_the_receive_loop_waits_for_an_unreachable_redis(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The read fails; PINGs until Redis answers (the first times out); then the sockets
    are told, and the read resumes and gets the message."""
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])
    reads: list[object] = [RedisConnectionError("Error 111 connecting"), (CHANNEL, MESSAGE)]
    redis = AsyncMock()
    redis.ping.side_effect = [RedisTimeoutError("Timeout connecting"), True]

    async def receive() -> tuple[object, bool]:
        told = layer.reconnected()  # what a socket waiting to join its groups again holds
        return await layer.receive_single(CHANNEL), told.is_set()

    with (
        patch.object(channel_layers, "RECEIVE_RETRY_SECONDS", 0.0),
        patch.object(RedisChannelLayer, "receive_single", side_effect=reads) as read,
        patch.object(layer, "connection", return_value=redis),
        caplog.at_level("WARNING", "config.channel_layers"),
    ):
        received, told = async_to_sync(receive)()

    assert received == (CHANNEL, MESSAGE)
    assert (read.call_count, redis.ping.await_count) == (2, 2)
    assert told  # the sockets were told Redis is back (a restarted one forgot the groups)
    unreachable, reachable = (record.getMessage() for record in caplog.records)
    assert unreachable.startswith("Channel layer unreachable (")
    assert reachable == "Channel layer reachable again"


def test_any_other_error_is_raised() -> None:
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])
    with (
        patch.object(RedisChannelLayer, "receive_single", side_effect=ValueError("a bug")),
        pytest.raises(ValueError, match="a bug"),
    ):
        async_to_sync(layer.receive_single)(CHANNEL)


# Worker-local fan-out

SOCKETS = [f"{CHANNEL}socket-{n}" for n in range(4)]


async def delivered_locally(
    layer: ShardedRedisChannelLayer, asking: list[str], failing: str | None = None
) -> tuple[object, dict[str, list[object]]]:
    """Sockets in ``asking`` take group messages at once (``failing``'s handler
    raises); one group message for every socket is read. Returns what the read
    leaves for the buffers, and what each handler got once the delivery task ran."""
    got: dict[str, list[object]] = {channel: [] for channel in asking}
    all_in = asyncio.Event()

    def handler(channel: str) -> Callable[[dict[str, object]], Awaitable[None]]:
        async def take(message: dict[str, object]) -> None:
            got[channel].append(message)
            if all(got.values()):
                all_in.set()
            if channel == failing:
                raise RuntimeError("a consumer's bug")

        return take

    for channel in asking:
        layer.deliver_locally(channel, handler(channel))
    left = await layer.receive_single(CHANNEL)
    try:
        await asyncio.wait_for(all_in.wait(), 2)
    except TimeoutError:
        pytest.fail(f"every asking socket's handler called; got {got}")
    return left, got


def test_a_group_message_goes_at_once_to_the_sockets_that_ask() -> None:
    """One delivery task calls each asking socket's handler; the read returns only the
    other sockets, whose buffers get the message as before."""
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])
    with patch.object(RedisChannelLayer, "receive_single", return_value=(SOCKETS, MESSAGE)):
        left, got = async_to_sync(delivered_locally)(layer, SOCKETS[:3])
    assert left == (SOCKETS[3:], MESSAGE)
    assert got == {channel: [MESSAGE] for channel in SOCKETS[:3]}


def test_a_socket_with_older_messages_buffered_gets_this_one_after_them() -> None:
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])
    layer.receive_buffer[SOCKETS[0]].put_nowait({"type": "older"})
    with patch.object(RedisChannelLayer, "receive_single", return_value=(SOCKETS, MESSAGE)):
        left, got = async_to_sync(delivered_locally)(layer, SOCKETS[1:])
    assert left == ([SOCKETS[0]], MESSAGE)
    assert got == {channel: [MESSAGE] for channel in SOCKETS[1:]}


def test_a_socket_that_stopped_asking_gets_its_buffer_again() -> None:
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])

    async def scenario() -> tuple[object, dict[str, list[object]]]:
        layer.deliver_locally(SOCKETS[0], AsyncMock())
        layer.deliver_locally(SOCKETS[0], None)
        return await delivered_locally(layer, SOCKETS[1:])

    with patch.object(RedisChannelLayer, "receive_single", return_value=(SOCKETS, MESSAGE)):
        left, _ = async_to_sync(scenario)()
    assert left == ([SOCKETS[0]], MESSAGE)


def test_a_handler_that_fails_is_logged_and_the_others_still_get_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])
    with (
        patch.object(RedisChannelLayer, "receive_single", return_value=(SOCKETS, MESSAGE)),
        caplog.at_level("ERROR", "config.channel_layers"),
    ):
        left, got = async_to_sync(delivered_locally)(layer, SOCKETS, failing=SOCKETS[0])
    assert left == ([], MESSAGE)
    assert got == {channel: [MESSAGE] for channel in SOCKETS}
    assert [r.getMessage() for r in caplog.records] == [
        "Delivering 'realtime.group_message' to a socket failed"
    ]


def test_a_message_for_one_channel_is_left_to_its_buffer() -> None:
    """``channel_layer.send`` to one socket (its session's expiry) is not a group
    message: it keeps the buffer's way."""
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])

    async def scenario() -> object:
        layer.deliver_locally(SOCKETS[0], AsyncMock())
        return await layer.receive_single(CHANNEL)

    with patch.object(RedisChannelLayer, "receive_single", return_value=(SOCKETS[0], MESSAGE)):
        assert async_to_sync(scenario)() == (SOCKETS[0], MESSAGE)
