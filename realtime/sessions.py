"""Ending WebSocket sessions from anywhere: a logout, a removed membership.

Authentication happens once, at connect; nothing reaches an open socket
unless the app tells it. Every authenticated connection joins its user's
group, so one group send reaches all of that user's sockets (or only those
in a given room's group).
"""

from http import HTTPStatus
from typing import TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


class EndSessionEvent(TypedDict):
    type: str
    user: str
    status_code: int
    reason: str


def user_group(user_key: str) -> str:
    """The channel-layer group every socket of one user joins."""
    return f"realtime-user-{user_key}"


def end_session_event(user_key: str, status_code: int, reason: str) -> EndSessionEvent:
    return {
        "type": "realtime.end_session",
        "user": user_key,
        "status_code": status_code,
        "reason": reason,
    }


def end_user_sessions(
    user_pk: object,
    *,
    reason: str,
    group: str | None = None,
    status_code: int = HTTPStatus.FORBIDDEN,
) -> None:
    """Close ``user_pk``'s open sockets: all of them, or those in ``group``.

    Each closing socket first receives an ``authentication`` message with
    ``status_code`` and ``reason``, then a close code of 4000 + status_code.
    Blocking: call it from sync code (a view, a service, an on_commit hook).
    """
    user_key = str(user_pk)
    event = end_session_event(user_key, status_code, reason)
    async_to_sync(get_channel_layer().group_send)(group or user_group(user_key), event)
