"""Messages the consumer layer itself sends."""

from typing import Any, Literal

from realtime.messages.base import BaseMessage, BasePayload


class PongMessage(BaseMessage):
    action: Literal["pong"] = "pong"
    payload: None = None


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
    """The first frame of every connection: may this client use this socket?"""

    action: Literal["authentication"] = "authentication"
    payload: AuthenticationPayload


class CompleteMessage(BaseMessage):
    """Sent after an incoming message is handled (only when markers are on)."""

    action: Literal["complete"] = "complete"
    payload: None = None


class GroupCompleteMessage(BaseMessage):
    """Sent after a relayed group message (only when markers are on)."""

    action: Literal["group_complete"] = "group_complete"
    payload: None = None
