"""The wire-protocol names the harness relies on, read from the settings.

Consumers of other projects may call their keys and marker actions differently; every
name the harness matches on lives here, so that one settings dict adapts all of it.

A chanx project's settings are read as chanx reads them: where chanx is installed, from
chanx's own live settings object (so ``override_chanx_settings`` and chanx's defaults
apply); elsewhere from Django's ``CHANX`` dict, with chanx's defaults for the keys it does
not name. ``CHANX_TESTING`` overrides both.
"""

import importlib
import json
import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace
from functools import cache
from types import ModuleType
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from pydantic import BaseModel

Frame = dict[str, Any]
Headers = list[tuple[bytes, bytes]]

# chanx's setting names, their defaults in chanx (0.13 and 2.x alike), and the Protocol
# fields they set.
_FROM_CHANX = {
    "MESSAGE_ACTION_KEY": ("action_key", "action"),
    "SEND_AUTHENTICATION_MESSAGE": ("send_authentication_message", True),
    "SEND_COMPLETION": ("send_completion", False),
    "CAMELIZE": ("camelize", False),
}

# Where chanx's consumers find chanx's settings object, as ``chanx_settings``. chanx 2's read
# its settings module's object at each use. chanx 0.13's consumer module bound the object when
# it was imported: ``override_chanx_settings`` changes that one, while an
# ``override_settings(CHANX=...)`` makes chanx build another that its consumers never see.
_CHANX_SETTINGS_MODULES = ("chanx.channels.settings", "chanx.generic.websocket")

# Keys of chanx 2's topic envelope, which travel beside the action and payload.
ENVELOPE_KEYS = frozenset({"version", "topic", "ref", "seq"})
ENVELOPE_VERSION = 1

_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")
_SNAKE_JOIN = re.compile(r"(?<=[a-zA-Z0-9])_([a-z0-9])")


@dataclass(frozen=True)
class Protocol:
    """Names of the frame keys and marker actions, what the consumer sends, the default wait.

    ``send_completion`` is None when nothing says whether markers are sent (a project
    without chanx settings). ``ref_key`` may be a dotted path (``payload.client_id``) for
    protocols that carry a request's reference inside the payload.
    """

    action_key: str = "action"
    payload_key: str = "payload"
    ref_key: str = "ref"
    authentication_action: str = "authentication"
    complete_action: str = "complete"
    group_complete_action: str = "group_complete"
    event_complete_action: str = "event_complete"
    send_authentication_message: bool = True
    send_completion: bool | None = None
    camelize: bool = False
    timeout: float = 5.0

    @classmethod
    def from_settings(cls) -> "Protocol":
        """chanx's settings where chanx's names apply, then ``CHANX_TESTING``.

        ``CHANX_TESTING`` keys are the upper-case field names; unknown ones are refused
        (they are likely typos). Read at each call: chanx's ``override_chanx_settings``
        changes chanx's settings object without telling anyone.
        """
        return cls(**{**_chanx_values(), **_testing_values()})

    def for_consumer(self, consumer: type | None) -> "Protocol":
        """This protocol as a chanx 2 consumer class overrides it (``camelize``,
        ``send_completion`` set on the class)."""
        if consumer is None:
            return self
        overrides = {
            name: getattr(consumer, name)
            for name in ("camelize", "send_completion")
            if isinstance(getattr(consumer, name, None), bool)
        }
        return replace(self, **overrides) if overrides else self

    @property
    def markers(self) -> frozenset[str]:
        """Actions that only delimit a reply and are never part of one."""
        return frozenset(
            {self.complete_action, self.group_complete_action, self.event_complete_action}
        )

    def action_of(self, frame: Any) -> Any:
        """The frame's action, or None for a frame that is not a JSON object."""
        return frame.get(self.action_key) if isinstance(frame, dict) else None

    def ref_of(self, frame: Any) -> Any:
        """The frame's reference (``ref_key``, dotted for a nested key), or None."""
        value = frame
        for key in self.ref_key.split("."):
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    def readable(self, frame: Any) -> Any:
        """The frame with snake_case keys when the consumer camelizes, else as it is."""
        return decamelize(frame) if self.camelize else frame

    def matches(self, frame: Any, action: str | None, fields: Mapping[str, Any]) -> bool:
        """Whether ``frame`` has ``action`` (any, when None) and a payload holding
        ``fields`` (each key equal; other keys may be there too)."""
        if not isinstance(frame, dict):
            return False
        frame = self.readable(frame)
        if action is not None and self.action_of(frame) != action:
            return False
        if not fields:
            return True
        payload = frame.get(self.payload_key)
        return isinstance(payload, dict) and all(
            key in payload and payload[key] == value for key, value in fields.items()
        )

    def frame_in(self, event: Mapping[str, Any]) -> Frame | None:
        """The protocol frame carried by a channel-layer event, if any.

        Projects wrap their frames differently (``{"type": ..., "message": frame}``,
        chanx 2's ``event_data``, a frame serialised into a string): the first object,
        breadth first, with both the action and the payload key wins, then the first with
        the action key. JSON strings holding an object are looked into.
        """
        with_action: Frame | None = None
        for candidate in _objects_in(event):
            if self.action_key in candidate:
                if self.payload_key in candidate:
                    return candidate
                with_action = with_action or candidate
        return with_action


def _objects_in(value: Mapping[str, Any]) -> Iterator[Frame]:
    queue: deque[Any] = deque([value])
    while queue:
        item = queue.popleft()
        if isinstance(item, str) and item.startswith("{"):
            try:
                item = json.loads(item)
            except ValueError:
                continue
        if isinstance(item, dict):
            yield item
            queue.extend(item.values())
        elif isinstance(item, list):
            queue.extend(item)


@cache
def _chanx_settings_module() -> ModuleType | None:
    """The module whose ``chanx_settings`` chanx's consumers read, whichever generation is
    installed; None without chanx."""
    for name in _CHANX_SETTINGS_MODULES:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as missing:
            # Only chanx itself (or this generation's module) may be missing: an import
            # error inside an installed chanx is the project's to see.
            if missing.name is None or not name.startswith(missing.name):
                raise
    return None


def _chanx_values() -> dict[str, Any]:
    module = _chanx_settings_module()
    if module is not None:
        # Looked up at each call: chanx 2 replaces the object when CHANX changes.
        live = module.chanx_settings
        return {field: getattr(live, name) for name, (field, _) in _FROM_CHANX.items()}
    configured: dict[str, Any] | None = getattr(settings, "CHANX", None)
    if configured is None:
        return {}  # not a chanx project: the harness's own defaults
    return {field: configured.get(name, default) for name, (field, default) in _FROM_CHANX.items()}


@cache
def _testing_values() -> dict[str, Any]:
    configured: dict[str, Any] = getattr(settings, "CHANX_TESTING", None) or {}
    known = {field.name.upper() for field in fields(Protocol)}
    unknown = sorted(set(configured) - known)
    if unknown:
        raise ImproperlyConfigured(
            f"CHANX_TESTING has unknown keys {unknown}; known keys: {sorted(known)}"
        )
    return {key.lower(): value for key, value in configured.items()}


@receiver(setting_changed)
def _forget_the_testing_values(*, setting: str, **kwargs: Any) -> None:
    if setting == "CHANX_TESTING":
        _testing_values.cache_clear()


def decamelize(value: Any) -> Any:
    """``statusCode`` -> ``status_code`` in every key of nested dicts and lists."""
    return _rename_keys(value, lambda key: _CAMEL_HUMP.sub(r"_\1", key).lower())


def camelize(value: Any) -> Any:
    """``status_code`` -> ``statusCode`` in every key of nested dicts and lists."""
    return _rename_keys(value, lambda key: _SNAKE_JOIN.sub(lambda hump: hump[1].upper(), key))


def _rename_keys(value: Any, rename: Any) -> Any:
    if isinstance(value, dict):
        return {
            rename(key) if isinstance(key, str) else key: _rename_keys(item, rename)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_rename_keys(item, rename) for item in value]
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
        frame = protocol.readable(frame)
        return cls(action=frame[protocol.action_key], payload=frame[protocol.payload_key])
