"""Who may see a group chat: its members. Shared by REST views and consumers."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from chat.models import ChatMember, GroupChat


class IsGroupChatMember(BasePermission):
    message = "You are not a member of this group chat."

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        assert isinstance(obj, GroupChat)
        user = request.user
        return (
            user.is_authenticated and ChatMember.objects.filter(group_chat=obj, user=user).exists()
        )
