"""Messages every consumer understands, whatever its own union declares."""

from typing import Literal

from realtime.messages.base import BaseMessage


class PingMessage(BaseMessage):
    """A liveness check; the base consumer answers it with ``pong``."""

    action: Literal["ping"] = "ping"
    payload: None = None
