"""``WebsocketTestCase``: communicators that are created lazily, tracked and always closed.

Django runs each ``async def test_*`` in a fresh event loop through ``async_to_sync``. The
consumers a test starts live in that loop, so they are disconnected (and the channel layers
flushed) at the end of the test coroutine, inside the same loop, before the loop goes away.
"""

import asyncio
import functools
from collections.abc import Callable, Generator
from typing import Any, TypeVar

from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async
from django.test import TestCase, TransactionTestCase

from chanx_testing.communicator import WebsocketCommunicator
from chanx_testing.discovery import ASGIApp
from chanx_testing.factory import CommunicatorFactory
from chanx_testing.protocol import Headers
from chanx_testing.transactions import commits_emulated
from chanx_testing.transport import connections_kept_open

_Method = TypeVar("_Method", bound=Callable[..., Any])


class _AlreadyRan:
    """Awaitable stand-in for a setUp/tearDown that has already run synchronously."""

    def __await__(self) -> Generator[None, None, None]:
        yield from ()


def _callable_from_sync_and_async(method: _Method) -> _Method:
    """Let ``super().setUp()`` work from both ``def setUp`` and ``async def setUp``.

    unittest calls setUp with no event loop running: the method then runs to completion
    (an async one through ``async_to_sync``) and the call returns an awaitable that does
    nothing, so an ``await`` on it is harmless. Called from inside a running loop (by an
    ``async def setUp`` awaiting its parent), it returns an awaitable instead, running a
    sync method through ``sync_to_async`` so that its ORM work stays off the loop's thread.
    """
    if getattr(method, "_chanx_wrapped", False):  # e.g. a subclass re-binding its parent's
        return method
    is_async = iscoroutinefunction(method)

    @functools.wraps(method)
    def wrapper(self: TransactionTestCase) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            (async_to_sync(method) if is_async else method)(self)
            return _AlreadyRan()
        return method(self) if is_async else sync_to_async(method)(self)

    wrapper._chanx_wrapped = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


class WebsocketTestCase(TransactionTestCase):
    """A TransactionTestCase whose communicators reach the project's WebSocket stack.

    The application is the ``websocket`` entry of ``settings.ASGI_APPLICATION`` unless
    ``router`` (or ``create_communicator(router=...)``) names another one. ``consumer``, as
    chanx 2's test case has it, is the consumer class given to every communicator (for its
    typed reads; see ``WebsocketCommunicator``). Rows a test
    commits are seen by consumers on any thread, and the tables are flushed after each test;
    ``RollbackWebsocketTestCase`` is the faster form for tests that need no real commit.
    """

    ws_path: str = ""
    router: ASGIApp | None = None
    consumer: type | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("setUp", "tearDown"):
            if name in cls.__dict__:
                setattr(cls, name, _callable_from_sync_and_async(cls.__dict__[name]))

    def __init__(self, methodName: str = "runTest") -> None:
        super().__init__(methodName)
        self._communicators = CommunicatorFactory()
        test = getattr(self, methodName, None)
        if iscoroutinefunction(test):
            # Per instance, so inherited and mixed-in tests are covered too; Django then
            # wraps this coroutine function in async_to_sync as it would the original.
            setattr(self, methodName, self._closing_communicators_after(test))

    def _closing_communicators_after(self, test: Callable[[], Any]) -> Callable[[], Any]:
        @functools.wraps(test)
        async def run() -> None:
            await self._communicators.run_then_close(test)

        return run

    def run(self, result: Any = None) -> Any:
        """Run the test with consumers kept from closing the test's database connection."""
        with connections_kept_open():
            return super().run(result)

    # Typed to return Any so that subclasses may override with ``def`` or ``async def``.
    @_callable_from_sync_and_async
    def setUp(self) -> Any:
        """Read ``ws_headers`` and ``subprotocols`` from their hooks, as chanx does."""
        super().setUp()
        self.ws_headers: Headers = self.get_ws_headers()
        self.subprotocols: list[str] = self.get_subprotocols()

    @_callable_from_sync_and_async
    def tearDown(self) -> Any:
        """Close communicators a synchronous test left behind, then Django's teardown."""
        if len(self._communicators):
            async_to_sync(self._communicators.aclose)()
        super().tearDown()

    def get_ws_headers(self) -> Headers:
        """Headers of the default communicators (``self.ws_headers``), read in setUp."""
        return []

    def get_subprotocols(self) -> list[str]:
        """Subprotocols the default communicators offer (``self.subprotocols``)."""
        return []

    @property
    def auth_communicator(self) -> WebsocketCommunicator:
        """The first communicator of the test, created on first use if there is none yet."""
        return self._communicators.first or self.create_communicator()

    def create_communicator(
        self,
        *,
        router: ASGIApp | None = None,
        ws_path: str | None = None,
        headers: Headers | None = None,
        subprotocols: list[str] | None = None,
    ) -> WebsocketCommunicator:
        """Another tracked communicator (e.g. a second user), closed after the test.

        Each argument defaults to the test's own: ``router``, ``ws_path``, ``ws_headers``,
        ``subprotocols``.
        """
        return self._communicators(
            self.ws_path if ws_path is None else ws_path,
            headers=self.ws_headers if headers is None else headers,
            subprotocols=self.subprotocols if subprotocols is None else subprotocols,
            router=router or self.router,
            consumer=self.consumer,
        )


class RollbackWebsocketTestCase(WebsocketTestCase, TestCase):
    """``WebsocketTestCase`` in a transaction that is rolled back after each test.

    Django runs an async test's ``sync_to_async`` work, the consumers' database hops
    included, on the thread that holds the test's connection, so consumers see the test's
    rows and their writes are undone with it: no table flush. ``transaction.on_commit``
    callbacks run when the code's own transaction ends, as after a real commit (see
    ``chanx_testing.transactions``). Not for tests whose rows another connection or process
    must read, or whose database work runs on other threads (``thread_sensitive=False``,
    threads of one's own).
    """

    def run(self, result: Any = None) -> Any:
        with commits_emulated():
            return super().run(result)
