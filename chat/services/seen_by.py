"""Who has read what, as the chat's members see it ("seen by").

Nothing is written per message: a member's read position (``ChatMember.last_read_seq``,
moved by ``chat.services.mark_read``) says which messages they have seen, so the pages
derive "seen by" from the positions (``GET /api/groups/<pk>/members/`` at load) and
follow them live. Every read position that moves is told to the chat's sockets, but
not one by one: each worker gathers a chat's new positions for ``MEMBERS_READ_SECONDS``
(the first read starts the wait) and then sends them in one ``members_read``, with each
reader's latest position. A read costs at most one message to the chat, and a busy chat
where everyone reads costs one message per worker per window, however many read.
"""

import asyncio
import logging
import weakref

from django.conf import settings

from accounts.models import User
from chat import services
from chat.messages.chat_detail import MembersRead, MembersReadPayload, ReadPosition
from chat.models import GroupChat
from realtime.database import database_sync_to_async
from realtime.groups import apush

logger = logging.getLogger(__name__)

# Per event loop (a worker has one): chat pk -> reader's user pk -> their new position,
# gathered and not yet sent.
_gathered: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, dict[int, int]]]" = (
    weakref.WeakKeyDictionary()
)
# The sends under way (the loop keeps only weak references to tasks).
_sending: "set[asyncio.Task[None]]" = set()


async def amark_read(*, group_chat: GroupChat, user: User, seq: int) -> None:
    """``chat.services.mark_read`` from async code (a consumer); a position that moved
    is gathered for the chat's next ``members_read``."""
    moved = await database_sync_to_async(services.mark_read)(
        group_chat=group_chat, user=user, seq=seq
    )
    if moved is not None:
        gather(group_chat.pk, user.pk, moved)


def gather(group_chat_pk: int, user_pk: int, seq: int) -> None:
    """Add a reader's new position to what this worker sends the chat next; the first
    one of a window schedules the send."""
    loop = asyncio.get_running_loop()
    chats = _gathered.setdefault(loop, {})
    reads = chats.get(group_chat_pk)
    if reads is None:
        chats[group_chat_pk] = reads = {}
        loop.call_later(settings.MEMBERS_READ_SECONDS, _send_gathered, chats, group_chat_pk)
    reads[user_pk] = max(seq, reads.get(user_pk, 0))


def _send_gathered(chats: dict[int, dict[int, int]], group_chat_pk: int) -> None:
    reads = chats.pop(group_chat_pk)
    task = asyncio.ensure_future(_send(group_chat_pk, reads))
    _sending.add(task)
    task.add_done_callback(_sending.discard)


async def _send(group_chat_pk: int, reads: dict[int, int]) -> None:
    positions = [ReadPosition(user_id=user, last_read_seq=seq) for user, seq in reads.items()]
    message = MembersRead(payload=MembersReadPayload(reads=positions))
    try:
        await apush(GroupChat(pk=group_chat_pk).group_name, message)
    except Exception as exc:
        # The positions are stored: pages catch up when they reload the members.
        logger.warning("members_read not sent to chat %s: %r", group_chat_pk, exc)
