"""Password hashing with a bound on how many hashes a worker process computes at once.

A password hash is slow on purpose (PBKDF2 with a million rounds takes a core for a
fraction of a second), and every login, sign-up and password change computes one: a
login naming an unknown user too, since Django hashes anyway so that the answer's timing
does not tell which names exist. A login flood spread over many addresses (each under
its throttle, each try with a fresh username) thus keeps every core hashing, and every
other request waits behind it.

So ``BoundedPBKDF2PasswordHasher``, Django's PBKDF2 hasher (same algorithm name, so the
stored hashes are unchanged), computes a hash only while it holds one of
``PASSWORD_HASHES_AT_ONCE`` slots of its process. A request that gets no slot within
``PASSWORD_HASH_WAIT_SECONDS`` raises ``PasswordHashingBusy`` before anything is written;
``PasswordHashingBusyMiddleware`` answers it 503 with Retry-After, for the API and the
admin's login form alike (DRF leaves an exception it does not know to Django).
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin

# Seconds a refused client is told to wait: about one hash.
RETRY_AFTER_SECONDS = 1


class PasswordHashingBusy(Exception):
    """Every hashing slot of this process stayed taken for the whole wait."""

    detail = "The server is busy checking other passwords: try again in a moment."


class HashingSlots:
    """``PASSWORD_HASHES_AT_ONCE`` slots shared by every thread of the process (a new
    semaphore when the setting changes; holders of the old one release it as usual)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._size = 0
        self._semaphore = threading.BoundedSemaphore(1)

    def _current(self) -> threading.BoundedSemaphore:
        size = settings.PASSWORD_HASHES_AT_ONCE
        with self._lock:
            if size != self._size:
                self._semaphore, self._size = threading.BoundedSemaphore(size), size
            return self._semaphore

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold a slot for the block; ``PasswordHashingBusy`` if none frees up in time.

        A request that has to wait gives its database connections back first: a login
        has looked its user up by then, and logins waiting here with a pooled connection
        each would leave every other request waiting for the pool."""
        semaphore = self._current()
        if not semaphore.acquire(blocking=False):
            give_back_connections()
            if not semaphore.acquire(timeout=settings.PASSWORD_HASH_WAIT_SECONDS):
                raise PasswordHashingBusy
        try:
            yield
        finally:
            semaphore.release()


hashing_slots = HashingSlots()


def give_back_connections() -> None:
    """Close this thread's database connections that are not inside a transaction
    (closing one there would break it): a pooled connection goes back to the pool, and
    the next query takes one again."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


class BoundedPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2 hasher, computing only while it holds a slot. ``encode`` is where
    every hash is computed: making a password, checking one (``verify``), and the extra
    rounds Django spends to even out the timing of old hashes (``harden_runtime``)."""

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        with hashing_slots.held():
            return super().encode(password, salt, iterations)


class PasswordHashingBusyMiddleware(MiddlewareMixin):
    """Answer ``PasswordHashingBusy`` with 503, Retry-After and DRF's error shape."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PasswordHashingBusy):
            return None
        return JsonResponse(
            {"detail": exception.detail},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
