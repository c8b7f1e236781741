"""Reads of the chat app that more than one caller needs."""

from django.db.models import F, QuerySet

from accounts.models import User
from chat.models import ChatMember, GroupChat


def membership(user: User, group_chat: GroupChat) -> ChatMember | None:
    """``user``'s membership of ``group_chat``, or None: the one lookup behind who may
    see a chat (``chat.permissions``) and who may change it (``chat.services``)."""
    return ChatMember.objects.filter(user=user, group_chat=group_chat).first()


def member_group_chats(user: User) -> QuerySet[GroupChat]:
    """The group chats ``user`` belongs to, each annotated with ``my_role``.

    Every group-scoped endpoint starts from this, so a chat the user is not in
    is simply not found (404) rather than forbidden: its existence never leaks.
    The annotation reuses the membership join of the filter: one row per chat.
    """
    return (
        GroupChat.objects.filter(members__user=user)
        .annotate(my_role=F("members__role"))
        .select_related("created_by")
        .order_by("-updated_at", "-pk")
    )
