"""Reads of the chat app that more than one caller needs."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import Count, F, Model, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from chat.models import (
    Attachment,
    ChatMember,
    ChatMessage,
    GroupChat,
    InviteLink,
    Mention,
    Reaction,
)
from chat.models.invite_link import invite_link_pk

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def membership(user: User, group_chat: GroupChat) -> ChatMember | None:
    """``user``'s membership of ``group_chat``, or None: the one lookup behind who may
    see a chat (``chat.permissions``) and who may change it (``chat.services``)."""
    return ChatMember.objects.filter(user=user, group_chat=group_chat).first()


def is_member(user: User, group_chat_pk: int) -> bool:
    """Whether ``user`` belongs to the chat with this pk; False for a chat that does
    not exist, in the same single query."""
    return ChatMember.objects.filter(user=user, group_chat_id=group_chat_pk).exists()


def member_group_chats(user: User) -> QuerySet[GroupChat]:
    """The group chats ``user`` belongs to, each annotated with ``my_role`` and whether
    they muted it (``muted``).

    Every group-scoped endpoint starts from this, so a chat the user is not in
    is simply not found (404) rather than forbidden: its existence never leaks.
    The annotation reuses the membership join of the filter: one row per chat.
    """
    return (
        GroupChat.objects.filter(members__user=user)
        .annotate(my_role=F("members__role"), muted=F("members__muted"))
        .select_related("created_by")
        .order_by("-updated_at", "-pk")
    )


def invite_link_for_token(token: str) -> InviteLink | None:
    """The invite link ``token`` names, with its chat; None when the signature does not
    hold (no query then) or the link is gone with its chat."""
    pk = invite_link_pk(token)
    if pk is None:
        return None
    return InviteLink.objects.select_related("group_chat").filter(pk=pk).first()


def member_group_chat_ids(user: User) -> list[int]:
    """The pks of the chats ``user`` belongs to."""
    return list(ChatMember.objects.filter(user=user).values_list("group_chat_id", flat=True))


def member_user_ids(group_chat: GroupChat) -> list[int]:
    """The users in ``group_chat``: whose inboxes (``/ws/me/``) hear of it."""
    return list(group_chat.members.values_list("user_id", flat=True))


class Overview(TypedDict):
    my_role: str
    last_read_seq: int
    unread_count: int
    mention_count: int
    muted: bool
    # The chat's latest message, or nothing (a list of at most one).
    latest_messages: list[ChatMessage]


if TYPE_CHECKING:  # django-stubs' annotated model type exists for the type checker only
    GroupChatOverview = WithAnnotations[GroupChat, Overview]


def _unread_counts(chat: Any, last_read_seq: Any, user: Any) -> tuple[Subquery, Subquery]:
    """Subqueries of one member's unread count (others' messages after their last-read
    position, deleted ones left out) and of the mentions of them among those, for
    ``annotate``; the arguments are the chat, the position and the user (values or
    ``OuterRef``s)."""
    unread = (
        ChatMessage.objects.filter(group_chat=chat, seq__gt=last_read_seq, deleted_at__isnull=True)
        .exclude(sender=user)
        .order_by()
        .values("group_chat")
        .annotate(count=Count("pk"))
        .values("count")
    )
    # A user is never mentioned in their own messages (chat.services.mentions).
    mentions = (
        Mention.objects.filter(
            user=user,
            message__group_chat=chat,
            message__seq__gt=last_read_seq,
            message__deleted_at__isnull=True,
        )
        .order_by()
        .values("user")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Subquery(unread), Subquery(mentions)


def group_chat_overview(user: User) -> "QuerySet[GroupChatOverview]":
    """``member_group_chats`` with what the groups page shows of each: the unread count
    (others' messages after the user's last-read position, deleted ones left out), how
    many of them mention the user, whether the user muted it, and the latest message
    (one more query for the whole page). Most recent activity first: a new message
    moves its chat up (``chat.services.messages.save_message``)."""
    unread, mentions = _unread_counts(OuterRef("pk"), OuterRef("last_read_seq"), user)
    latest = ChatMessage.objects.select_related("sender").order_by("-seq")[:1]
    overview = (
        member_group_chats(user)
        .annotate(last_read_seq=F("members__last_read_seq"))
        .annotate(
            unread_count=Coalesce(unread, 0),
            mention_count=Coalesce(mentions, 0),
        )
        .prefetch_related(Prefetch("messages", queryset=latest, to_attr="latest_messages"))
    )
    # member_group_chats' my_role is an annotation its declared type does not carry.
    return cast("QuerySet[GroupChatOverview]", overview)


def read_positions(group_chat_id: int, user_ids: Iterable[int]) -> list[tuple[int, int, int, int]]:
    """These members' read positions in the chat, each with what is left unread and the
    mentions among it: (user id, last-read seq, unread count, mention count), in one
    query however many."""
    unread, mentions = _unread_counts(
        OuterRef("group_chat_id"), OuterRef("last_read_seq"), OuterRef("user_id")
    )
    return list(
        ChatMember.objects.filter(group_chat_id=group_chat_id, user_id__in=list(user_ids))
        .annotate(unread_count=Coalesce(unread, 0), mention_count=Coalesce(mentions, 0))
        .values_list("user_id", "last_read_seq", "unread_count", "mention_count")
    )


def shown_messages(messages: QuerySet[ChatMessage]) -> QuerySet[ChatMessage]:
    """``messages`` with what showing them needs: the sender, the original a reply
    quotes and its sender (joined), the reactions with who put them there, the mentions
    with whom they name, and the attachments (one more query each for the whole page)."""
    reactions = Reaction.objects.select_related("user")
    return messages.select_related("sender", "reply_to__sender").prefetch_related(
        Prefetch("reactions", queryset=reactions), mention_prefetch(), "attachments"
    )


def mention_prefetch() -> "Prefetch[str]":
    """What a queryset of messages prefetches for their payloads' ``mentions``."""
    return Prefetch("mentions", queryset=Mention.objects.select_related("user"))


def remember(message: ChatMessage, relation: str, rows: Iterable[Model]) -> None:
    """Give ``message`` its ``relation``'s rows (just written, in their order) as
    ``prefetch_related`` would, in the same cache, so that reading them (its payload)
    costs no query."""
    known = getattr(message, relation).all()
    known._result_cache = list(rows)
    known._prefetch_done = True
    cached = getattr(message, "_prefetched_objects_cache", {})
    message._prefetched_objects_cache = {**cached, relation: known}  # type: ignore[attr-defined]


def reactions_of(message: ChatMessage) -> list[Reaction]:
    """One message's reactions, in the order they came, with who put them there."""
    return list(Reaction.objects.filter(message=message).select_related("user"))


def visible_attachments(group_chat: GroupChat, user: User) -> QuerySet[Attachment]:
    """The attachments of ``group_chat`` that ``user`` (a member: the caller checked) may
    download: those of its messages not deleted, and their own uploads not yet sent."""
    sent = Q(message__isnull=False, message__deleted_at__isnull=True)
    own_unsent = Q(message__isnull=True, uploader=user)
    return Attachment.objects.filter(sent | own_unsent, group_chat=group_chat)
