"""What a failed wait says: what was awaited, what arrived instead, and the likely cause.

Every failure of the communicator is built here, from the state the transport keeps (the
handshake, the close code, the markers seen so far) and the settings, so that a message
names the real cause (markers off, a refused handshake and the origin it sent, a consumer
still busy connecting) instead of a bare timeout.
"""

import asyncio
import json
from typing import Any, Literal

from django.conf import settings

from chanx_testing.protocol import Protocol

Handshake = Literal["not started", "pending", "accepted", "refused"]


class FrameNotReceived(AssertionError, TimeoutError):
    """What the test waited for did not arrive in time, or cannot arrive any more.

    Also a TimeoutError, so that tests written against channels' communicator still catch it.
    """


def describe_frames(seen: list[Any], what: str = "Frames received meanwhile") -> str:
    """The frames a wait saw, one per line (each cut at 500 characters)."""
    if not seen:
        return f"{what}: none."
    lines = "\n".join(f"  {json.dumps(frame, default=str)[:500]}" for frame in seen)
    return f"{what} ({len(seen)}):\n{lines}"


class Diagnostics:
    """Failure reports of a communicator; mixed into it, reading the transport's state."""

    scope: dict[str, Any]
    handshake: Handshake
    close_code: int | None
    _close_code_given: bool
    _markers_seen: set[str]
    _crash_reported: bool

    @property
    def protocol(self) -> Protocol:
        raise NotImplementedError

    @property
    def future(self) -> "asyncio.Task[None]":
        raise NotImplementedError

    def _crash(self, when: str, seen: list[Any]) -> BaseException:
        """The application's own exception (with its traceback), annotated with the context."""
        task = self.future
        where = f"The application for {self.scope['path']!r}"
        if task.cancelled():
            return self._failure(f"{where} was cancelled {when}.", None, seen)
        error = task.exception()
        if error is None:
            return self._failure(f"{where} returned {when}.", None, seen)
        self._crash_reported = True
        error.add_note(f"{where} raised this {when}.\n{describe_frames(seen)}")
        return error

    def _failure(
        self, summary: str, action: str | None, seen: list[Any], hint: str | None = None
    ) -> FrameNotReceived:
        cause = self._likely_cause(action, seen, hint)
        return FrameNotReceived(f"{summary}\n{describe_frames(seen)}\nLikely cause: {cause}")

    def _likely_cause(self, action: str | None, seen: list[Any], hint: str | None) -> str:
        protocol = self.protocol
        if self.handshake == "refused":
            return self._refusal_cause()
        if self.close_code is not None:
            cause = f"the consumer closed the connection with code {self.close_code}"
            if 4000 <= self.close_code < 5000:
                cause += f" (4000 + status {self.close_code - 4000}: refused at connect?)"
            return cause
        if hint is not None:
            return hint
        if action == protocol.authentication_action:
            if protocol.send_authentication_message is False:
                return (
                    "authentication messages are off in the settings "
                    "(CHANX['SEND_AUTHENTICATION_MESSAGE'] is False)"
                )
            return (
                "the consumer sent no authentication frame: authentication messages are off, "
                "or the consumer names them differently "
                "(CHANX_TESTING['AUTHENTICATION_ACTION'])"
            )
        if action in protocol.markers:
            return self._missing_marker_cause(action, seen, protocol)
        return f"the consumer never sent a frame with {protocol.action_key}={action!r}"

    def _refusal_cause(self) -> str:
        if self._close_code_given:
            return (
                f"the handshake was refused: the application closed with code "
                f"{self.close_code} before accepting the connection"
            )
        origin = dict(self.scope["headers"]).get(b"origin")
        sent = f"origin {origin.decode()!r}" if origin else "no origin header"
        return (
            "the handshake was refused before the connection was accepted, with no close code. "
            "channels' OriginValidator and AllowedHostsOriginValidator refuse that way before "
            f"any consumer runs: this handshake sent {sent}, and ALLOWED_HOSTS is "
            f"{settings.ALLOWED_HOSTS!r} now (AllowedHostsOriginValidator keeps the list of "
            "the moment the ASGI module was imported: before Django's test runner added "
            "'testserver', if a test module imported it). A consumer's connect() refuses that "
            "way too when it raises DenyConnection or calls close() without a code."
        )

    def _missing_marker_cause(self, action: str, seen: list[Any], protocol: Protocol) -> str:
        actions = {protocol.action_of(frame) for frame in seen}
        if action == protocol.group_complete_action and protocol.complete_action in actions:
            return (
                f"{protocol.complete_action!r} came but no {action!r}: no group message "
                "reached this connection (was it in the group when the message was sent?)"
            )
        if protocol.send_completion is False:
            return "completion markers are off in the settings (CHANX['SEND_COMPLETION'])"
        if self._markers_seen:
            return (
                f"markers are on (this connection received {sorted(self._markers_seen)} "
                f"before), so the {action!r} for this wait never came: the consumer had not "
                "finished what was sent, ignored it, or it never reached this connection"
            )
        return (
            "no marker has come on this connection yet: completion markers may be off in "
            "the settings (CHANX['SEND_COMPLETION'], or named differently: CHANX_TESTING), or "
            "the consumer ignored what was sent"
        )
