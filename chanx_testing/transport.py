# The guide's API takes timeouts as arguments; each becomes one deadline, never nested.
# ruff: noqa: ASYNC109
"""The ASGI side of a communicator: the application's task, its queues, one deadline per wait.

asgiref's ``receive_output`` cancels the application when its timeout expires, so one slow
reply kills the consumer for the rest of the test. Every wait here reads the output queue
under its own deadline instead: a timeout fails the assertion and leaves the consumer alive,
and a consumer that crashes is reported at once, with its traceback. Frames a selective wait
passed over are kept, in order, for the next read.
"""

import asyncio
import contextvars
import json
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple
from unittest import mock
from urllib.parse import unquote, urlparse

from asgiref.testing import ApplicationCommunicator

from chanx_testing.diagnostics import Diagnostics, Handshake
from chanx_testing.discovery import ASGIApp
from chanx_testing.layers import application_owner, watched_layers
from chanx_testing.protocol import AuthenticationMessage, Frame, Protocol

Event = dict[str, Any]

# Put on the output queue when the application task ends, so that a waiting receive
# wakes up at once instead of at its deadline.
_APPLICATION_ENDED: Event = {"type": "chanx_testing.application_ended"}

# Set in the context the harness starts an application in, so in all of its tasks.
_in_application = contextvars.ContextVar("chanx_testing_in_application", default=False)

if sys.version_info < (3, 12):
    # 3.11's wait_for returns the result, dropping a cancellation that comes as the awaited
    # future completes (gh-86296, fixed in 3.12). redis-py sends every command under it, so a
    # channels_redis receive cancelled at disconnect could go on to block in BZPOPMIN.
    _wait_for = asyncio.wait_for

    async def _wait_for_keeping_cancellation(fut: Any, timeout: float | None) -> Any:
        task = asyncio.current_task()
        if task is None or not _in_application.get():
            return await _wait_for(fut, timeout)
        cancellations = task.cancelling()
        result = await _wait_for(fut, timeout)
        if task.cancelling() > cancellations:
            raise asyncio.CancelledError
        return result

    asyncio.wait_for = _wait_for_keeping_cancellation


class Deadline(NamedTuple):
    """One deadline per public call, shared by all its reads (event-loop time)."""

    started: float
    at: float

    def waited(self) -> float:
        return asyncio.get_running_loop().time() - self.started


def _keep_connections() -> None:
    """Stands in for channels.db.close_old_connections while the consumer runs."""


@contextmanager
def connections_kept_open() -> Iterator[None]:
    """Keep consumers from closing the test's database connection while this is open.

    channels closes "old" connections around every database hop of a consumer. Under a test,
    that hop runs on the test's own thread, so it would close the test's connection, and
    inside a test transaction mark it as broken. channels' communicator patches it out while
    it waits; the test cases and fixtures keep it patched out for the whole test.
    """
    with mock.patch("channels.db.close_old_connections", _keep_connections):
        yield


class _InputQueue(asyncio.Queue[Event]):
    """The application's input; ``idle`` is set while it waits here with nothing to read."""

    def __init__(self) -> None:
        super().__init__()
        self.idle = asyncio.Event()

    def put_nowait(self, item: Event) -> None:
        super().put_nowait(item)
        self.idle.clear()

    async def get(self) -> Event:
        if self.empty():
            self.idle.set()
        try:
            return await super().get()
        finally:
            self.idle.clear()


class Transport(Diagnostics, ApplicationCommunicator):
    """asgiref's communicator, with the application started on first use on every asgiref.

    asgiref before 3.9 starts the application in ``__init__`` (which then needs a running
    loop and fixes the path before ``connect``); 3.9 and later start it on first use. Placed
    between channels' communicator and asgiref's in the method order, this gives the lazy
    start everywhere, an input queue that tells when the application is idle, and reads that
    wait under a deadline.
    """

    # A chanx 2 consumer class, when the communicator was given one (``consumer=``).
    consumer: type | None = None

    def __init__(self, application: ASGIApp, scope: dict[str, Any]) -> None:
        self.application = application
        self.scope = scope
        self._future: asyncio.Task[None] | None = None
        self._inputs: _InputQueue | None = None
        self._outputs: asyncio.Queue[Event] | None = None
        self._unread: deque[Event] = deque()
        self.close_code: int | None = None
        self.handshake: Handshake = "not started"
        self._close_code_given = False
        self._markers_seen: set[str] = set()
        self._crash_reported = False
        self._authentication: AuthenticationMessage | None = None
        # The channels the application got from a channel layer (see chanx_testing.layers).
        self.channel_names: list[str] = []

    @property
    def protocol(self) -> Protocol:
        """The protocol names in the settings now (so ``override_settings`` applies)."""
        return Protocol.from_settings().for_consumer(self.consumer)

    @property
    def input_queue(self) -> _InputQueue:
        if self._inputs is None:
            self._inputs = _InputQueue()
        return self._inputs

    @property
    def output_queue(self) -> "asyncio.Queue[Event]":
        if self._outputs is None:
            self._outputs = asyncio.Queue()
        return self._outputs

    @property
    def future(self) -> "asyncio.Task[None]":
        """The application task, started on first use and watched for its end."""
        task = self._future
        if task is None:
            watched_layers()  # before the consumer asks the layer for its channel
            # In an empty context, as asgiref does: the test's context variables stay out.
            application = self.application(self.scope, self.input_queue.get, self.output_queue.put)
            context = contextvars.Context()
            context.run(_in_application.set, True)
            context.run(application_owner.set, self)
            task = context.run(asyncio.create_task, application)
            task.add_done_callback(lambda _: self.output_queue.put_nowait(_APPLICATION_ENDED))
            self._future = task
        return task

    def stop(self, exceptions: bool = True) -> None:
        """asgiref's stop(), without starting an application that never started."""
        task = self._future
        if task is None:
            return
        if not task.done():
            task.cancel()
        elif exceptions:
            task.result()

    # -- the handshake, input and shutdown -------------------------------------------

    async def _connect(
        self, timeout: float | None, ws_path: str | None
    ) -> tuple[bool, int | str | None]:
        """Open the socket: ``(True, subprotocol)`` if accepted, ``(False, close_code)`` if not."""
        if ws_path is not None:
            self._set_path(ws_path)
        if not self.scope["path"]:
            raise ValueError(
                "No WebSocket path to connect to: set ws_path on the test case, pass "
                "ws_path= to create_communicator(), or call connect(ws_path=...)."
            )
        deadline = self._deadline(timeout)
        await self.send_input({"type": "websocket.connect"})
        event = await self._next_event(
            deadline,
            "the handshake reply (websocket.accept or websocket.close)",
            seen=[],
            hint="the consumer neither accepted nor refused the connection: does its "
            "connect() call accept() or close()?",
        )
        if event["type"] == "websocket.close":
            return False, self.close_code
        if event["type"] != "websocket.accept":
            raise AssertionError(f"Expected websocket.accept or websocket.close, got {event!r}")
        self.response_headers = event.get("headers", [])
        return True, event.get("subprotocol")

    def _set_path(self, ws_path: str) -> None:
        if self._future is not None:
            raise RuntimeError(
                f"connect(ws_path={ws_path!r}) came after this communicator had started on "
                f"{self.scope['path']!r}; create another communicator for another path."
            )
        parsed = urlparse(ws_path)
        self.scope["path"] = unquote(parsed.path)
        self.scope["query_string"] = parsed.query.encode("utf-8")

    def _authentication_from(self, frame: Frame) -> AuthenticationMessage:
        """The authentication frame, typed and kept (``wait_for_auth`` returns it again)."""
        self._authentication = AuthenticationMessage.from_frame(frame, self.protocol)
        return self._authentication

    async def send_input(self, message: Event) -> None:
        """Send an ASGI event, first reporting a consumer that already crashed."""
        task = self.future
        if task.done() and not task.cancelled() and task.exception():
            raise self._crash(f"before {message['type']} could be sent", [])
        if message["type"] == "websocket.connect":
            self.handshake = "pending"
        await self.input_queue.put(message)

    async def _stop(self, code: int, timeout: float) -> None:
        """Disconnect a running application; cancel it if it has not stopped by ``timeout``."""
        task = self._future
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            return
        await self.input_queue.put({"type": "websocket.disconnect", "code": code})
        with connections_kept_open():
            await asyncio.wait({task}, timeout=timeout)
            if not task.done():
                task.cancel()
                await asyncio.wait({task})

    def _raise_unreported_crash(self, when: str) -> None:
        task = self._future
        if task is None or not task.done() or task.cancelled() or self._crash_reported:
            return
        if task.exception() is not None:
            raise self._crash(when, [])

    async def aclose(self) -> None:
        """Disconnect if still running; raise an exception of the consumer the test never saw."""
        # How long a disconnected application may take to stop before it is cancelled, as
        # in channels' disconnect(): only an application that ignores its disconnect waits.
        await self._stop(1000, timeout=1.0)
        self._raise_unreported_crash("after the test")

    # -- reading ---------------------------------------------------------------------

    def _deadline(self, timeout: float | None) -> Deadline:
        now = asyncio.get_running_loop().time()
        return Deadline(now, now + (self.protocol.timeout if timeout is None else timeout))

    async def receive_output(self, timeout: float = 1) -> Event:
        """asgiref's receive_output, except that a timeout leaves the application running."""
        return await self._next_event(self._deadline(timeout), "a message from the application", [])

    async def receive_nothing(self, timeout: float = 0.1, interval: float = 0.01) -> bool:
        """asgiref's receive_nothing, counting the frames set aside by selective waits."""
        if self._unread:
            return False
        nothing: bool = await super().receive_nothing(timeout, interval)  # type: ignore[no-untyped-call]
        return nothing

    def _set_aside(self, events: Iterable[Event]) -> None:
        """Put events back in front of the unread ones, in their order."""
        self._unread.extendleft(reversed(list(events)))

    async def _poll_event(self, deadline: Deadline, awaited: str, seen: list[Any]) -> Event | None:
        """The next ASGI event, or None at the deadline or once the connection is closed."""
        if self.handshake == "not started":
            started = " (frames were sent to it, but no websocket.connect)" if self._future else ""
            raise RuntimeError(
                f"Call connect() before waiting for {awaited}: this communicator was never "
                f"connected{started}."
            )
        if self._unread:
            return self._record(self._unread.popleft())
        queue = self.output_queue
        if queue.empty():
            if self.future.done():
                raise self._crash(f"while the test waited for {awaited}", seen)
            if self.close_code is not None:
                return None
            try:
                with connections_kept_open():
                    async with asyncio.timeout_at(deadline.at):
                        event: Event = await queue.get()
            except TimeoutError:
                return None
        else:
            event = queue.get_nowait()
        if event is _APPLICATION_ENDED:
            raise self._crash(f"while the test waited for {awaited}", seen)
        return self._record(event)

    def _record(self, event: Event) -> Event:
        if event["type"] == "websocket.accept":
            self.handshake = "accepted"
        elif event["type"] == "websocket.close":
            if self.handshake != "accepted":
                self.handshake = "refused"
            self._close_code_given = event.get("code") is not None
            self.close_code = event.get("code") or 1000
        return event

    async def _next_event(
        self,
        deadline: Deadline,
        awaited: str,
        seen: list[Any],
        *,
        action: str | None = None,
        hint: str | None = None,
    ) -> Event:
        """The next ASGI event, failing (with what was seen) at ``deadline`` or after a close."""
        closed_before = self.close_code is not None
        event = await self._poll_event(deadline, awaited, seen)
        if event is not None:
            return event
        if closed_before:
            summary = f"Waiting for {awaited}, but the connection is already closed."
            raise self._failure(summary, action, seen)
        summary = f"Timed out after {deadline.waited():.2f}s waiting for {awaited}."
        raise self._failure(summary, action, seen, hint)

    async def _next_frame(self, deadline: Deadline, action: str, seen: list[Any]) -> Any:
        protocol = self.protocol
        awaited = f"a frame with {protocol.action_key}={action!r}"
        event = await self._next_event(deadline, awaited, seen, action=action)
        if event["type"] == "websocket.close":
            raise self._failure(f"The connection closed while waiting for {awaited}.", action, seen)
        return self._decode(event, awaited, seen)

    def _decode(self, event: Event, awaited: str, seen: list[Any]) -> Any:
        if event["type"] != "websocket.send" or event.get("text") is None:
            raise self._failure(
                f"Expected a JSON text frame while waiting for {awaited}, got {event!r}.",
                None,
                seen,
            )
        frame = json.loads(event["text"])
        action = self.protocol.action_of(frame)
        if action in self.protocol.markers:
            self._markers_seen.add(action)
        return frame

    async def _until_idle(self, deadline: Deadline, awaited: str) -> None:
        """Return once the application waits for input with nothing left to read, or ended."""
        task = self.future
        idle = self.input_queue.idle
        if idle.is_set() or task.done():
            return
        waiting = asyncio.ensure_future(idle.wait())
        try:
            with connections_kept_open():
                remaining = deadline.at - asyncio.get_running_loop().time()
                await asyncio.wait(
                    {waiting, task}, timeout=max(remaining, 0), return_when=asyncio.FIRST_COMPLETED
                )
        finally:
            waiting.cancel()
        if not (idle.is_set() or task.done()):
            raise self._failure(
                f"Timed out after {deadline.waited():.2f}s waiting for {awaited}.",
                None,
                [],
                "the consumer is still busy (a slow database or channel-layer call in its "
                "connect()?), or it waits on something other than its input.",
            )
