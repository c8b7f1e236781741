"""Bounds on work: the per-connection frame rate (a token bucket), the count of open
sockets per user, the handshakes checked at once and the group calls made at once."""

import asyncio
import time
import weakref
from collections import Counter


class TokenBucket:
    """Allows ``burst`` at once and ``rate`` per second after that (frames, or bytes)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self) -> bool:
        """One more, if the bucket allows it now."""
        self._refill()
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def spend(self, amount: float) -> bool:
        """Count ``amount`` already used, even into debt; whether nothing is owed."""
        self._refill()
        self.tokens -= amount
        return self.tokens >= 0

    @property
    def in_debt(self) -> bool:
        self._refill()
        return self.tokens < 0


class SocketCounter:
    """Open sockets per user, in this process. Check and count happen without an
    await between them, so sockets opened at once cannot all slip under the cap."""

    def __init__(self) -> None:
        self.open: Counter[str] = Counter()

    def acquire(self, user: str, limit: int) -> bool:
        if self.open[user] >= limit:
            return False
        self.open[user] += 1
        return True

    def release(self, user: str) -> None:
        self.open[user] -= 1
        if self.open[user] <= 0:
            del self.open[user]


# Every consumer of this worker process counts here.
open_sockets = SocketCounter()


class LoopSemaphores:
    """A semaphore per event loop, of the size asked for (a test's loops come and go; a
    server has one): ``async with slots(limit):`` lets at most ``limit`` in at once."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[int, asyncio.Semaphore]
        ] = weakref.WeakKeyDictionary()

    def __call__(self, limit: int) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        current = self._by_loop.get(loop)
        if current is None or current[0] != limit:
            current = self._by_loop[loop] = (limit, asyncio.Semaphore(limit))
        return current[1]


# At most ``limit`` handshakes checked at once in this process. Sockets closed together
# (a flood answered 4429, a worker restarted) reconnect together, and each handshake's
# checks (authentication, permissions) take milliseconds of CPU on the database threads
# and the event loop, under one interpreter lock. All at once, they hold every other
# socket's frames for the sum of them; a few at a time, a ping waits behind those few
# only, and the reconnecting sockets wait their turn (``bench/flood.py``'s ping latencies:
# docs/benchmarks.md, "Flood").
handshake_slots = LoopSemaphores()

# At most ``limit`` calls joining or leaving channel-layer groups at once in this
# process (``realtime.membership``): they share the layer's connection pool.
group_call_slots = LoopSemaphores()
