"""Who may see a group chat: its members. Shared by REST views and consumers."""

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from chat import selectors


class IsGroupChatMember(BasePermission):
    """Object permission on a ``GroupChat``. A non-member is told exactly what a
    chat that does not exist would tell them (404 "Not found."), as the REST API
    does, so the answer never confirms that a chat exists."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        user = request.user
        if user.is_authenticated and selectors.membership(user, obj) is not None:
            return True
        raise NotFound("Not found.")
