"""Every write of the chat app lives in this package (one module per concept beside
this one, which holds the chats, their members and their messages): REST views and
consumers alike call these, so the rules (roles, the last owner, message validation) hold
whichever way a change arrives, and the members' open sockets hear of it
(``realtime.groups``). Blocking ORM code: call from a worker thread in async
code (``realtime.database.database_sync_to_async``); ``apost_message`` is the one
written for async callers."""

import logging
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from chat import selectors
from chat.messages.chat_detail import (
    MemberAdded,
    MemberMessage,
    MemberPayload,
    MemberRemoved,
    MemberRoleChanged,
    MembershipPayload,
    MessageDeleted,
    MessageEdited,
    mentions_of,
)
from chat.messages.me import (
    ActivityPayload,
    ChatActivity,
    ChatAdded,
    ChatDeleted,
    ChatPayload,
    ChatRenamed,
    LastMessagePayload,
    RenamedPayload,
    SummaryPayload,
    activity_group,
    inbox_group,
)
from chat.models import Block, ChatMember, ChatMessage, GroupChat, Reaction
from chat.sequencing import insert_numbered
from chat.services import attachments, replies
from chat.services.mentions import find_mentions, forget_mentions, load_mentions, store_mentions
from realtime.database import database_sync_to_async
from realtime.groups import Sender, apush, end_sessions_after_commit, push, push_after_commit
from realtime.messages import GroupMessage

Role = ChatMember.Role

logger = logging.getLogger(__name__)


class LastOwnerError(ValidationError):
    """A group chat always keeps at least one owner."""

    def __init__(self) -> None:
        super().__init__("A group chat needs an owner: make someone else owner first.")


@transaction.atomic
def create_group_chat(*, creator: User, name: str) -> GroupChat:
    """Create a group chat whose creator is its first owner."""
    group_chat = GroupChat(name=name, created_by=creator)
    group_chat.full_clean()
    group_chat.save()
    _tell_added(ChatMember.objects.create(user=creator, group_chat=group_chat, role=Role.OWNER))
    return group_chat


def tell_inboxes(user_ids: list[int], message: GroupMessage) -> None:
    """Push ``message`` to these users' ``/ws/me/`` sockets once the transaction commits."""
    push_after_commit([inbox_group(pk) for pk in user_ids], message)


def _tell_added(membership: ChatMember) -> None:
    """The new member's groups pages list the chat (``chat_added``)."""
    user = membership.user
    overview = selectors.group_chat_overview(user).get(pk=membership.group_chat_id)
    tell_inboxes([user.pk], ChatAdded(payload=SummaryPayload.from_overview(overview)))


def _require_role(actor: User, group_chat: GroupChat, roles: set[str], why: str) -> ChatMember:
    membership = selectors.membership(actor, group_chat)
    if membership is None or membership.role not in roles:
        raise PermissionDenied(why)
    return membership


@transaction.atomic
def rename_group_chat(*, group_chat: GroupChat, actor: User, name: str) -> GroupChat:
    _require_role(actor, group_chat, {Role.OWNER, Role.ADMIN}, "Only owners and admins rename.")
    group_chat.name = name
    group_chat.full_clean()
    group_chat.save(update_fields=["name", "updated_at"])
    renamed = RenamedPayload(group_chat_id=group_chat.pk, name=group_chat.name)
    tell_inboxes(selectors.member_user_ids(group_chat), ChatRenamed(payload=renamed))
    return group_chat


@transaction.atomic
def delete_group_chat(*, group_chat: GroupChat, actor: User) -> None:
    _require_role(actor, group_chat, {Role.OWNER}, "Only owners delete a group chat.")
    group = group_chat.group_name
    deleted = ChatDeleted(payload=ChatPayload(group_chat_id=group_chat.pk))
    tell_inboxes(selectors.member_user_ids(group_chat), deleted)
    group_chat.delete()
    # One event to the chat's group closes every member's socket in it.
    end_sessions_after_commit(group=group, status_code=404, reason="This group chat was deleted.")


def _require_manager(actor: User, group_chat: GroupChat, *, role: str) -> ChatMember:
    """Owners and admins manage members; only owners hand out admin or owner."""
    membership = _require_role(
        actor, group_chat, {Role.OWNER, Role.ADMIN}, "Only owners and admins manage members."
    )
    if role != Role.MEMBER and membership.role != Role.OWNER:
        raise PermissionDenied("Only owners give or take the admin and owner roles.")
    return membership


@transaction.atomic
def add_member(
    *, group_chat: GroupChat, actor: User, user: User, role: str = Role.MEMBER
) -> ChatMember:
    """Add ``user`` to the chat (owners and admins do), unless ``user`` has blocked
    ``actor``: nobody is added to a chat by someone they blocked."""
    _require_manager(actor, group_chat, role=role)
    if Block.objects.filter(blocker=user, blocked=actor).exists():
        raise PermissionDenied(f"{user.username} does not accept being added to groups by you.")
    try:
        # A savepoint: the unique constraint decides, even between two racing adds.
        with transaction.atomic():
            membership = ChatMember.objects.create(
                group_chat=group_chat,
                user=user,
                role=role,
                added_by=actor,
                last_read_seq=_latest_seq(group_chat),
            )
    except IntegrityError:
        raise ValidationError(f"{user.username} is already a member.") from None
    _tell_added(membership)
    tell_members(membership, MemberAdded)
    return membership


def tell_members(
    membership: ChatMember, event: type[MemberAdded | MemberRoleChanged | MemberRemoved]
) -> None:
    """The chat's open sockets hear of a membership's change once it commits (every
    member's members panel)."""
    change = event(payload=MembershipPayload.from_membership(membership))
    push_after_commit(GroupChat(pk=membership.group_chat_id).group_name, change)


def _latest_seq(group_chat: GroupChat) -> int:
    """The seq of the chat's latest message, as committed (``group_chat`` may be old)."""
    return GroupChat.objects.values_list("last_seq", flat=True).get(pk=group_chat.pk)


def _owners_left_without(membership: ChatMember) -> int:
    """The chat's other owners, counted under a lock on the chat's row: two demotions
    or leaves at once take turns, and the second counts after the first committed.
    (``select_for_update().count()`` would lock nothing: Django sends a plain COUNT.)"""
    list(
        GroupChat.objects.select_for_update()
        .filter(pk=membership.group_chat_id)
        .values_list("pk", flat=True)
    )
    return (
        ChatMember.objects.filter(group_chat_id=membership.group_chat_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .count()
    )


@transaction.atomic
def change_role(*, membership: ChatMember, actor: User, role: str) -> ChatMember:
    # Changing anyone to or from admin/owner is an owner's decision.
    touches_privileged = role != Role.MEMBER or membership.role != Role.MEMBER
    _require_manager(
        actor, membership.group_chat, role=Role.OWNER if touches_privileged else Role.MEMBER
    )
    demotes_an_owner = membership.role == Role.OWNER and role != Role.OWNER
    if demotes_an_owner and _owners_left_without(membership) == 0:
        raise LastOwnerError()
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    tell_members(membership, MemberRoleChanged)
    return membership


@transaction.atomic
def remove_member(*, membership: ChatMember, actor: User) -> None:
    """Remove a member, or let a member leave (``actor`` is that member)."""
    if membership.user_id != actor.pk:
        # Removing an admin or owner is an owner's decision.
        _require_manager(actor, membership.group_chat, role=membership.role)
    if membership.role == Role.OWNER and _owners_left_without(membership) == 0:
        raise LastOwnerError()
    # The member's open sockets in the chat are closed by chat.signals, whatever deletes it.
    membership.delete()


@transaction.atomic
def leave_and_block_adder(*, membership: ChatMember, actor: User) -> Block | None:
    """The member leaves the chat (the rules of leaving: the last owner stays) and
    blocks who added them, so that they cannot add them to any chat again. Returns the
    block; None when nobody else added them (they created the chat, or the adder's
    account is gone): then they only leave."""
    if membership.user_id != actor.pk:
        raise PermissionDenied("Only the member themselves leaves and blocks who added them.")
    adder = membership.added_by
    remove_member(membership=membership, actor=actor)
    if adder is None or adder.pk == actor.pk:
        return None
    return block_user(blocker=actor, blocked=adder)


CANNOT_BLOCK_ONESELF = "You cannot block yourself."


def block_user(*, blocker: User, blocked: User) -> Block:
    """``blocker`` no longer accepts being added to chats by ``blocked`` (at once if
    already so). Chats they already share stay as they are."""
    if blocker.pk == blocked.pk:
        raise ValidationError(CANNOT_BLOCK_ONESELF)
    # The unique constraint decides between two blocks made at once.
    block, _ = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    return block


def unblock_user(*, blocker: User, blocked: User) -> None:
    """``blocked`` may add ``blocker`` to chats again; nothing if they were not blocked."""
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()


class AlreadySaved(Exception):
    """The sender already saved a message under this ``client_id``: ``message``, with
    its ``reactions`` (read here, on the thread that may query)."""

    def __init__(self, message: ChatMessage) -> None:
        super().__init__(message.pk)
        self.message = message
        self.reactions = selectors.reactions_of(message)


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
        raise AlreadySaved(original) from None
    attachments.remember(message, sent)
    return message


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


def post_message(
    *,
    group_chat: GroupChat,
    sender: User,
    content: str,
    client_id: str | None = None,
    reply_to: int | None = None,
    sender_channel: str | None = None,
    mentions: Sequence[int] = (),
    attachment_ids: Sequence[int] = (),
) -> PostedMessage:
    """Say something in a chat, from sync code (a view, a command): store it
    (``save_message``), then push it to every member's open sockets as
    ``member_message``, after the commit, so no member hears of a message the history
    lacks. ``sender_channel`` is the socket it came from, if any: that one is told
    ``is_current``, the sender's others ``is_mine``.

    A resend (a ``client_id`` the sender already used in this chat) stores and pushes
    nothing and answers the original. A push that fails (the channel layer is down)
    is logged, not raised: the message is saved, and members catch up from the
    history; ``relayed`` says which happened."""
    try:
        # Looked up on the module at call time, so tests can stand in for it.
        message = save_message(
            group_chat=group_chat,
            sender=sender,
            content=content,
            client_id=client_id,
            reply_to=reply_to,
            mentions=mentions,
            attachment_ids=attachment_ids,
        )
    except AlreadySaved as already:
        return PostedMessage(message=already.message, created=False, reactions=already.reactions)
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
    *,
    group_chat: GroupChat,
    sender: User,
    content: str,
    client_id: str | None = None,
    reply_to: int | None = None,
    sender_channel: str | None = None,
    mentions: Sequence[int] = (),
    attachment_ids: Sequence[int] = (),
) -> PostedMessage:
    """``post_message`` for async code (a consumer). The save runs where
    ``realtime.database`` says (concurrently with other sockets' saves, on PostgreSQL)
    and has committed when it returns; the push then runs on the event loop, so a
    database thread never waits on the channel layer."""
    try:
        message = await database_sync_to_async(save_message)(
            group_chat=group_chat,
            sender=sender,
            content=content,
            client_id=client_id,
            reply_to=reply_to,
            mentions=mentions,
            attachment_ids=attachment_ids,
        )
    except AlreadySaved as already:
        return PostedMessage(message=already.message, created=False, reactions=already.reactions)
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
    message.content = content.strip()
    message.edited_at = timezone.now()
    message.full_clean(exclude=["group_chat", "sender"], validate_constraints=False)
    named = find_mentions(
        group_chat_id=group_chat.pk, sender=actor, content=message.content, user_ids=mentions
    )
    message.save(update_fields=["content", "edited_at"])
    store_mentions(message, named, replace=True)
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
        _require_role(
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
