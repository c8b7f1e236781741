"""The project's Redis channel layer waits out a Redis it cannot reach: the read of a
worker's next message is tried again instead of raising into the consumer that made
it (which, before, died: its socket closed 1011, and so on through every socket), and
once it gets through, the sockets are told (to join their groups again)."""

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
