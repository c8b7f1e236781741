"""Where a consumer's database work runs: ``database_sync_to_async`` for this layer.

channels' own ``database_sync_to_async`` runs every call on asgiref's thread-sensitive
executor: one thread per process, shared by every socket and every sync view. One
socket's write then queues behind every other socket's, whatever the database could do
at once (saves per second per worker with 0 threads and with 4: docs/benchmarks.md,
"Saving").

``REALTIME["DATABASE_THREADS"]`` > 0 runs the calls on a pool of that many threads
instead, each with its own connection (taken from the psycopg pool and given back when
the call ends), so independent writes run concurrently. 0 keeps channels' behaviour,
which SQLite needs (one writer at a time), and so do tests that wrap each test in a
transaction on the test's own thread (``RollbackWebsocketTestCase``): a call on another
thread would not see it.

Calls on the pool must not rely on thread affinity: no open transaction across calls,
nothing kept in thread locals between them.
"""

import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar, cast

from asgiref.sync import sync_to_async
from channels.db import DatabaseSyncToAsync
from django.db import connections

from realtime.settings import realtime_settings

P = ParamSpec("P")
R = TypeVar("R")

# The thread pools, by size: one per process in production (made on first use); a test
# that overrides the size gets its own.
_pools: dict[int, ThreadPoolExecutor] = {}


def _executor(threads: int) -> ThreadPoolExecutor:
    pool = _pools.get(threads)
    if pool is None:
        pool = _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="realtime-db")
    return pool


def database_sync_to_async(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """``func`` as a coroutine function that runs it where the settings say.

    On channels' thread, channels' wrapper closes stale connections around the call. On
    the pool, the thread's connections are closed (given back to the psycopg pool) after
    every call, whatever ``CONN_MAX_AGE`` says: a connection kept by an idle thread of the
    pool would be one the others cannot use."""
    threads = realtime_settings().database_threads
    if threads <= 0:
        return cast("Callable[P, Awaitable[R]]", DatabaseSyncToAsync(func))

    @functools.wraps(func)
    def run_then_release(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        finally:
            connections.close_all()

    return sync_to_async(run_then_release, thread_sensitive=False, executor=_executor(threads))
