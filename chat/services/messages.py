"""Messages: members say something in a chat (saved, then pushed to every member's open
sockets after the commit), the author edits it, and the author or the chat's owners and
admins delete it."""

import logging
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import NotRequired, TypedDict, Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from chat import selectors
from chat.messages.chat_detail import (
    MemberMessage,
    MemberPayload,
    MessageDeleted,
    MessageEdited,
    mentions_of,
)
from chat.messages.me import ActivityPayload, ChatActivity, LastMessagePayload, activity_group
from chat.models import ChatMessage, GroupChat, Reaction
from chat.sequencing import insert_numbered
from chat.services import attachments, replies
from chat.services.members import Role, require_role
from chat.services.mentions import find_mentions, forget_mentions, load_mentions, store_mentions
from realtime.database import database_sync_to_async
from realtime.groups import Sender, apush, push, push_after_commit
from realtime.messages import GroupMessage

logger = logging.getLogger(__name__)


@dataclass
class PostedMessage:
    """What ``post_message`` did with a message."""

    message: ChatMessage
    # False: a resend of a client_id already saved; ``message`` is the original.
    created: bool
    # The message's reactions (an original's; a new message has none).
    reactions: list[Reaction] = field(default_factory=list)
    # Pushed to the chat's open sockets, after the commit. Known when post_message
    # returns outside a transaction (as consumers call it); inside one, set when it
    # commits.
    relayed: bool = False


class AlreadySaved(Exception):
    """The sender already saved a message under this ``client_id``: ``posted`` answers
    the resend with the original and its reactions (read by ``save_message``, on the
    thread that may query)."""

    def __init__(self, posted: PostedMessage) -> None:
        super().__init__(posted.message.pk)
        self.posted = posted


def save_message(
    *,
    group_chat: GroupChat,
    sender: User,
    content: str,
    client_id: str | None = None,
    reply_to: int | None = None,
    mentions: Sequence[int] = (),
    attachment_ids: Sequence[int] = (),
) -> ChatMessage:
    """Validate (the model's rules: not blank, at most MAX_MESSAGE_LENGTH) and
    store a message, trimmed; ``reply_to`` is the id of the earlier message of the
    chat it answers (``chat.services.replies``: one more query, for a reply only);
    ``mentions`` the ids of the users the client says it mentions
    (``chat.services.mentions``: a bad one refuses the message).

    ``attachment_ids`` are the sender's unsent uploads in this chat
    (``chat.services.attachments``), sent with it: the message and their binding to it
    are one transaction, so a refused attachment stores no message. A message with
    attachments may have no text.

    ``client_id`` is the sender's own id for it: if the sender already saved one
    under that id, nothing is stored and ``AlreadySaved`` carries the original. The
    unique constraint decides, at the insert, so two racing resends store one row.
    The same id for a message in another chat is refused (``ValidationError``).
    """
    message = ChatMessage(
        group_chat=group_chat, sender=sender, content=content.strip(), client_id=client_id
    )
    # The constraint is the database's to check, at the insert: a lookup first could
    # race with a concurrent resend. The chat and the sender are rows the caller holds:
    # checking that they exist would cost two queries per message.
    unchecked = ["group_chat", "sender"]
    if attachment_ids and not message.content:
        unchecked.append("content")  # files alone say something
    message.full_clean(exclude=unchecked, validate_constraints=False)
    if reply_to is not None:
        message.reply_to = replies.original_to_answer(group_chat, reply_to)
    named = find_mentions(
        group_chat_id=group_chat.pk, sender=sender, content=message.content, user_ids=mentions
    )
    try:
        mentioning = "@" in message.content
        # The message with its mentions and attachments, or none of them; with neither,
        # the insert is one statement, atomic on its own.
        with transaction.atomic() if mentioning or attachment_ids else nullcontext():
            insert_numbered(message)
            if mentioning:
                store_mentions(message, named)
            sent = attachments.bind(message, attachment_ids) if attachment_ids else []
    except IntegrityError:
        if client_id is None:
            raise
        original = (
            ChatMessage.objects.select_related("sender", "reply_to__sender")
            .prefetch_related("attachments")
            .filter(sender=sender, client_id=client_id)
            .first()
        )
        if original is None:
            raise
        if original.group_chat_id != group_chat.pk:
            raise ValidationError(
                {"client_id": "This client id names a message in another chat."}
            ) from None
        load_mentions([original])
        reactions = selectors.reactions_of(original)
        raise AlreadySaved(
            PostedMessage(message=original, created=False, reactions=reactions)
        ) from None
    selectors.remember(message, "attachments", sent)
    return message


class MessageDraft(TypedDict):
    """What ``post_message`` and ``apost_message`` hand to ``save_message``."""

    group_chat: GroupChat
    sender: User
    content: str
    client_id: NotRequired[str | None]
    reply_to: NotRequired[int | None]
    mentions: NotRequired[Sequence[int]]
    attachment_ids: NotRequired[Sequence[int]]


def post_message(
    *, sender_channel: str | None = None, **draft: Unpack[MessageDraft]
) -> PostedMessage:
    """Say something in a chat, from sync code (a view, a command): store it
    (``save_message``, which takes the rest of the arguments), then push it to every
    member's open sockets as ``member_message``, after the commit, so no member hears of
    a message the history lacks. ``sender_channel`` is the socket it came from, if any:
    that one is told ``is_current``, the sender's others ``is_mine``.

    A resend (a ``client_id`` the sender already used in this chat) stores and pushes
    nothing and answers the original. A push that fails (the channel layer is down)
    is logged, not raised: the message is saved, and members catch up from the
    history; ``relayed`` says which happened."""
    try:
        # Looked up on the module at call time, so tests can stand in for it.
        message = save_message(**draft)
    except AlreadySaved as already:
        return already.posted
    posted = PostedMessage(message=message, created=True)

    def relay() -> None:
        try:
            for groups, pushed, sent_by in _new_message_pushes(message, sender_channel):
                push(groups, pushed, sender=sent_by)
        except Exception:
            _log_not_relayed(message)
            return
        posted.relayed = True

    transaction.on_commit(relay)
    return posted


async def apost_message(
    *, sender_channel: str | None = None, **draft: Unpack[MessageDraft]
) -> PostedMessage:
    """``post_message`` for async code (a consumer). The save runs where
    ``realtime.database`` says (concurrently with other sockets' saves, on PostgreSQL)
    and has committed when it returns; the push then runs on the event loop, so a
    database thread never waits on the channel layer."""
    try:
        message = await database_sync_to_async(save_message)(**draft)
    except AlreadySaved as already:
        return already.posted
    try:
        for groups, pushed, sent_by in _new_message_pushes(message, sender_channel):
            await apush(groups, pushed, sender=sent_by)
    except Exception:
        _log_not_relayed(message)
        return PostedMessage(message=message, created=True, relayed=False)
    return PostedMessage(message=message, created=True, relayed=True)


def _new_message_pushes(
    message: ChatMessage, sender_channel: str | None
) -> list[tuple[list[str], GroupMessage, Sender]]:
    """What a new message is pushed as: ``member_message`` to the chat's sockets, and
    ``chat_activity`` to its members' ``/ws/me/`` sockets (the groups pages), through
    the chat's activity group: two group sends per message, however many members."""
    sender = Sender(user_pk=message.sender_id, channel=sender_channel)
    activity = ActivityPayload(
        group_chat_id=message.group_chat_id,
        last_message=LastMessagePayload.from_message(message),
        mentions=[mention.user_id for mention in mentions_of(message)],
    )
    return [
        (
            [message.group_chat.group_name],
            MemberMessage(payload=MemberPayload.from_message(message)),
            sender,
        ),
        ([activity_group(message.group_chat_id)], ChatActivity(payload=activity), sender),
    ]


def _log_not_relayed(message: ChatMessage) -> None:
    # Without the content: what users say stays out of the logs.
    logger.exception(
        "Saved message %s was not relayed to %s", message.pk, message.group_chat.group_name
    )


class MessageNotFound(Http404):
    """No message with this id in this chat (a 404 from the REST API)."""

    def __init__(self) -> None:
        super().__init__("No such message in this chat.")


def message_for_change(
    group_chat: GroupChat, message_id: int, *, member: User | None = None
) -> ChatMessage:
    """The chat's message ``message_id``, locked until the transaction ends, so that an
    edit, a delete and a reaction at once take turns. A tombstone cannot change any
    more. With ``member``: only when they are a member of the chat (in the same query);
    a non-member finds no message."""
    messages = ChatMessage.objects.filter(group_chat=group_chat, pk=message_id)
    if member is not None:
        messages = messages.filter(group_chat__members__user=member)
    message = (
        messages.select_for_update(of=("self",))
        .select_related("sender", "group_chat", "reply_to__sender")
        .first()
    )
    if message is None:
        raise MessageNotFound()
    if message.deleted_at is not None:
        raise ValidationError("This message was deleted.")
    return message


def _push_on_commit(
    message: ChatMessage,
    event: type[MessageEdited | MessageDeleted],
    actor: User,
    reactions: list[Reaction],
) -> None:
    """Tell the chat's open sockets the message's new state once it is committed; the
    actor's sockets get it ``is_mine``."""
    change = event(payload=MemberPayload.from_message(message, reactions))
    push_after_commit(message.group_chat.group_name, change, sender=Sender(user_pk=actor.pk))


@transaction.atomic
def edit_message(
    *,
    group_chat: GroupChat,
    message_id: int,
    actor: User,
    content: str,
    mentions: Sequence[int] = (),
) -> ChatMessage:
    """The author changes a message's text (the rules of a new message: trimmed, not
    blank, at most MAX_MESSAGE_LENGTH; its mentions are those of the new text); it is
    marked ``edited_at``, and every member's open sockets get ``message_edited``."""
    message = message_for_change(group_chat, message_id)
    if message.sender_id != actor.pk:
        raise PermissionDenied("Only the author edits a message.")
    # A text without an "@" names nobody: it has no mentions to replace.
    had_mentions = "@" in message.content
    message.content = content.strip()
    message.edited_at = timezone.now()
    message.full_clean(exclude=["group_chat", "sender"], validate_constraints=False)
    named = find_mentions(
        group_chat_id=group_chat.pk, sender=actor, content=message.content, user_ids=mentions
    )
    message.save(update_fields=["content", "edited_at"])
    if had_mentions or "@" in message.content:
        store_mentions(message, named, replace=had_mentions)
    _push_on_commit(message, MessageEdited, actor, selectors.reactions_of(message))
    return message


@transaction.atomic
def delete_message(*, group_chat: GroupChat, message_id: int, actor: User) -> ChatMessage:
    """The author, or one of the chat's owners and admins, deletes a message. It stays
    as a tombstone (content emptied, ``deleted_at`` set), so its seq keeps its place and
    no page sees a hole to fetch, its reactions go, and its attachments are deleted
    (their files once this commits); every member's open sockets get
    ``message_deleted``. The replies to it quote the tombstone."""
    message = message_for_change(group_chat, message_id)
    if message.sender_id != actor.pk:
        require_role(
            actor,
            group_chat,
            {Role.OWNER, Role.ADMIN},
            "Only the author, owners and admins delete a message.",
        )
    message.content = ""
    message.deleted_at = timezone.now()
    message.save(update_fields=["content", "deleted_at"])
    # Under the message's lock: a reaction put on at the same moment waits for the
    # delete, then finds the tombstone (chat.services.reactions).
    message.reactions.all().delete()
    forget_mentions(message)
    attachments.delete_for_message(message)
    _push_on_commit(message, MessageDeleted, actor, [])
    return message
