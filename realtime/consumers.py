"""The base consumer every app consumer stands on.

Connect -> authenticate -> permit -> join groups -> ``authentication`` message.
Each text frame -> one typed message (a pydantic discriminated union on
``action``) -> ``receive_message``. Group messages are relayed to each member
with ``is_mine`` / ``is_current`` added.
"""

import asyncio
import logging
import time
from collections.abc import Sequence
from http import HTTPStatus
from typing import (
    Annotated,
    Any,
    ClassVar,
    Generic,
    TypedDict,
    TypeVar,
    Union,
    get_args,
    get_origin,
)

from channels.consumer import get_handler_name
from channels.db import aclose_old_connections, database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet
from pydantic import Field, TypeAdapter, ValidationError
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from realtime.handshake import HandshakePolicy, check_handshake
from realtime.messages.base import BaseMessage
from realtime.messages.incoming import PingMessage
from realtime.messages.outgoing import (
    AuthenticationMessage,
    AuthenticationPayload,
    CompleteMessage,
    ErrorDetail,
    ErrorMessage,
    ErrorPayload,
    GroupCompleteMessage,
    PongMessage,
)
from realtime.rate_limit import TokenBucket
from realtime.sessions import EndSessionEvent, end_session_event, user_group
from realtime.settings import RealtimeSettings, realtime_settings

logger = logging.getLogger(__name__)

IncomingT = TypeVar("IncomingT", bound=BaseMessage)

# Close codes after a refused handshake: 4000 + the HTTP status (4401, 4403, 4404).
CLOSE_CODE_BASE = 4000


class GroupMessageEvent(TypedDict):
    """What travels through the channel layer for one group message.

    ``text`` is the message serialised once, by the sender (a JSON object);
    each member's consumer only appends ``is_mine`` / ``is_current`` to it.
    """

    type: str
    text: str
    sender_channel: str
    sender_user: str | None
    exclude_current: bool


class InvalidFrame(Exception):
    """A frame that is not one of the messages this consumer accepts."""

    def __init__(self, payload: ErrorPayload) -> None:
        super().__init__(payload.message)
        self.payload = payload


# Channel-layer and socket events whose handlers here use no database, so
# channels' per-event ``close_old_connections()`` (a hop to a worker thread
# and back, the largest single cost of a relay) is not run for them. A frame
# (``websocket.receive``) runs it only when it reaches ``receive_message``;
# ping, refused and invalid frames never need it. Every other event type
# (connect, disconnect, a subclass's own handlers) keeps channels' behaviour.
_NO_DATABASE_EVENTS = frozenset(
    {"websocket.receive", "realtime.group_message", "realtime.end_session"}
)

# The relayed message's closing brace, replaced by the two flags.
_RELAY_SUFFIXES = {
    (mine, current): f',"is_mine":{str(mine).lower()},"is_current":{str(current).lower()}}}'
    for mine in (False, True)
    for current in (False, True)
}

# Summaries for the first validation error a frame hits, by pydantic's error type.
_FRAME_ERROR_SUMMARIES = {
    "json_invalid": "Malformed JSON.",
    "dict_type": "A message must be a JSON object with an 'action' key.",
    "model_type": "A message must be a JSON object with an 'action' key.",
    "union_tag_not_found": "The message has no 'action'.",
    "union_tag_invalid": "Unknown action.",
}


class RealtimeConsumer(AsyncJsonWebsocketConsumer, Generic[IncomingT]):  # type: ignore[misc]
    """Subclass as ``RealtimeConsumer[MyIncoming]``, where ``MyIncoming`` is a
    message class or a union of them, and implement ``receive_message``.

    Access is declared the DRF way: ``authentication_classes``,
    ``permission_classes`` and, for object permissions, a ``queryset`` in which
    the URL route kwargs (``lookup_field`` / ``lookup_url_kwarg``) name the object.
    """

    # None means DRF's DEFAULT_AUTHENTICATION_CLASSES / DEFAULT_PERMISSION_CLASSES.
    authentication_classes: ClassVar[Sequence[type[BaseAuthentication]] | None] = None
    permission_classes: ClassVar[Sequence[type[BasePermission]] | None] = None
    queryset: ClassVar[QuerySet[Any] | None] = None
    lookup_field: ClassVar[str] = "pk"
    lookup_url_kwarg: ClassVar[str | None] = None

    incoming_adapter: ClassVar[TypeAdapter[Any]] = TypeAdapter(PingMessage)

    # Run Django's close_old_connections() (in a worker thread) before each
    # receive_message(), as channels does before every event: needed when a
    # handler uses Django's async ORM (``await Model.objects.aget()``). A
    # consumer whose handlers reach the database only through
    # ``database_sync_to_async`` (which closes old connections itself, in its
    # own thread) can set this to False and save one thread hop per message.
    close_old_connections_per_message: ClassVar[bool] = True

    # Set once the handshake succeeded; frames before that are ignored.
    user: AbstractBaseUser | AnonymousUser
    obj: Model | None
    config: RealtimeSettings
    ready: bool = False
    # The groups of get_groups(), which group messages go to; ``groups`` (what
    # channels discards on disconnect) adds the user's own group.
    message_groups: list[str]
    rate_limit: TokenBucket
    # user_key(self.user), computed once: compared on every relayed message.
    user_key: str | None = None
    violations: int = 0
    expiry_timer: asyncio.TimerHandle | None = None
    expiry_task: "asyncio.Future[None] | None" = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is RealtimeConsumer:
                (incoming,) = get_args(base)
                if not isinstance(incoming, TypeVar):
                    cls.incoming_adapter = incoming_adapter(incoming)

    # Connection lifecycle

    async def connect(self) -> None:
        self.config = realtime_settings()
        await self.accept()
        result = await database_sync_to_async(check_handshake)(self.handshake_policy(), self.scope)
        self.user = result.user
        self.obj = result.obj
        self.user_key = user_key(self.user)
        if not result.ok:
            await self.end_session(HTTPStatus(result.status_code), result.detail)
            return
        # Join before announcing success, so that a client told "200" never
        # misses a group message sent right after. The user's own group is how
        # a logout or a removal reaches this socket (realtime.sessions).
        self.message_groups = await self.get_groups()
        self.groups = [*self.message_groups, user_group(str(self.user.pk))]
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.rate_limit = TokenBucket(self.config.rate_per_second, self.config.rate_burst)
        if result.expires_at is not None:
            self.close_when_expired(result.expires_at)
        await self.send_authentication(HTTPStatus.OK)
        self.ready = True

    def close_when_expired(self, expires_at: float) -> None:
        """End the session when the token it was opened with expires: the
        client refreshes its cookie and reconnects (close code 4401)."""
        event = end_session_event(
            str(self.user.pk), HTTPStatus.UNAUTHORIZED, "Session expired: refresh and reconnect."
        )

        def expire() -> None:
            # Through the channel layer, so it is handled in turn like any event.
            self.expiry_task = asyncio.ensure_future(
                self.channel_layer.send(self.channel_name, event)
            )

        loop = asyncio.get_running_loop()
        self.expiry_timer = loop.call_later(max(0.0, expires_at - time.time()), expire)

    async def disconnect(self, code: int) -> None:
        if self.expiry_timer is not None:
            self.expiry_timer.cancel()

    async def send_authentication(self, status: HTTPStatus, detail: Any = None) -> None:
        await self.send_message(
            AuthenticationMessage(
                payload=AuthenticationPayload(
                    status_code=status, status_text=status.phrase, data=detail
                )
            )
        )

    async def end_session(self, status: HTTPStatus, detail: Any) -> None:
        """Tell the client why (an ``authentication`` message), then close."""
        self.ready = False
        await self.send_authentication(status, detail)
        await self.close(code=CLOSE_CODE_BASE + status)

    async def realtime_end_session(self, event: EndSessionEvent) -> None:
        if self.ready and event["user"] == self.user_key:
            await self.end_session(HTTPStatus(event["status_code"]), event["reason"])

    def handshake_policy(self) -> HandshakePolicy:
        return HandshakePolicy(
            authentication_classes=self.authentication_classes,
            permission_classes=self.permission_classes,
            queryset=self.queryset,
            lookup_field=self.lookup_field,
            lookup_url_kwarg=self.lookup_url_kwarg,
        )

    async def get_groups(self) -> list[str]:
        """The channel-layer groups this connection joins once permitted."""
        return []

    async def dispatch(self, message: dict[str, Any]) -> None:
        """channels' dispatch, without the database hop for events that need
        none (see ``_NO_DATABASE_EVENTS``)."""
        if message["type"] not in _NO_DATABASE_EVENTS:
            await super().dispatch(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # Incoming frames

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.ready:
            return
        try:
            message = self.parse_frame(text_data, bytes_data)
        except InvalidFrame as exc:
            await self.send_message(ErrorMessage(payload=exc.payload))
        else:
            await self.dispatch_message(message)
        if self.violations >= self.config.max_violations:
            await self.end_session(
                HTTPStatus.TOO_MANY_REQUESTS, "Too many messages, too often: connection closed."
            )
        elif self.config.send_completion:
            await self.send(text_data=COMPLETE_TEXT)

    def parse_frame(self, text_data: str | None, bytes_data: bytes | None) -> BaseMessage:
        """The frame as one of this consumer's messages, or InvalidFrame saying why not."""
        if not self.rate_limit.take():
            self.violations += 1
            rate = f"{self.config.rate_per_second:g} per second"
            raise InvalidFrame(ErrorPayload(message=f"Too many messages: at most {rate}."))
        if text_data is None:
            raise InvalidFrame(
                ErrorPayload(message="Binary frames are not accepted; send JSON text.")
            )
        if len(text_data) > self.config.max_frame_chars:
            raise InvalidFrame(
                ErrorPayload(
                    message=f"Frame too large: at most {self.config.max_frame_chars} characters."
                )
            )
        try:
            message: BaseMessage = self.incoming_adapter.validate_json(text_data)
        except ValidationError as exc:
            raise InvalidFrame(frame_error(exc)) from None
        return message

    async def dispatch_message(self, message: BaseMessage) -> None:
        try:
            if isinstance(message, PingMessage):
                await self.send(text_data=PONG_TEXT)
            else:
                if self.close_old_connections_per_message:
                    await aclose_old_connections()
                await self.receive_message(message)  # type: ignore[arg-type]
        except Exception:
            # Logged with its traceback for us; the client learns only that it failed.
            logger.exception("Handling %r failed on %s", message.action, self.scope.get("path"))
            await self.send_message(
                ErrorMessage(
                    payload=ErrorPayload(message="Internal error while handling the message.")
                )
            )

    async def receive_message(self, message: IncomingT) -> None:
        """Handle one validated incoming message (ping never reaches here)."""
        raise NotImplementedError(f"{type(self).__name__} must implement receive_message()")

    # Outgoing frames

    async def send_message(self, message: BaseMessage) -> None:
        await self.send(text_data=message.model_dump_json())

    async def send_group_message(
        self,
        message: BaseMessage,
        *,
        groups: Sequence[str] | None = None,
        exclude_current: bool = False,
    ) -> None:
        """Send ``message`` to every connection in ``groups`` (default: those
        of ``get_groups()``); ``exclude_current`` skips this socket."""
        event: GroupMessageEvent = {
            "type": "realtime.group_message",
            "text": message.model_dump_json(),
            "sender_channel": self.channel_name,
            "sender_user": self.user_key,
            "exclude_current": exclude_current,
        }
        for group in self.message_groups if groups is None else groups:
            await self.channel_layer.group_send(group, event)

    async def realtime_group_message(self, event: GroupMessageEvent) -> None:
        """Relay a group message to this client, saying whose it is."""
        is_current = event["sender_channel"] == self.channel_name
        if is_current and event["exclude_current"]:
            return
        mine = event["sender_user"] is not None and event["sender_user"] == self.user_key
        # The sender serialised the message once; a JSON object ends with "}".
        text = event["text"]
        await self.send(text_data=text[: text.rindex("}")] + _RELAY_SUFFIXES[mine, is_current])
        if self.config.send_completion:
            await self.send(text_data=GROUP_COMPLETE_TEXT)


# Frames that never vary, serialised once.
PONG_TEXT = PongMessage().model_dump_json()
COMPLETE_TEXT = CompleteMessage().model_dump_json()
GROUP_COMPLETE_TEXT = GroupCompleteMessage().model_dump_json()


def incoming_adapter(incoming: Any) -> TypeAdapter[Any]:
    """One validator for a consumer's messages, discriminated on ``action``.

    Ping is always understood, whether or not the declared union lists it.
    """
    members = tuple(dict.fromkeys((*(get_args(incoming) or (incoming,)), PingMessage)))
    if len(members) == 1:
        return TypeAdapter(members[0])
    union: Any = Union[members]  # noqa: UP007 - built from a runtime tuple
    return TypeAdapter(Annotated[union, Field(discriminator="action")])


def user_key(user: AbstractBaseUser | AnonymousUser) -> str | None:
    return str(user.pk) if user.is_authenticated else None


def frame_error(exc: ValidationError) -> ErrorPayload:
    """Say what is wrong with a frame, without echoing its content back."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    summary = _FRAME_ERROR_SUMMARIES.get(errors[0]["type"], "Invalid message.")
    return ErrorPayload(
        message=summary,
        errors=[
            ErrorDetail(loc=list(error["loc"]), msg=error["msg"], type=error["type"])
            for error in errors
        ],
    )
