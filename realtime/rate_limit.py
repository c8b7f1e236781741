"""Bounds on work: the per-connection frame rate (a token bucket) and the count of
open sockets per user."""

import time
from collections import Counter


class TokenBucket:
    """Allows ``burst`` frames at once and ``rate`` frames per second after that."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


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
