"""The wire-protocol names the harness relies on, read from ``settings.CHANX_TESTING``.

Consumers of other projects may call their keys and marker actions differently; every
name the harness matches on lives here so that one settings dict adapts all of it.
"""

from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pydantic import BaseModel

Frame = dict[str, Any]
Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Protocol:
    """Names of the frame keys and marker actions, plus the default wait in seconds."""

    action_key: str = "action"
    payload_key: str = "payload"
    authentication_action: str = "authentication"
    complete_action: str = "complete"
    group_complete_action: str = "group_complete"
    timeout: float = 5.0

    @classmethod
    def from_settings(cls) -> "Protocol":
        """Read ``CHANX_TESTING`` (upper-case field names); refuse unknown keys, likely typos."""
        configured: dict[str, Any] = getattr(settings, "CHANX_TESTING", None) or {}
        known = {field.name.upper() for field in fields(cls)}
        unknown = sorted(set(configured) - known)
        if unknown:
            raise ImproperlyConfigured(
                f"CHANX_TESTING has unknown keys {unknown}; known keys: {sorted(known)}"
            )
        return cls(**{key.lower(): value for key, value in configured.items()})

    @property
    def markers(self) -> frozenset[str]:
        """Actions that only delimit a reply and are never part of one."""
        return frozenset({self.complete_action, self.group_complete_action})

    def action_of(self, frame: Any) -> Any:
        """The frame's action, or None for a frame that is not a JSON object."""
        return frame.get(self.action_key) if isinstance(frame, dict) else None


class AuthenticationPayload(BaseModel):
    """What the consumer reports about the handshake's authentication and permissions."""

    status_code: int
    status_text: str = ""
    data: Any = None


class AuthenticationMessage(BaseModel):
    """The typed authentication frame, whatever the project calls its keys."""

    action: str
    payload: AuthenticationPayload

    @classmethod
    def from_frame(cls, frame: Frame, protocol: Protocol) -> "AuthenticationMessage":
        return cls(action=frame[protocol.action_key], payload=frame[protocol.payload_key])
