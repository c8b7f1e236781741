"""The Redis channel layer, with two fixes: sharding over several hosts, and a worker's
receive loop that waits out a Redis outage.

Sharding: channels-redis 4.3's ``RedisChannelLayer`` picks a shard for a
process-specific channel (``specific.<process>!<socket>``) by hashing its FULL name when
sending to it, but only the process part (``specific.<process>!``) when the process
receives: with two or more hosts in ``REDIS_URLS`` about half of such sends land on a
shard nobody reads (the readiness probe's round trip would time out, and a socket's
own session-expiry event would be lost). Reported upstream as django/channels#1492.
Group sends are not affected: they already hash the process part. With one host every
name maps to it, so this changes nothing there.

Outages: every socket of a worker waits for its messages on one blocking read of the
worker's queue in Redis, made by whichever consumer holds the layer's receive lock.
When Redis cannot be reached that read raises, in that consumer: it dies (its socket
is closed 1011, or a handshake in progress is answered HTTP 500), the next consumer
takes the lock, its read raises too, and so on through every socket of the worker. Here
the read waits instead: it tries again every ``RECEIVE_RETRY_SECONDS`` until Redis
answers, logging once, and the sockets stay open. A restarted Redis has forgotten the
groups: once the read gets through again, ``reconnected()`` tells the sockets, which
join theirs again at once (``realtime.membership``) rather than at their next refresh.
"""

import asyncio
import logging
import weakref
from typing import Any

from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# How long the receive loop waits before trying an unreachable Redis again.
RECEIVE_RETRY_SECONDS = 0.5


class ShardedRedisChannelLayer(RedisChannelLayer):  # type: ignore[misc]  # untyped base
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reconnected: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event] = (
            weakref.WeakKeyDictionary()
        )

    def reconnected(self) -> asyncio.Event:
        """Set when this event loop's receive reaches Redis again after an outage (a new
        event for the next one)."""
        loop = asyncio.get_running_loop()
        event = self._reconnected.get(loop)
        if event is None or event.is_set():
            event = self._reconnected[loop] = asyncio.Event()
        return event

    def consistent_hash(self, value: str) -> int:
        """The shard of a channel or group; a specific channel's by its process part."""
        process, bang, _ = value.partition("!")
        shard: int = super().consistent_hash(process + bang)
        return shard

    async def receive_single(self, channel: str) -> Any:
        """channels-redis's read of the next message, tried again while Redis cannot be
        reached (``RECEIVE_RETRY_SECONDS`` apart) instead of raising. Once Redis answers
        a PING again, the sockets are told (``reconnected``) before the read resumes:
        the read itself returns only when a message comes, and none will until the
        sockets are back in their groups."""
        unreachable = False
        while True:
            try:
                if unreachable:
                    await self.connection(self.consistent_hash(channel)).ping()
                    unreachable = False
                    logger.warning("Channel layer reachable again")
                    self.reconnected().set()
                return await super().receive_single(channel)
            except (RedisConnectionError, RedisTimeoutError) as exc:
                if not unreachable:
                    logger.warning("Channel layer unreachable (%r): waiting for it", exc)
                    unreachable = True
                await asyncio.sleep(RECEIVE_RETRY_SECONDS)
