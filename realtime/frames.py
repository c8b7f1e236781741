"""From a WebSocket frame to one typed message, or an ``error`` saying why not.

A frame is refused when it comes too often (a token bucket per connection) or is too
large, both checked when it arrives (``FrameReader.count``), is binary, or does not
validate as one of the consumer's messages (a pydantic discriminated union on
``action``). The error says what is wrong without echoing the frame's content back.
"""

from typing import Annotated, Any, Generic, TypeVar, Union, get_args

from pydantic import Field, TypeAdapter, ValidationError

from realtime.messages import BaseMessage, ErrorDetail, ErrorPayload, PingMessage
from realtime.rate_limit import TokenBucket
from realtime.settings import RealtimeSettings

IncomingT = TypeVar("IncomingT", bound=BaseMessage)

# Summaries for the first validation error a frame hits, by pydantic's error type.
_SUMMARIES = {
    "json_invalid": "Malformed JSON.",
    "dict_type": "A message must be a JSON object with an 'action' key.",
    "model_type": "A message must be a JSON object with an 'action' key.",
    "union_tag_not_found": "The message has no 'action'.",
    "union_tag_invalid": "Unknown action.",
}


class InvalidFrame(Exception):
    """A frame that is not one of the messages this consumer accepts."""

    def __init__(self, payload: ErrorPayload) -> None:
        super().__init__(payload.message)
        self.payload = payload


def incoming_classes(incoming: Any) -> tuple[type[BaseMessage], ...]:
    """The message classes of a consumer's declared messages (a class or a union of
    them), ping included: it is always understood, listed or not."""
    return tuple(dict.fromkeys((*(get_args(incoming) or (incoming,)), PingMessage)))


def incoming_adapter(members: tuple[type[BaseMessage], ...]) -> TypeAdapter[Any]:
    """One validator for a consumer's message classes, discriminated on ``action``."""
    if len(members) == 1:
        return TypeAdapter(members[0])
    union: Any = Union[members]  # noqa: UP007 - built from a runtime tuple
    return TypeAdapter(Annotated[union, Field(discriminator="action")])


# An error frame lists at most this many problems, and names a key by at most this
# many characters: a frame of 6,000 unknown keys must not get a reply ten times its size.
MAX_LISTED_ERRORS = 5
MAX_KEY_CHARS = 64


def frame_error(exc: ValidationError) -> ErrorPayload:
    """Say what is wrong with a frame, without echoing its content back."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    listed = errors[:MAX_LISTED_ERRORS]
    summary = _SUMMARIES.get(errors[0]["type"], "Invalid message.")
    if len(errors) > len(listed):
        summary += f" {len(errors)} problems; the first {len(listed)} are listed."
    return ErrorPayload(
        message=summary,
        errors=[
            ErrorDetail(
                loc=[part if isinstance(part, int) else part[:MAX_KEY_CHARS] for part in e["loc"]],
                msg=e["msg"],
                type=e["type"],
            )
            for e in listed
        ],
    )


class FrameReader(Generic[IncomingT]):
    """One connection's incoming frames: rate-limited, size-checked, validated."""

    def __init__(self, adapter: TypeAdapter[Any], config: RealtimeSettings) -> None:
        self.adapter = adapter
        self.config = config
        self.rate_limit = TokenBucket(config.rate_per_second, config.rate_burst)
        self.violations = 0

    @property
    def exhausted(self) -> bool:
        """Too many frames over the rate: the client is to be disconnected."""
        return self.violations >= self.config.max_violations

    def count(self, text_data: str | None) -> None:
        """Count one arriving frame against the rate; InvalidFrame if it is over, or
        if it is over the size limit: no client of the protocol sends one, so it counts
        as a violation too. Synchronous on purpose: called before any await, however
        slow the handler."""
        if text_data is not None and len(text_data) > self.config.max_frame_chars:
            self.violations += 1
            limit = self.config.max_frame_chars
            raise InvalidFrame(
                ErrorPayload(message=f"Frame too large: at most {limit} characters.")
            )
        if not self.rate_limit.take():
            self.violations += 1
            rate = f"{self.config.rate_per_second:g} per second"
            raise InvalidFrame(ErrorPayload(message=f"Too many messages: at most {rate}."))

    def read(self, text_data: str | None, bytes_data: bytes | None) -> PingMessage | IncomingT:
        """The frame (already counted, so within the size limit, checked on the raw
        frame as sent) as one of the consumer's messages, or InvalidFrame saying why not."""
        if text_data is None:
            raise InvalidFrame(
                ErrorPayload(message="Binary frames are not accepted; send JSON text.")
            )
        try:
            message: PingMessage | IncomingT = self.adapter.validate_json(text_data)
        except ValidationError as exc:
            raise InvalidFrame(frame_error(exc)) from None
        return message
