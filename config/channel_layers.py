"""The Redis channel layer, with two fixes, sharding over several hosts and a worker's
receive loop that waits out a Redis outage, and one change: worker-local fan-out.

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

Worker-local fan-out: a group send is already one Redis message per worker (naming the
worker's member sockets), but the worker's receive loop then puts it in the buffer of
each of those sockets, and each socket's consumer wakes for it: channels-redis's
``receive()`` starts two tasks per socket per message, channels' dispatch loop one more,
the largest share of a worker's CPU per delivery. A consumer that says how to take its
messages at once (``deliver_locally``) gets them from the worker's one delivery task
instead, which calls each such consumer's handler in turn, in the order the messages
came: no task and no wake-up per socket. This goes for a group's messages and for those
sent to the socket alone (``channel_layer.send``, e.g. its session's expiry) alike.

Order: each socket gets its messages in the order the worker read them, whichever way
they go. A socket whose buffer still holds older messages, or that has not asked (a
consumer still connecting, any plain Channels consumer), gets its buffer as before, and
the delivery task takes over once that buffer is empty. While messages for a socket wait
for the delivery task, every later one for it waits behind them, even once the socket
has stopped asking (``deliver_locally(channel, None)``, as it closes): when their turn
comes, those go to its buffer.
"""

import asyncio
import logging
import weakref
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from typing import Any

from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# How long the receive loop waits before trying an unreachable Redis again.
RECEIVE_RETRY_SECONDS = 0.5

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class LocalDelivery:
    """One event loop's consumers that take their messages at once, and the one task
    that hands the messages to them, in order."""

    def __init__(self, buffers: Any) -> None:
        self.handlers: dict[str, Handler] = {}
        # channels-redis's buffers of the loop's channels (``receive_buffer``).
        self.buffers = buffers
        # Each message with the channels it is queued for, and the handler each took
        # it with (None: the channel no longer asks; it goes to its buffer).
        self.queue: deque[tuple[list[tuple[str, Handler | None]], dict[str, Any]]] = deque()
        # How many messages each channel has queued and not yet handed over.
        self.queued: Counter[str] = Counter()
        self.waiting = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self.deliver())

    def take(self, channels: list[str], message: dict[str, Any]) -> list[str]:
        """Queue ``message`` for those of ``channels`` that have older messages queued,
        or that take it at once and have nothing older in their buffers; return the
        others."""
        taken: list[tuple[str, Handler | None]] = []
        buffered: list[str] = []
        for channel in channels:
            handler = self.handlers.get(channel)
            buffer = self.buffers.get(channel)
            if self.queued[channel] or (handler is not None and (buffer is None or buffer.empty())):
                taken.append((channel, handler))
                self.queued[channel] += 1
            else:
                buffered.append(channel)
        if taken:
            self.queue.append((taken, message))
            self.waiting.set()
        return buffered

    async def deliver(self) -> None:
        while True:
            await self.waiting.wait()
            self.waiting.clear()
            while self.queue:
                taken, message = self.queue.popleft()
                for channel, handler in taken:
                    try:
                        if handler is None:
                            self.buffers[channel].put_nowait(message)
                        else:
                            await handler(message)
                    except Exception:
                        logger.exception("Delivering %r to a socket failed", message.get("type"))
                    finally:
                        self.queued[channel] -= 1
                        if not self.queued[channel]:
                            del self.queued[channel]


class ShardedRedisChannelLayer(RedisChannelLayer):  # type: ignore[misc]  # untyped base
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reconnected: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event] = (
            weakref.WeakKeyDictionary()
        )
        self._local: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalDelivery] = (
            weakref.WeakKeyDictionary()
        )

    def deliver_locally(self, channel: str, handler: Handler | None) -> None:
        """From now on, hand the messages for ``channel`` (a socket's channel in this
        process) to ``handler`` at once, or with None, through its buffer again (after
        those already waiting for the delivery task)."""
        loop = asyncio.get_running_loop()
        local = self._local.get(loop)
        if handler is None:
            if local is not None:
                local.handlers.pop(channel, None)
            return
        if local is None:
            local = self._local[loop] = LocalDelivery(self.receive_buffer)
        local.handlers[channel] = handler

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
        sockets are back in their groups. The sockets that take the message at once, or
        have older ones waiting, get it from the loop's delivery task (``LocalDelivery``);
        the channels returned are the rest (none: an empty list)."""
        unreachable = False
        while True:
            try:
                if unreachable:
                    await self.connection(self.consistent_hash(channel)).ping()
                    unreachable = False
                    logger.warning("Channel layer reachable again")
                    self.reconnected().set()
                message_channel, message = await super().receive_single(channel)
            except (RedisConnectionError, RedisTimeoutError) as exc:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # A read cancelled mid-way can surface as redis-py's timeout: the
                    # cancellation stands (a closing consumer must not wait for Redis).
                    raise asyncio.CancelledError from exc
                if not unreachable:
                    logger.warning("Channel layer unreachable (%r): waiting for it", exc)
                    unreachable = True
                await asyncio.sleep(RECEIVE_RETRY_SECONDS)
                continue
            local = self._local.get(asyncio.get_running_loop())
            if local is not None:
                if isinstance(message_channel, list):
                    # A group message: what is left goes to the buffers, as before.
                    message_channel = local.take(message_channel, message)
                elif not local.take([message_channel], message):
                    # One socket's own, taken: no buffer gets it.
                    message_channel = []
            return message_channel, message
