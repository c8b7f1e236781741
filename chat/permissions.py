"""Who may see a group chat: its members. Shared by REST views and consumers."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from chat import selectors


class IsGroupChatMember(BasePermission):
    """Object permission on a ``GroupChat``."""

    message = "You are not a member of this group chat."

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        user = request.user
        return user.is_authenticated and selectors.membership(user, obj) is not None
