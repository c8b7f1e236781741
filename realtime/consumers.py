"""The base consumer every app consumer stands on: one connection's lifecycle.

connect: DRF authenticates and permits the handshake (``realtime.handshake``), the
socket joins its groups, and the client is told ``authentication`` 200; or it is told
the status and closed with 4000 + status.
receive: each frame is counted when it arrives (``websocket_receive``, before any await):
the rate limit answers a flood (an ``error``, then close 4429) however slow the handler
is. Counted frames wait in a small per-socket inbox and are handled in order by one task
per socket (``work``): each becomes one typed message (``realtime.frames``); ping is
answered here, the app's own messages go to ``receive_message``. At ``max_in_flight``
frames in the inbox nothing more is read from the socket until the handler catches up:
a client the worker is slow to answer is slowed down, never closed for it.
A user may hold ``max_sockets_per_user`` sockets open in one worker process; one more is
refused at connect (``authentication`` 429, close 4429).
disconnect: the socket leaves its groups; the expiry timer, the user's socket slot and the
frames not yet handled are given up. A consumer stopped any other way (daphne cancels
every consumer on shutdown, a task is cancelled, a handler raises) gives them up and
leaves its groups too, in ``__call__``'s ``finally``: a member left behind would stay in a
Redis group until the group expires (a day by default).
Group messages (``realtime.groups``) reach the client with ``is_mine`` / ``is_current``.
"""

import asyncio
import logging
import random
import time
import warnings
from collections import deque
from collections.abc import Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, get_args, get_origin

from channels.consumer import get_handler_name
from channels.db import aclose_old_connections
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db.models import Model
from pydantic import TypeAdapter

from realtime import membership
from realtime.database import database_sync_to_async
from realtime.frames import (
    FrameReader,
    IncomingT,
    InvalidFrame,
    incoming_adapter,
    incoming_classes,
)
from realtime.groups import (
    EndSessionEvent,
    GroupMessageEvent,
    Sender,
    apush,
    end_session_event,
    relayed_text,
    user_group,
    user_key,
)
from realtime.handshake import HandshakePolicy, check_handshake
from realtime.messages import (
    AuthenticationMessage,
    BaseMessage,
    CompleteMessage,
    ErrorMessage,
    ErrorPayload,
    GroupCompleteMessage,
    GroupMessage,
    PingMessage,
    PongMessage,
    message_action,
)
from realtime.rate_limit import handshake_slots, open_sockets
from realtime.settings import RealtimeSettings, realtime_settings

if TYPE_CHECKING:
    # django-stubs' placeholders for the project's user model (AUTH_USER_MODEL).
    from django.contrib.auth.models import _AnyUser, _User

logger = logging.getLogger(__name__)

ObjT = TypeVar("ObjT", bound=Model | None)

# Close codes after a refused handshake or an ended session: 4000 + the HTTP status.
CLOSE_CODE_BASE = 4000
# The close when handling frames failed in the layer itself (not in a handler).
INTERNAL_ERROR_CLOSE_CODE = 1011
# Every code the server closes a socket with, and why (the AsyncAPI document lists them).
CLOSE_CODES = {
    CLOSE_CODE_BASE + HTTPStatus.UNAUTHORIZED: (
        "not logged in, the token or session expired, or logged out: refresh and reconnect"
    ),
    CLOSE_CODE_BASE + HTTPStatus.FORBIDDEN: (
        "not permitted (an object that does not exist may be answered alike, so as not "
        "to tell), or the permission was withdrawn while connected"
    ),
    CLOSE_CODE_BASE + HTTPStatus.NOT_FOUND: (
        "no such object, the object was deleted while connected, or no endpoint at this path"
    ),
    CLOSE_CODE_BASE + HTTPStatus.TOO_MANY_REQUESTS: (
        "too many frames, too often, or too many sockets for this user"
    ),
    CLOSE_CODE_BASE + HTTPStatus.SERVICE_UNAVAILABLE: (
        "the server cannot reach its channel layer (Redis) just now: reconnect in a moment"
    ),
    INTERNAL_ERROR_CLOSE_CODE: "handling frames failed in the server: reconnect",
}

# Channel-layer and socket events whose handlers here use no database, so channels'
# per-event ``close_old_connections()`` (a hop to a worker thread and back, the largest
# single cost of a relay) is skipped for them; see ``close_old_connections_per_message``.
_NO_DATABASE_EVENTS = frozenset(
    {"websocket.receive", "realtime.group_message", "realtime.end_session"}
)
# The socket's opening and closing: the layer's own database work then runs through
# realtime.database, which closes stale connections on its own threads, so the hop is
# skipped for them too unless ``close_old_connections_per_message`` asks for it. The hop
# runs on asgiref's one thread-sensitive thread, shared by every socket of the process:
# in a burst of handshakes, the last ones queued there so long that daphne gave up on
# them (its 5 s opening-handshake timeout) before ``connect()`` could accept.
_LIFECYCLE_EVENTS = frozenset({"websocket.connect", "websocket.disconnect"})

# How long a stopping consumer may spend leaving its groups (a layer that is down must
# not hold up a shutdown).
LEAVE_GROUPS_SECONDS = 5.0
# The leaves of consumers that may have been cancelled since, still going.
_LEAVING: "set[asyncio.Future[None]]" = set()

# Frames that never vary, serialised once.
PONG_TEXT = PongMessage().model_dump_json()
COMPLETE_TEXT = CompleteMessage().model_dump_json()
GROUP_COMPLETE_TEXT = GroupCompleteMessage().model_dump_json()

# What every consumer may send, whatever it declares: the layer's own messages.
LAYER_OUTGOING: tuple[type[BaseMessage], ...] = (
    AuthenticationMessage,
    ErrorMessage,
    PongMessage,
    CompleteMessage,
    GroupCompleteMessage,
)


class UndeclaredMessageWarning(RuntimeWarning):
    """A consumer sent a message class missing from its ``outgoing_messages``, so
    the AsyncAPI document does not list it (an error in the tests: pytest.ini)."""


class RealtimeConsumer(
    HandshakePolicy,
    AsyncWebsocketConsumer,  # type: ignore[misc]  # channels ships no type information
    Generic[IncomingT, ObjT],
):
    """Subclass as ``RealtimeConsumer[MyMessage, MyModel]`` and implement ``receive_message``.

    ``MyMessage`` is the message class (or union of them) the consumer handles; ping is
    the base class's. ``MyModel`` is the type of ``obj``, the object the URL names
    through ``queryset`` (``None`` without one). Access is declared the DRF way
    (``HandshakePolicy``): ``authentication_classes``, ``permission_classes``,
    ``queryset`` and its lookups.
    """

    # The one switch for channels' per-event database hop. Off: stale connections are
    # closed only where the database is used, by realtime.database's wrapper in its own
    # thread (what every consumer here does). On: also before connect(), disconnect()
    # and every receive_message(), for handlers that use Django's async ORM
    # (``await Model.objects.aget()``).
    close_old_connections_per_message: ClassVar[bool] = False

    # The message classes the consumer handles, ping included: set from the class's
    # declaration (``RealtimeConsumer[Incoming, Obj]``). realtime.asyncapi lists them.
    incoming_messages: ClassVar[tuple[type[BaseMessage], ...]] = (PingMessage,)
    incoming_adapter: ClassVar[TypeAdapter[Any]] = incoming_adapter(incoming_messages)
    # The message classes the consumer sends besides the layer's own (LAYER_OUTGOING):
    # its answers and the group messages its sockets get. realtime.asyncapi lists them;
    # sending one not declared here warns (UndeclaredMessageWarning).
    outgoing_messages: ClassVar[tuple[type[BaseMessage], ...]] = ()
    # Their actions, computed once per class.
    sent_actions: ClassVar[frozenset[str]] = frozenset(map(message_action, LAYER_OUTGOING))

    # Set by connect(); frames before the handshake succeeded are ignored.
    user: "_AnyUser"
    obj: ObjT
    config: RealtimeSettings
    frames: FrameReader[IncomingT]
    ready: bool = False
    # The groups of get_groups(), which group messages go to; ``groups`` (what
    # channels leaves on disconnect) adds the user's own group.
    message_groups: list[str]
    # user_key(self.user.pk), computed once: compared on every relayed message.
    user_key: str | None = None
    # The groups joined and not yet left (recorded before each group_add returns, so a
    # consumer cancelled mid-join still leaves it).
    joined_groups: list[str]
    # Held while groups are joined, joined again or left, so that they happen in order.
    membership_lock: asyncio.Lock
    # The task that joins them again every ``membership.refresh_interval``.
    refresher: "asyncio.Task[None] | None" = None
    # The task leaving them when the consumer stops (see ``leave_groups``).
    leaving: "asyncio.Future[None] | None" = None
    expiry_timer: asyncio.TimerHandle | None = None
    expiry_task: "asyncio.Future[None] | None" = None
    # The user key counted in ``open_sockets`` for this socket, once counted.
    socket_slot: str | None = None
    # Frames counted on arrival and not yet handled (those in ``inbox`` plus the one
    # being handled), and the task handling them in order (None while there are none).
    # Group messages that come while it works wait in the inbox too, so that a client
    # gets everything in the order it happened (a frame's ``complete`` before the
    # relay of the next group message).
    inbox: "deque[tuple[str | None, bytes | None] | GroupMessageEvent]"
    in_flight: int = 0
    worker: "asyncio.Task[None] | None" = None
    # Set while fewer than ``max_in_flight`` frames are in flight: only then is the next
    # event taken from the server (``__call__``). At the cap the server stops reading the
    # socket (daphne, once its queue is full: realtime.backpressure), and the client's
    # sends wait in TCP's buffers, then in its own, until the answers catch up.
    room: asyncio.Event

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inbox = deque()
        self.membership_lock = asyncio.Lock()
        self.room = asyncio.Event()
        self.room.set()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is RealtimeConsumer:
                incoming = get_args(base)[0]
                if not isinstance(incoming, TypeVar):
                    cls.incoming_messages = incoming_classes(incoming)
                    cls.incoming_adapter = incoming_adapter(cls.incoming_messages)
        cls.sent_actions = frozenset(map(message_action, cls.sent_messages()))

    @classmethod
    def sent_messages(cls) -> tuple[type[BaseMessage], ...]:
        """Every message class this consumer may send: the layer's, then its own."""
        return tuple(dict.fromkeys((*LAYER_OUTGOING, *cls.outgoing_messages)))

    def check_declared(self, action: str) -> None:
        """Warn when this consumer sends an action it does not declare."""
        if action not in self.sent_actions:
            warnings.warn(
                f"{type(self).__name__} sends {action!r}, which is not in its "
                "outgoing_messages: the AsyncAPI document does not list it",
                UndeclaredMessageWarning,
                stacklevel=3,
            )

    # The lifecycle

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.joined_groups = []

        async def receive_when_room() -> Any:
            await self.room.wait()
            return await receive()

        try:
            await super().__call__(scope, receive_when_room, send)
        finally:
            # However the consumer ends (a disconnect, a crash, cancelled by the server's
            # shutdown): the user's slot is given back, no queued frame runs on, and the
            # groups the disconnect handler may never have left are left.
            self.give_up_work()
            await self.leave_groups()

    async def connect(self) -> None:
        self.config = realtime_settings()
        await self.accept()
        async with handshake_slots(self.config.handshakes_at_once):
            result = await database_sync_to_async(check_handshake)(self, self.scope)
        self.user, self.obj = result.user, result.obj
        self.user_key = user_key(self.user.pk) if self.user.is_authenticated else None
        if result.status != HTTPStatus.OK:
            await self.end_session(result.status, result.detail)
            return
        if self.user_key is not None:
            if not open_sockets.acquire(self.user_key, self.config.max_sockets_per_user):
                await self.end_session(
                    HTTPStatus.TOO_MANY_REQUESTS,
                    f"Too many open connections: at most {self.config.max_sockets_per_user} "
                    "per user.",
                )
                return
            self.socket_slot = self.user_key
        # Join before announcing success, so that a client told "200" never misses a
        # group message sent right after. The user's own group is how a logout or a
        # removal reaches this socket (realtime.groups.end_sessions).
        self.message_groups = await self.get_groups()
        self.groups = list(self.message_groups)
        if self.user_key is not None:
            self.groups.append(user_group(self.user_key))
        try:
            for group in self.groups:
                await self.join_group(group)
        except Exception:
            # The layer is down (Redis unreachable): a socket in none of its groups would
            # hear nothing, so the client is told to come back rather than let in deaf.
            logger.exception("Joining groups failed on %s", self.scope.get("path"))
            await self.leave_groups()
            await self.end_session(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "The server cannot reach its message service just now: reconnect in a moment.",
            )
            return
        self.refresh_groups()
        self.frames = FrameReader(self.incoming_adapter, self.config)
        if result.expires_at is not None:
            self.close_when_expired(result.expires_at)
        await self.send_message(AuthenticationMessage.for_status(HTTPStatus.OK))
        self.ready = True
        self.deliver_locally(True)

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        """A frame arrives: count it before anything is awaited, then queue it for
        ``work``. A flood is answered here, never behind a slow handler; at the cap on
        frames in flight, the next frame is read once one is handled."""
        if not self.ready:
            return
        try:
            self.frames.count(message.get("text"))
        except InvalidFrame as exc:
            # Over the rate: refused, never queued.
            await self.send_message(ErrorMessage(payload=exc.payload))
            if self.frames.exhausted:
                await self.end_session(
                    HTTPStatus.TOO_MANY_REQUESTS,
                    "Too many messages, too often: connection closed.",
                )
            elif self.config.send_completion:
                await self.send(text_data=COMPLETE_TEXT)
            return
        self.in_flight += 1
        if self.in_flight >= self.config.max_in_flight:
            # Nothing more is read from this socket until the answers catch up
            # (``receive_when_room``): the client is slowed down, as TCP does, not closed.
            self.room.clear()
        self.inbox.append((message.get("text"), message.get("bytes")))
        if self.worker is None:
            self.worker = asyncio.create_task(self.work())

    async def work(self) -> None:
        """Handle the queued frames in order, one at a time."""
        try:
            while self.inbox and self.ready:
                item = self.inbox.popleft()
                if not isinstance(item, tuple):
                    await self.relay(item)
                    continue
                try:
                    await self.receive(*item)
                finally:
                    self.in_flight -= 1
                    self.room.set()
        except Exception:
            # A bug in the layer, not in a handler (handle() catches those): the
            # socket cannot go on in order, so it is closed.
            logger.exception("Handling frames failed on %s", self.scope.get("path"))
            self.ready = False
            await self.close(code=INTERNAL_ERROR_CLOSE_CODE)
        finally:
            self.worker = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Handle one counted frame."""
        if not self.ready:
            return
        try:
            message = self.frames.read(text_data, bytes_data)
        except InvalidFrame as exc:
            await self.send_message(ErrorMessage(payload=exc.payload))
        else:
            await self.handle(message)
        if self.config.send_completion and self.ready:
            await self.send(text_data=COMPLETE_TEXT)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """channels' own, leaving only the groups still joined."""
        await self.leave_groups()
        await self.disconnect(message["code"])
        raise StopConsumer

    async def disconnect(self, code: int) -> None:
        if self.expiry_timer is not None:
            self.expiry_timer.cancel()
        worker = self.worker
        self.give_up_work()
        if worker is not None:
            # The frame being handled is cancelled too (a database write already
            # running in its thread completes); wait, so that nothing outlives us.
            await asyncio.wait([worker])

    async def join_group(self, group: str) -> None:
        """Join one more group (recorded first, so a consumer cancelled mid-join still
        leaves it)."""
        async with self.membership_lock:
            self.joined_groups.append(group)
            await membership.join(
                self.channel_layer, group, self.channel_name, at_once=self.group_calls
            )

    async def leave_group(self, group: str) -> None:
        """Leave one group joined before, while the consumer goes on."""
        async with self.membership_lock:
            if group in self.joined_groups:
                self.joined_groups.remove(group)
                await membership.leave(
                    self.channel_layer, group, self.channel_name, at_once=self.group_calls
                )

    async def leave_groups(self) -> None:
        """Leave every group still joined; once only. Bounded by LEAVE_GROUPS_SECONDS,
        and a layer that fails is logged, not raised: the consumer is stopping anyway
        (a member left behind lapses with the group's expiry, ``realtime.membership``).

        Shielded from the consumer's cancellation: daphne cancels a consumer still
        running ``application_close_timeout`` (10 s) after its socket closed, and every
        consumer on shutdown, and thousands of sockets closing together can keep leaves
        waiting for the layer that long; the leaves go on, and the cancelled consumer
        waits for them before it ends."""
        if self.refresher is not None:
            self.refresher.cancel()
        groups, self.joined_groups = self.joined_groups, []
        if groups:
            self.leaving = asyncio.ensure_future(self.leave_all(groups))
            _LEAVING.add(self.leaving)  # the loop keeps only weak references to tasks
            self.leaving.add_done_callback(_LEAVING.discard)
        if self.leaving is not None:
            # Called again after a cancellation (``__call__``'s ``finally``): the
            # consumer ends once its leaves have, so a shutdown waits for them too.
            await asyncio.shield(self.leaving)

    async def leave_all(self, groups: list[str]) -> None:
        try:
            async with asyncio.timeout(LEAVE_GROUPS_SECONDS), self.membership_lock:
                for group in groups:
                    await membership.leave(
                        self.channel_layer, group, self.channel_name, at_once=self.group_calls
                    )
        except Exception:
            logger.exception("Leaving groups %r failed on %s", groups, self.scope.get("path"))

    def refresh_groups(self) -> None:
        """Join the groups again every ``membership.refresh_interval`` (on a layer whose
        groups lapse), until the socket leaves them."""
        interval = membership.refresh_interval(self.channel_layer)
        if interval is not None:
            self.refresher = asyncio.create_task(self.keep_groups(interval))

    async def keep_groups(self, interval: float) -> None:
        # The first time after a random share of the interval, so that sockets opened
        # together do not all refresh together ever after.
        first = interval * random.uniform(0.5, 1.0)  # noqa: S311 - not a secret
        await membership.next_refresh(self.channel_layer, first)
        while True:
            async with self.membership_lock:
                for group in self.joined_groups:
                    try:
                        await membership.join(
                            self.channel_layer, group, self.channel_name, at_once=self.group_calls
                        )
                    except Exception as exc:
                        # Tried again at the next interval; the membership holds till then.
                        logger.warning("Joining %s again failed: %r", group, exc)
            await membership.next_refresh(self.channel_layer, interval)

    @property
    def group_calls(self) -> int:
        """How many group calls this worker makes at once (``GROUP_CALLS_AT_ONCE``)."""
        return self.config.group_calls_at_once

    # What a subclass provides

    async def get_groups(self) -> list[str]:
        """The channel-layer groups this connection joins once permitted."""
        return []

    async def receive_message(self, message: IncomingT) -> None:
        """Handle one of this consumer's own messages (ping never reaches here)."""
        raise NotImplementedError(f"{type(self).__name__} must implement receive_message()")

    @property
    def authenticated_user(self) -> "_User":
        """The user, for a consumer whose permission classes admit only authenticated
        users (``IsAuthenticated``): refused connections never get this far."""
        if not self.user.is_authenticated:
            raise PermissionError(f"{type(self).__name__} admits anonymous users")
        return self.user

    @property
    def sender(self) -> Sender:
        """This socket as the sender of a group message."""
        return Sender(user_pk=self.user_key, channel=self.channel_name)

    # Sending

    async def send_message(self, message: BaseMessage) -> None:
        self.check_declared(message.action)
        await self.send(text_data=message.model_dump_json())

    async def send_group_message(
        self,
        message: GroupMessage,
        *,
        groups: Sequence[str] | None = None,
        exclude_current: bool = False,
    ) -> None:
        """Push ``message`` to every connection in ``groups`` (default: those of
        ``get_groups()``); ``exclude_current`` skips this socket."""
        await apush(
            self.message_groups if groups is None else groups,
            message,
            sender=self.sender,
            exclude_current=exclude_current,
        )

    async def end_session(self, status: HTTPStatus, detail: Any) -> None:
        """Tell the client why (an ``authentication`` message), then close. Frames
        still queued are dropped."""
        self.ready = False
        self.deliver_locally(False)
        self.inbox.clear()
        await self.send_message(AuthenticationMessage.for_status(status, detail))
        await self.close(code=CLOSE_CODE_BASE + status)

    # Inside

    def deliver_locally(self, on: bool) -> None:
        """Ask the channel layer, if it can (``config.channel_layers``), to hand this
        socket its messages at once from the worker's one delivery task, rather than
        through the socket's buffer and its own wake-up (on, once the client is told
        200); or to stop (off, as the socket ends)."""
        deliver = getattr(self.channel_layer, "deliver_locally", None)
        if deliver is not None:
            deliver(self.channel_name, self.take_event if on else None)

    async def take_event(self, event: dict[str, Any]) -> None:
        """An event handed over by the layer's delivery task (a group message, or one
        sent to this socket alone, e.g. its session's expiry): handled as the consumer's
        own dispatch would, while the socket is open."""
        if self.ready:
            await self.dispatch(event)

    def give_up_work(self) -> None:
        """Give back the user's socket slot and drop the frames not yet handled (what
        the server holds for the socket is read again: its close is among it)."""
        self.ready = False
        self.deliver_locally(False)
        self.room.set()
        if self.socket_slot is not None:
            open_sockets.release(self.socket_slot)
            self.socket_slot = None
        self.inbox.clear()
        if self.worker is not None:
            self.worker.cancel()

    async def handle(self, message: PingMessage | IncomingT) -> None:
        try:
            if isinstance(message, PingMessage):
                await self.send(text_data=PONG_TEXT)
                return
            if self.close_old_connections_per_message:
                await aclose_old_connections()
            await self.receive_message(message)
        except Exception:
            # Logged with its traceback for us; the client learns only that it failed.
            logger.exception("Handling %r failed on %s", message.action, self.scope.get("path"))
            await self.send_message(
                ErrorMessage(
                    payload=ErrorPayload(message="Internal error while handling the message.")
                )
            )

    def close_when_expired(self, expires_at: float) -> None:
        """End the session when the token it was opened with expires: the client
        refreshes its cookie and reconnects (close code 4401)."""
        event = end_session_event(
            HTTPStatus.UNAUTHORIZED, "Session expired: refresh and reconnect."
        )

        def expire() -> None:
            # Through the channel layer, so it is handled in turn like any event.
            self.expiry_task = asyncio.ensure_future(
                self.channel_layer.send(self.channel_name, event)
            )

        loop = asyncio.get_running_loop()
        self.expiry_timer = loop.call_later(max(0.0, expires_at - time.time()), expire)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """channels' dispatch, without the database hop for events that need none
        (see ``_NO_DATABASE_EVENTS`` and ``_LIFECYCLE_EVENTS``)."""
        event = message["type"]
        if event not in _NO_DATABASE_EVENTS and (
            event not in _LIFECYCLE_EVENTS or self.close_old_connections_per_message
        ):
            await super().dispatch(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # Channel-layer events

    async def realtime_group_message(self, event: GroupMessageEvent) -> None:
        """Relay a group message to this client, saying whose it is: now, or after
        the frames already in flight."""
        if self.worker is not None:
            self.inbox.append(event)
            return
        await self.relay(event)

    async def relay(self, event: GroupMessageEvent) -> None:
        text = relayed_text(event, channel=self.channel_name, user=self.user_key)
        if text is None:
            return
        self.check_declared(event["action"])
        await self.send(text_data=text)
        if self.config.send_completion:
            await self.send(text_data=GROUP_COMPLETE_TEXT)

    async def realtime_end_session(self, event: EndSessionEvent) -> None:
        if self.ready and event["user"] in (None, self.user_key):
            await self.end_session(HTTPStatus(event["status_code"]), event["reason"])
