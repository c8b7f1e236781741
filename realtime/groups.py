"""Groups of sockets: pushing a typed message to them, and ending their sessions.

Pushing is how anything reaches connected clients, from anywhere: a consumer
(``RealtimeConsumer.send_group_message`` calls ``apush``), a service, a signal
handler, a management command (``push``, from sync code). Every member's consumer
relays the message to its client with ``is_mine`` / ``is_current`` (``relayed_text``).

Authentication happens once, at connect, so nothing reaches an open socket unless the
app tells it: every authenticated socket also joins its user's group
(``user_group``), and ``end_sessions`` closes the sockets of a user, of a group, or of
a user in a group (a logout, a removed membership, a deleted chat).
"""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from realtime.messages import RELAY_FLAGS, GroupMessage


@dataclass(frozen=True)
class Sender:
    """Where a group message comes from: receivers compare it with their own user
    (``is_mine``) and socket (``is_current``). Nobody, by default."""

    user_pk: object = None
    channel: str | None = None


NOBODY = Sender()


class GroupMessageEvent(TypedDict):
    """What travels through the channel layer for one group message.

    ``text`` is the message serialised once, by the sender (a JSON object without the
    relay flags); each member's consumer only appends ``is_mine`` / ``is_current``.
    """

    type: str
    # The message's action, for the receiving consumer's check of what it sends.
    action: str
    text: str
    sender_user: str | None
    sender_channel: str | None
    exclude_current: bool


class EndSessionEvent(TypedDict):
    type: str
    # Only this user's sockets (a user key); None: every socket that gets the event.
    user: str | None
    status_code: int
    reason: str


def user_key(user_pk: object) -> str | None:
    """How a user is named in events and group names: their primary key as text."""
    return None if user_pk is None else str(user_pk)


def user_group(user_pk: object) -> str:
    """The channel-layer group every socket of one user joins."""
    return f"realtime-user-{user_pk}"


def group_message_event(
    message: GroupMessage, sender: Sender, *, exclude_current: bool = False
) -> GroupMessageEvent:
    """``message`` as it travels through the channel layer, serialised once."""
    return {
        "type": "realtime.group_message",
        "action": message.action,
        "text": message.model_dump_json(exclude=set(RELAY_FLAGS)),
        "sender_user": user_key(sender.user_pk),
        "sender_channel": sender.channel,
        "exclude_current": exclude_current,
    }


async def apush(
    groups: str | Iterable[str],
    message: GroupMessage,
    *,
    sender: Sender = NOBODY,
    exclude_current: bool = False,
) -> None:
    """Send ``message`` to every socket in ``groups`` (a group name or several);
    ``exclude_current`` skips the sender's own socket."""
    event = group_message_event(message, sender, exclude_current=exclude_current)
    layer = get_channel_layer()
    # Concurrently: one message to every member's own group is many sends.
    await asyncio.gather(
        *(
            layer.group_send(group, event)
            for group in ([groups] if isinstance(groups, str) else groups)
        )
    )


def push(
    groups: str | Iterable[str],
    message: GroupMessage,
    *,
    sender: Sender = NOBODY,
    exclude_current: bool = False,
) -> None:
    """``apush`` for sync code (a service, a signal handler, a management command)."""
    async_to_sync(apush)(groups, message, sender=sender, exclude_current=exclude_current)


def push_after_commit(
    groups: str | Iterable[str], message: GroupMessage, *, sender: Sender = NOBODY
) -> None:
    """``push`` once the current transaction commits (at once outside one), for a write
    that open sockets should hear of. A channel layer that fails then (Redis down) is
    logged, not raised: the write is committed, so its request succeeds, and clients
    catch up from the history (and the REST API) when they reconnect."""
    transaction.on_commit(lambda: push(groups, message, sender=sender), robust=True)


# The relayed message's closing brace, replaced by the two flags.
_RELAY_SUFFIXES = {
    (mine, current): f',"is_mine":{str(mine).lower()},"is_current":{str(current).lower()}}}'
    for mine in (False, True)
    for current in (False, True)
}


def relayed_text(event: GroupMessageEvent, *, channel: str, user: str | None) -> str | None:
    """The frame the socket ``channel`` of ``user`` gets for ``event``, or None when
    it is the sender's own socket and the sender excluded it."""
    is_current = event["sender_channel"] == channel
    if is_current and event["exclude_current"]:
        return None
    mine = user is not None and event["sender_user"] == user
    # The sender serialised the message once; a JSON object ends with "}".
    text = event["text"]
    return text[: text.rindex("}")] + _RELAY_SUFFIXES[mine, is_current]


def end_session_event(status_code: int, reason: str, user_pk: object = None) -> EndSessionEvent:
    return {
        "type": "realtime.end_session",
        "user": user_key(user_pk),
        "status_code": status_code,
        "reason": reason,
    }


def end_sessions(
    *,
    reason: str,
    status_code: int = HTTPStatus.FORBIDDEN,
    user_pk: object = None,
    group: str | None = None,
) -> None:
    """Close open sockets: all of ``user_pk``'s, every one in ``group``, or ``user_pk``'s
    in ``group`` (one channel-layer event in each case).

    Each closing socket first receives an ``authentication`` message with
    ``status_code`` and ``reason``, then a close code of 4000 + status_code.
    Blocking: call it from sync code (a view, a service, an on_commit hook).
    """
    if group is None:
        if user_pk is None:
            raise ValueError("end_sessions() needs a user_pk, a group or both")
        group = user_group(user_pk)
    event = end_session_event(status_code, reason, user_pk)
    async_to_sync(get_channel_layer().group_send)(group, event)


def end_sessions_after_commit(
    *,
    reason: str,
    status_code: int = HTTPStatus.FORBIDDEN,
    user_pk: object = None,
    group: str | None = None,
) -> None:
    """``end_sessions`` once the current transaction commits (at once outside one). A
    channel layer that fails then is logged, not raised: the change that ends the
    sessions is committed (a logout's revocation, a removed membership), so the request
    succeeds; the sockets it could not reach close when their credential expires (a
    token's lifetime at most), and a Redis that restarted has forgotten their groups,
    so nothing reaches them meanwhile."""
    transaction.on_commit(
        lambda: end_sessions(reason=reason, status_code=status_code, user_pk=user_pk, group=group),
        robust=True,
    )
