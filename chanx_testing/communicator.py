# The guide's API takes timeouts as arguments; each becomes one deadline, never nested.
# ruff: noqa: ASYNC109
"""A WebSocket test client that waits for events, never for time, and explains its failures.

asgiref's ``receive_output`` cancels the application when its timeout expires, so one slow
reply kills the consumer for the rest of the test. Every wait here reads the output queue
under its own deadline instead: a timeout fails the assertion and leaves the consumer alive,
and a consumer that crashes is reported at once, with its traceback.
"""

import asyncio
import contextvars
import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, NamedTuple, overload
from unittest import mock
from urllib.parse import unquote, urlparse

from asgiref.testing import ApplicationCommunicator
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator as ChannelsWebsocketCommunicator
from django.conf import settings
from pydantic import BaseModel

from chanx_testing.discovery import ASGIApp, discover_websocket_application
from chanx_testing.protocol import AuthenticationMessage, Frame, Headers, Protocol

Event = dict[str, Any]
Handshake = Literal["not started", "pending", "accepted", "refused"]

# Put on the output queue when the application task ends, so that a waiting receive
# wakes up at once instead of at its deadline.
_APPLICATION_ENDED: Event = {"type": "chanx_testing.application_ended"}


# How long a disconnected application may take to stop before it is cancelled, as in
# channels' disconnect(): only an application that ignores its disconnect waits that long.
_STOP_TIMEOUT = 1.0

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


class _Deadline(NamedTuple):
    """One deadline per public call, shared by all its reads (event-loop time)."""

    started: float
    at: float

    def waited(self) -> float:
        return asyncio.get_running_loop().time() - self.started


class FrameNotReceived(AssertionError, TimeoutError):
    """What the test waited for did not arrive in time, or cannot arrive any more.

    Also a TimeoutError, so that tests written against channels' communicator still catch it.
    """


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


class _ApplicationStartedOnFirstUse(ApplicationCommunicator):
    """asgiref's communicator, with the application started on first use on every asgiref.

    asgiref before 3.9 starts the application in ``__init__`` (which then needs a running
    loop and fixes the path before ``connect``); 3.9 and later start it on first use. Placed
    between channels' communicator and asgiref's in the method order, this gives the lazy
    start everywhere, and an input queue that tells when the application is idle.
    """

    def __init__(self, application: ASGIApp, scope: dict[str, Any]) -> None:
        self.application = application
        self.scope = scope
        self._future: asyncio.Task[None] | None = None
        self._inputs: _InputQueue | None = None
        self._outputs: asyncio.Queue[Event] | None = None

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
            # In an empty context, as asgiref does: the test's context variables stay out.
            application = self.application(self.scope, self.input_queue.get, self.output_queue.put)
            context = contextvars.Context()
            context.run(_in_application.set, True)
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


class WebsocketCommunicator(ChannelsWebsocketCommunicator, _ApplicationStartedOnFirstUse):  # type: ignore[misc]
    """channels' ``WebsocketCommunicator`` speaking the action/payload protocol.

    The application starts at ``connect()``, not at construction, so the path may still
    change until then (``connect(ws_path=...)``).
    """

    def __init__(
        self,
        application: ASGIApp,
        path: str = "",
        headers: Headers | None = None,
        subprotocols: list[str] | None = None,
        spec_version: str | None = None,
    ) -> None:
        # channels' __init__ builds the scope, then hands it to the class above by super().
        ChannelsWebsocketCommunicator.__init__(
            self, application, path, headers, subprotocols, spec_version
        )
        self.close_code: int | None = None
        self.handshake: Handshake = "not started"
        self._close_code_given = False
        self._authentication: AuthenticationMessage | None = None
        self._markers_seen: set[str] = set()
        self._crash_reported = False

    @property
    def protocol(self) -> Protocol:
        """The protocol names in the settings now (so ``override_settings`` applies)."""
        return Protocol.from_settings()

    # -- connection --------------------------------------------------------------------

    async def connect(
        self, timeout: float | None = None, ws_path: str | None = None
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

    @overload
    async def wait_for_auth(
        self,
        send_authentication_message: Literal[True] | None = None,
        max_auth_time: float | None = None,
        after_auth_time: float | None = None,
    ) -> AuthenticationMessage: ...

    @overload
    async def wait_for_auth(
        self,
        send_authentication_message: bool,
        max_auth_time: float | None = None,
        after_auth_time: float | None = None,
    ) -> AuthenticationMessage | None: ...

    async def wait_for_auth(
        self,
        send_authentication_message: bool | None = None,
        max_auth_time: float | None = None,
        after_auth_time: float | None = None,
    ) -> AuthenticationMessage | None:
        """The authentication frame, returned once the consumer has finished connecting.

        As in chanx: ``send_authentication_message`` defaults to the settings, and without
        authentication messages the result is None. The times are deadlines, not sleeps:
        ``max_auth_time`` for the frame (or, without one, for the consumer to settle),
        ``after_auth_time`` for the consumer to finish connecting after sending it (joining
        groups, say), so that nothing sent to it next is lost. ``None`` is the default
        timeout. The static type assumes the frame comes unless ``False`` is passed.
        """
        protocol = self.protocol
        expected = (
            protocol.send_authentication_message
            if send_authentication_message is None
            else send_authentication_message
        )
        if not expected:
            await self._until_idle(
                self._deadline(max_auth_time), "the consumer to finish connecting"
            )
            return None
        if self._authentication is None:
            self._authentication = await self._read_authentication(
                self._deadline(max_auth_time), protocol
            )
        await self._until_idle(
            self._deadline(after_auth_time),
            "the consumer to finish connecting after its authentication frame",
        )
        return self._authentication

    async def _read_authentication(
        self, deadline: _Deadline, protocol: Protocol
    ) -> AuthenticationMessage:
        action = protocol.authentication_action
        seen: list[Any] = []
        frame = await self._next_frame(deadline, action, seen)
        if protocol.action_of(frame) != action:
            seen.append(frame)
            raise self._failure(
                f"Expected the {action!r} frame first, but another frame came.", action, seen
            )
        return AuthenticationMessage.from_frame(frame, protocol)

    async def _until_idle(self, deadline: _Deadline, awaited: str) -> None:
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
            raise FrameNotReceived(
                f"Timed out after {deadline.waited():.2f}s waiting for {awaited}.\n"
                "Likely cause: the consumer is still busy (a slow database or channel-layer "
                "call in its connect()?), or it waits on something other than its input."
            )

    async def assert_authenticated_status_ok(self, max_auth_time: float | None = None) -> None:
        """Fail unless the authentication frame reports status 200."""
        payload = (await self.wait_for_auth(True, max_auth_time)).payload
        if payload.status_code != 200:
            raise AssertionError(
                f"Authentication failed: status {payload.status_code} "
                f"{payload.status_text!r}, data {payload.data!r}."
            )

    async def assert_closed(self, timeout: float | None = None, code: int | None = None) -> None:
        """Fail unless the consumer closes the socket next (with ``code``, when given)."""
        if self.close_code is None:
            seen: list[Any] = []
            event = await self._next_event(
                self._deadline(timeout),
                "the connection to close",
                seen,
                hint="the consumer kept the connection open",
            )
            if event["type"] != "websocket.close":
                seen.append(self._decode(event, "the connection to close", seen))
                raise self._failure(
                    "Expected the connection to close, but a frame came first.", None, seen
                )
        if code is not None and self.close_code != code:
            raise AssertionError(f"The connection closed with code {self.close_code}, not {code}.")

    async def aclose(self) -> None:
        """Disconnect if still running; raise an exception of the consumer the test never saw."""
        task = self._future
        if task is None:
            return
        if not task.done() and task.get_loop() is asyncio.get_running_loop():
            await self.input_queue.put({"type": "websocket.disconnect", "code": 1000})
            with connections_kept_open():
                await asyncio.wait({task}, timeout=_STOP_TIMEOUT)
                if not task.done():
                    task.cancel()
                    await asyncio.wait({task})
        if task.done() and not task.cancelled() and task.exception() and not self._crash_reported:
            raise self._crash("after the test", [])

    # -- sending -------------------------------------------------------------------------

    async def send_input(self, message: Event) -> None:
        """Send an ASGI event, first reporting a consumer that already crashed."""
        task = self.future
        if task.done() and not task.cancelled() and task.exception():
            raise self._crash(f"before {message['type']} could be sent", [])
        if message["type"] == "websocket.connect":
            self.handshake = "pending"
        await self.input_queue.put(message)

    async def send_message(self, message: BaseModel) -> None:
        """Send a pydantic message as the JSON frame the consumer parses."""
        await self.send_json_to(message.model_dump(mode="json"))

    # -- receiving -----------------------------------------------------------------------

    async def receive_output(self, timeout: float = 1) -> Event:
        """asgiref's receive_output, except that a timeout leaves the application running."""
        return await self._next_event(self._deadline(timeout), "a message from the application", [])

    async def receive_all_json(
        self, timeout: float | None = None, *, wait_group: bool = False
    ) -> list[Frame]:
        """Frames up to the ``complete`` marker (``group_complete`` with ``wait_group``).

        Markers are left out of the result; with ``wait_group`` a ``complete`` that arrives
        first is skipped, so the sender of a group message gets its own copy of it.
        """
        protocol = self.protocol
        stop = protocol.group_complete_action if wait_group else protocol.complete_action
        return await self.receive_until_action(stop, timeout)

    async def receive_until_action(
        self, stop_action: str, timeout: float | None = None, *, inclusive: bool = False
    ) -> list[Frame]:
        """Every frame up to the first with ``stop_action``, as chanx returns them.

        Completion markers are left out, the stop frame too unless ``inclusive`` (a marker
        is left out even then).
        """
        markers = self.protocol.markers
        *before, last = await self._collect_until(stop_action, timeout)
        frames = [frame for frame in before if self.protocol.action_of(frame) not in markers]
        if inclusive and stop_action not in markers:
            frames.append(last)
        return frames

    async def _collect_until(self, action: str, timeout: float | None) -> list[Frame]:
        deadline = self._deadline(timeout)
        frames: list[Frame] = []
        while not frames or self.protocol.action_of(frames[-1]) != action:
            frames.append(await self._next_frame(deadline, action, frames))
        return frames

    async def _next_frame(self, deadline: _Deadline, action: str, seen: list[Any]) -> Any:
        protocol = self.protocol
        awaited = f"a frame with {protocol.action_key}={action!r}"
        event = await self._next_event(deadline, awaited, seen, action=action)
        if event["type"] == "websocket.close":
            raise self._failure(f"The connection closed while waiting for {awaited}.", action, seen)
        frame = self._decode(event, awaited, seen)
        if protocol.action_of(frame) in protocol.markers:
            self._markers_seen.add(protocol.action_of(frame))
        return frame

    def _decode(self, event: Event, awaited: str, seen: list[Any]) -> Any:
        if event["type"] != "websocket.send" or event.get("text") is None:
            raise self._failure(
                f"Expected a JSON text frame while waiting for {awaited}, got {event!r}.",
                None,
                seen,
            )
        return json.loads(event["text"])

    async def _next_event(
        self,
        deadline: _Deadline,
        awaited: str,
        seen: list[Any],
        *,
        action: str | None = None,
        hint: str | None = None,
    ) -> Event:
        """The next ASGI event, waiting no later than ``deadline``."""
        if self.handshake == "not started":
            started = " (frames were sent to it, but no websocket.connect)" if self._future else ""
            raise RuntimeError(
                f"Call connect() before waiting for {awaited}: this communicator was never "
                f"connected{started}."
            )
        queue = self.output_queue
        if queue.empty():
            if self.future.done():
                raise self._crash(f"while the test waited for {awaited}", seen)
            if self.close_code is not None:
                raise self._failure(
                    f"Waiting for {awaited}, but the connection is already closed.", action, seen
                )
            try:
                with connections_kept_open():
                    async with asyncio.timeout_at(deadline.at):
                        event: Event = await queue.get()
            except TimeoutError:
                summary = f"Timed out after {deadline.waited():.2f}s waiting for {awaited}."
                raise self._failure(summary, action, seen, hint) from None
        else:
            event = queue.get_nowait()
        if event is _APPLICATION_ENDED:
            raise self._crash(f"while the test waited for {awaited}", seen)
        if event["type"] == "websocket.accept":
            self.handshake = "accepted"
        elif event["type"] == "websocket.close":
            if self.handshake != "accepted":
                self.handshake = "refused"
            self._close_code_given = event.get("code") is not None
            self.close_code = event.get("code") or 1000
        return event

    # -- failure reports -----------------------------------------------------------------

    def _deadline(self, timeout: float | None) -> _Deadline:
        now = asyncio.get_running_loop().time()
        return _Deadline(now, now + (self.protocol.timeout if timeout is None else timeout))

    def _crash(self, when: str, seen: list[Any]) -> BaseException:
        """The application's own exception (with its traceback), annotated with the context."""
        task = self.future
        where = f"The application for {self.scope['path']!r}"
        if task.cancelled():
            return self._failure(f"{where} was cancelled {when}.", None, seen)
        error = task.exception()
        if error is None:
            return self._failure(f"{where} returned {when}.", None, seen)
        self._crash_reported = True
        error.add_note(f"{where} raised this {when}.\n{self._describe_frames(seen)}")
        return error

    def _failure(
        self, summary: str, action: str | None, seen: list[Any], hint: str | None = None
    ) -> FrameNotReceived:
        cause = self._likely_cause(action, seen, hint)
        return FrameNotReceived(f"{summary}\n{self._describe_frames(seen)}\nLikely cause: {cause}")

    @staticmethod
    def _describe_frames(seen: list[Any]) -> str:
        if not seen:
            return "Frames received meanwhile: none."
        lines = "\n".join(f"  {json.dumps(frame, default=str)[:500]}" for frame in seen)
        return f"Frames received meanwhile ({len(seen)}):\n{lines}"

    def _likely_cause(self, action: str | None, seen: list[Any], hint: str | None) -> str:
        protocol = self.protocol
        if self.handshake == "refused":
            return self._refusal_cause()
        if self.close_code is not None:
            cause = f"the consumer closed the connection with code {self.close_code}"
            if 4000 <= self.close_code < 5000:
                cause += f" (4000 + status {self.close_code - 4000}: refused at connect?)"
            return cause
        if hint is not None:
            return hint
        if action == protocol.authentication_action:
            if protocol.send_authentication_message is False:
                return (
                    "authentication messages are off in the settings "
                    "(CHANX['SEND_AUTHENTICATION_MESSAGE'] is False)"
                )
            return (
                "the consumer sent no authentication frame: authentication messages are off, "
                "or the consumer names them differently "
                "(CHANX_TESTING['AUTHENTICATION_ACTION'])"
            )
        if action in protocol.markers:
            return self._missing_marker_cause(action, seen, protocol)
        return f"the consumer never sent a frame with {protocol.action_key}={action!r}"

    def _refusal_cause(self) -> str:
        if self._close_code_given:
            return (
                f"the handshake was refused: the application closed with code "
                f"{self.close_code} before accepting the connection"
            )
        origin = dict(self.scope["headers"]).get(b"origin")
        sent = f"origin {origin.decode()!r}" if origin else "no origin header"
        return (
            "the handshake was refused before the connection was accepted, with no close code. "
            "channels' OriginValidator and AllowedHostsOriginValidator refuse that way before "
            f"any consumer runs: this handshake sent {sent}, and ALLOWED_HOSTS is "
            f"{settings.ALLOWED_HOSTS!r}. A consumer's connect() refuses that way too when "
            "it raises DenyConnection or calls close() without a code."
        )

    def _missing_marker_cause(self, action: str, seen: list[Any], protocol: Protocol) -> str:
        actions = {protocol.action_of(frame) for frame in seen}
        if action == protocol.group_complete_action and protocol.complete_action in actions:
            return (
                f"{protocol.complete_action!r} came but no {action!r}: no group message "
                "reached this connection (was it in the group when the message was sent?)"
            )
        if protocol.send_completion is False:
            return "completion markers are off in the settings (CHANX['SEND_COMPLETION'])"
        if self._markers_seen:
            return (
                f"markers are on (this connection received {sorted(self._markers_seen)} "
                f"before), so the {action!r} for this wait never came: the consumer had not "
                "finished what was sent, ignored it, or it never reached this connection"
            )
        return (
            "no marker has come on this connection yet: completion markers may be off in "
            "the settings (CHANX['SEND_COMPLETION'], or named differently: CHANX_TESTING), or "
            "the consumer ignored what was sent"
        )


async def flush_channel_layers() -> None:
    """Empty every channel layer built so far, inside the running loop.

    The in-memory layer keeps groups and queued messages for the whole process, and a
    Redis layer keeps them in Redis; flushing also closes a Redis layer's pools for this
    loop, before the loop itself goes away.
    """
    for layer in list(channel_layers.backends.values()):
        flush = getattr(layer, "flush", None)
        if flush is not None:
            await flush()
        # channels_redis never drops a per-channel lock whose acquire was cancelled; bound to
        # this loop, it would fail a later test's consumer ("bound to a different event loop").
        locks = getattr(layer, "receive_clean_locks", None)
        if locks is not None and not getattr(layer, "receive_count", 0):
            layer.receive_clean_locks = type(locks)()


class CommunicatorFactory:
    """Creates communicators with defaults and disconnects every one of them in ``aclose()``."""

    def __init__(
        self,
        ws_path: str = "",
        headers: Headers | None = None,
        subprotocols: list[str] | None = None,
        router: ASGIApp | None = None,
    ) -> None:
        self.ws_path = ws_path
        self.headers = headers
        self.subprotocols = subprotocols
        self.router = router
        self._communicators: list[WebsocketCommunicator] = []

    def __call__(
        self,
        ws_path: str | None = None,
        *,
        headers: Headers | None = None,
        subprotocols: list[str] | None = None,
        router: ASGIApp | None = None,
    ) -> WebsocketCommunicator:
        """A tracked communicator; ``router`` defaults to the discovered application."""
        communicator = WebsocketCommunicator(
            router or self.router or discover_websocket_application(),
            self.ws_path if ws_path is None else ws_path,
            headers=self.headers if headers is None else headers,
            subprotocols=self.subprotocols if subprotocols is None else subprotocols,
        )
        self._communicators.append(communicator)
        return communicator

    @property
    def first(self) -> WebsocketCommunicator | None:
        """The first communicator made since the last ``aclose()``, if any."""
        return self._communicators[0] if self._communicators else None

    def __len__(self) -> int:
        return len(self._communicators)

    async def run_then_close(self, test: Callable[[], Awaitable[None]]) -> None:
        """Await the test, then ``aclose()`` in the same loop, whatever the test did.

        A failing test keeps its own exception; a cleanup error is added to it as a note.
        """
        try:
            await test()
        except BaseException as failure:
            try:
                await self.aclose()
            except Exception as cleanup_error:
                failure.add_note(f"Closing the communicators also failed: {cleanup_error!r}")
            raise
        await self.aclose()

    async def aclose(self) -> None:
        """Disconnect every communicator, flush the layers, then raise what the consumers raised."""
        errors: list[Exception] = []
        for communicator in self._communicators:
            try:
                await communicator.aclose()
            except Exception as error:
                errors.append(error)
        self._communicators.clear()
        await flush_channel_layers()
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise ExceptionGroup("several consumers raised during the test", errors)
