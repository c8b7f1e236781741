"""Read positions: how far each member has read a chat, which the unread counts and
"seen by" both come from.

A member's read position is the seq of the last message they have seen
(``ChatMember.last_read_seq``): it moves forward, never back, and never past the chat's
latest message. Nothing is written per message: "seen by" is derived from the positions
(``GET /api/groups/<pk>/members/`` at load, then ``members_read``).

The pages report positions often (every open page, as it shows messages), so a worker
does not write and tell each one by itself: it gathers a chat's reported positions for
``READ_GATHER_SECONDS`` (the first report starts the wait; a reader's latest report
wins), then, in one go, stores them (one transaction: the chat's latest seq, the stored
positions, one UPDATE, one query for the counts: four statements however many) and
sends every position that moved, each with what is left unread for that member and the
mentions of them among it, in one ``members_read`` to the chat's sockets ("seen by"),
and each reader's own position alone to that reader's ``/ws/me/`` sockets (their unread
and mention counts). A chat where everyone reads costs its sockets one message per
worker per window, whatever the number of readers, and each reader's ``/ws/me/`` one
small one. A worker stopped within a window of a report loses it (the page reports
again as it shows more).
"""

import asyncio
import logging
import weakref
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, PositiveBigIntegerField, Value, When
from django.db.models.functions import Greatest

from chat import selectors
from chat.messages.chat_detail import MembersRead, MembersReadPayload, ReadPosition
from chat.messages.me import inbox_group
from chat.models import ChatMember, GroupChat
from realtime.database import database_sync_to_async
from realtime.groups import apush

logger = logging.getLogger(__name__)

# Per event loop (a worker has one): chat pk -> reader's user pk -> the position they
# reported, gathered and not yet stored.
_gathered: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, dict[int, int]]]" = (
    weakref.WeakKeyDictionary()
)
# The windows being stored and told (the loop keeps only weak references to tasks).
_storing: "set[asyncio.Task[None]]" = set()


def report_read(group_chat_pk: int, user_pk: int, seq: int) -> None:
    """A member has seen the chat up to ``seq`` (from a consumer, on its event loop):
    gathered for this worker's next window of the chat; the first report of a window
    schedules it."""
    loop = asyncio.get_running_loop()
    chats = _gathered.setdefault(loop, {})
    reads = chats.get(group_chat_pk)
    if reads is None:
        chats[group_chat_pk] = reads = {}
        loop.call_later(settings.READ_GATHER_SECONDS, _close_window, chats, group_chat_pk)
    reads[user_pk] = max(seq, reads.get(user_pk, 0))


def _close_window(chats: dict[int, dict[int, int]], group_chat_pk: int) -> None:
    reads = chats.pop(group_chat_pk)
    task = asyncio.ensure_future(_store_and_tell(group_chat_pk, reads))
    _storing.add(task)
    task.add_done_callback(_storing.discard)


async def _store_and_tell(group_chat_pk: int, reads: dict[int, int]) -> None:
    try:
        moved = await database_sync_to_async(store_read_positions)(
            group_chat_id=group_chat_pk, positions=reads
        )
        if not moved:
            return
        # The chat's sockets show who has read what; a /ws/me/ socket shows its own
        # user's counts only, so it gets its user's entry, and only if they read.
        await asyncio.gather(
            apush(GroupChat(pk=group_chat_pk).group_name, _members_read(group_chat_pk, moved)),
            *(
                apush(inbox_group(read.user_id), _members_read(group_chat_pk, [read]))
                for read in moved
            ),
        )
    except Exception:
        # Reported positions are not promised to anyone: the page reports again.
        logger.exception("Read positions of chat %s not stored or told", group_chat_pk)


def _members_read(group_chat_pk: int, reads: list[ReadPosition]) -> MembersRead:
    return MembersRead(payload=MembersReadPayload(group_chat_id=group_chat_pk, reads=reads))


@transaction.atomic
def store_read_positions(*, group_chat_id: int, positions: Mapping[int, int]) -> list[ReadPosition]:
    """Move these members' read positions (user pk -> seq) forward, each to its seq or
    the chat's latest message if that is lower; never back. Returns the positions that
    moved, each with what is left unread and the mentions among it. Tells nobody."""
    latest = GroupChat.objects.filter(pk=group_chat_id).values_list("last_seq", flat=True).first()
    if latest is None:  # the chat is gone
        return []
    wanted = {user: min(seq, latest) for user, seq in positions.items()}
    members = ChatMember.objects.filter(group_chat_id=group_chat_id)
    stored = dict(members.filter(user_id__in=wanted).values_list("user_id", "last_read_seq"))
    moved_users = [user for user, seq in wanted.items() if user in stored and seq > stored[user]]
    if not moved_users:
        return []
    # One statement for them all; Greatest keeps it forward only, whatever another
    # window (another worker) stored since the read above.
    members.filter(user_id__in=moved_users).update(
        last_read_seq=Greatest(
            F("last_read_seq"),
            Case(
                *(When(user_id=user, then=Value(wanted[user])) for user in moved_users),
                output_field=PositiveBigIntegerField(),
            ),
        )
    )
    return [
        ReadPosition(user_id=user, last_read_seq=seq, unread_count=unread, mention_count=mentions)
        for user, seq, unread, mentions in selectors.read_positions(group_chat_id, moved_users)
    ]
