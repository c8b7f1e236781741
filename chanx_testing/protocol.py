"""The wire-protocol names the harness relies on, read from the settings.

Consumers of other projects may call their keys and marker actions differently; every
name the harness matches on lives here, so that one settings dict adapts all of it. A chanx
project's own ``CHANX`` settings are honoured as chanx's harness honours them, so that the
harness is a drop-in there; ``CHANX_TESTING`` overrides both.
"""

import re
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from pydantic import BaseModel

Frame = dict[str, Any]
Headers = list[tuple[bytes, bytes]]

# chanx's setting names, and the Protocol fields they set.
_FROM_CHANX = {
    "MESSAGE_ACTION_KEY": "action_key",
    "SEND_AUTHENTICATION_MESSAGE": "send_authentication_message",
    "SEND_COMPLETION": "send_completion",
    "CAMELIZE": "camelize",
}

_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")


@dataclass(frozen=True)
class Protocol:
    """Names of the frame keys and marker actions, what the consumer sends, the default wait.

    ``send_completion`` is None when the settings do not say whether markers are sent.
    """

    action_key: str = "action"
    payload_key: str = "payload"
    authentication_action: str = "authentication"
    complete_action: str = "complete"
    group_complete_action: str = "group_complete"
    send_authentication_message: bool = True
    send_completion: bool | None = None
    camelize: bool = False
    timeout: float = 5.0

    @classmethod
    def from_settings(cls) -> "Protocol":
        """``CHANX`` where chanx's names apply, then ``CHANX_TESTING`` (upper-case field names).

        Unknown ``CHANX_TESTING`` keys are refused: they are likely typos. Read once, and
        again after ``override_settings`` changes either dict.
        """
        return _configured_protocol()

    @classmethod
    def _read_settings(cls) -> "Protocol":
        chanx: dict[str, Any] = getattr(settings, "CHANX", None) or {}
        configured: dict[str, Any] = getattr(settings, "CHANX_TESTING", None) or {}
        known = {field.name.upper() for field in fields(cls)}
        unknown = sorted(set(configured) - known)
        if unknown:
            raise ImproperlyConfigured(
                f"CHANX_TESTING has unknown keys {unknown}; known keys: {sorted(known)}"
            )
        values = {field: chanx[name] for name, field in _FROM_CHANX.items() if name in chanx}
        values.update({key.lower(): value for key, value in configured.items()})
        return cls(**values)

    @property
    def markers(self) -> frozenset[str]:
        """Actions that only delimit a reply and are never part of one."""
        return frozenset({self.complete_action, self.group_complete_action})

    def action_of(self, frame: Any) -> Any:
        """The frame's action, or None for a frame that is not a JSON object."""
        return frame.get(self.action_key) if isinstance(frame, dict) else None


@cache
def _configured_protocol() -> Protocol:
    return Protocol._read_settings()


@receiver(setting_changed)
def _forget_the_protocol(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CHANX", "CHANX_TESTING"):
        _configured_protocol.cache_clear()


def decamelize(value: Any) -> Any:
    """``statusCode`` -> ``status_code`` in every key of nested dicts and lists."""
    if isinstance(value, dict):
        return {
            _CAMEL_HUMP.sub(r"_\1", key).lower() if isinstance(key, str) else key: decamelize(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [decamelize(item) for item in value]
    return value


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
        """Read the frame with the protocol's key names (camelCase ones when it camelizes)."""
        if protocol.camelize:
            frame = decamelize(frame)
        return cls(action=frame[protocol.action_key], payload=frame[protocol.payload_key])
