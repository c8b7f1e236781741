"""The project's Redis channel layer waits out a Redis it cannot reach: the read of a
worker's next message is tried again instead of raising into the consumer that made
it (which, before, died: its socket closed 1011, and so on through every socket)."""

from unittest.mock import patch

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
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])
    outcomes: list[object] = [
        RedisConnectionError("Error 111 connecting"),
        RedisTimeoutError("Timeout reading from socket"),
        RedisConnectionError("Error 111 connecting"),
        (CHANNEL, MESSAGE),
    ]

    with (
        patch.object(channel_layers, "RECEIVE_RETRY_SECONDS", 0.0),
        patch.object(RedisChannelLayer, "receive_single", side_effect=outcomes) as read,
        caplog.at_level("WARNING", "config.channel_layers"),
    ):
        received = async_to_sync(layer.receive_single)(CHANNEL)

    assert received == (CHANNEL, MESSAGE)
    assert read.call_count == 4
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
