"""Every WebSocket message of the consumer layer, and the shapes app messages share.

Every frame is ``{"action": ..., "payload": ...}``: ``BaseMessage``. A message for a
group's members is a ``GroupMessage``, which each receiver gets with ``is_mine`` and
``is_current``. The rest are the messages the layer itself understands (ping) and sends
(pong, error, authentication, and the complete / group_complete markers tests wait for).
"""

from http import HTTPStatus
from typing import Any, ClassVar, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict


class BasePayload(BaseModel):
    """A message's payload: unknown keys are refused here too."""

    model_config = ConfigDict(extra="forbid")


class BaseMessage(BaseModel):
    """One frame on the wire.

    A message class narrows ``action`` to a one-value ``Literal`` with that value as its
    default (the discriminator of incoming unions; any other ``action`` is refused when
    the class is defined) and ``payload`` to a model. Unknown keys are refused so that a
    typo in a client surfaces at once.
    """

    model_config = ConfigDict(extra="forbid")

    # Set in the body of a base that declares no action itself (GroupMessage, SignalMessage).
    abstract_message: ClassVar[bool] = False

    action: str
    payload: Any = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.__dict__.get("abstract_message", False):
            return
        field = cls.model_fields["action"]
        values = get_args(field.annotation) if get_origin(field.annotation) is Literal else ()
        if len(values) != 1 or field.default != values[0]:
            raise TypeError(
                f"{cls.__name__}.action must be a one-value Literal with that value as its "
                f'default, e.g. action: Literal["{cls.__name__.lower()}"] = '
                f'"{cls.__name__.lower()}"'
            )


def message_action(message_class: type[BaseMessage]) -> str:
    """The ``action`` a message class sends and accepts (its Literal's one value)."""
    action: str = message_class.model_fields["action"].default
    return action


class GroupMessage(BaseMessage):
    """A message for every socket in a group (``realtime.groups.push``).

    The sender leaves the two flags out; the relay sets them for each receiver:
    ``is_mine`` (sent by the same user) and ``is_current`` (sent by this very socket).
    So the frame a member receives validates against the class that was sent.
    """

    abstract_message: ClassVar[bool] = True

    is_mine: bool = False
    is_current: bool = False


# What the relay adds to a group message; the sender serialises it without them.
RELAY_FLAGS = frozenset({"is_mine", "is_current"})


class SignalMessage(BaseMessage):
    """A message that is all action: no payload."""

    abstract_message: ClassVar[bool] = True

    payload: None = None


class PingMessage(SignalMessage):
    """A liveness check; every consumer answers it with ``pong``."""

    action: Literal["ping"] = "ping"


class PongMessage(SignalMessage):
    """The answer to ``ping``."""

    action: Literal["pong"] = "pong"


class ErrorDetail(BasePayload):
    """One problem found in a frame: where (``loc``) and what (``msg``)."""

    loc: list[str | int] = []
    msg: str
    type: str


class ErrorPayload(BasePayload):
    message: str
    errors: list[ErrorDetail] = []


class ErrorMessage(BaseMessage):
    """A frame was refused, or handling it failed; the socket stays open."""

    action: Literal["error"] = "error"
    payload: ErrorPayload


class AuthenticationPayload(BasePayload):
    status_code: int
    status_text: str
    data: Any = None


class AuthenticationMessage(BaseMessage):
    """The first frame of every connection: may this client use this socket?

    Sent again, with the status, when the server ends a session (the socket then
    closes with 4000 + the status).
    """

    action: Literal["authentication"] = "authentication"
    payload: AuthenticationPayload

    @classmethod
    def for_status(cls, status: HTTPStatus, detail: Any = None) -> "AuthenticationMessage":
        return cls(
            payload=AuthenticationPayload(
                status_code=status, status_text=status.phrase, data=detail
            )
        )


class CompleteMessage(SignalMessage):
    """Sent after an incoming message is handled (only when markers are on)."""

    action: Literal["complete"] = "complete"


class GroupCompleteMessage(SignalMessage):
    """Sent after a relayed group message (only when markers are on)."""

    action: Literal["group_complete"] = "group_complete"
