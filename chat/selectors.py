"""Reads of the chat app that more than one view needs."""

from django.db.models import F, QuerySet

from accounts.models import User
from chat.models import GroupChat


def member_group_chats(user: User) -> QuerySet[GroupChat]:
    """The group chats ``user`` belongs to, each annotated with ``my_role``.

    Every group-scoped endpoint starts from this, so a chat the user is not in
    is simply not found (404) rather than forbidden: its existence never leaks.
    The annotation reuses the membership join of the filter: one row per chat.
    """
    return (
        GroupChat.objects.filter(members__user=user)
        .annotate(my_role=F("members__chat_role"))
        .select_related("created_by")
        .order_by("-updated_at", "-pk")
    )
