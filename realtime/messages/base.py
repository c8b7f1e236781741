"""The shape every WebSocket message shares: ``{"action": ..., "payload": ...}``."""

from typing import Any

from pydantic import BaseModel, ConfigDict


class BasePayload(BaseModel):
    """A message's payload: unknown keys are refused here too."""

    model_config = ConfigDict(extra="forbid")


class BaseMessage(BaseModel):
    """One frame on the wire.

    Subclasses narrow ``action`` to a ``Literal`` with a default (that literal
    is the discriminator of incoming unions) and ``payload`` to a model.
    Unknown keys are refused so that a typo in a client surfaces at once.
    """

    model_config = ConfigDict(extra="forbid")

    action: str
    payload: Any = None
