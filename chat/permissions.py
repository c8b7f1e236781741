"""Who may see a group chat: its members."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from chat import selectors


class IsMemberOfRoutedChat(BasePermission):
    """The user is a member of the chat the route names (its ``pk``, digits only), for
    a socket's handshake. One query answers it whether or not the chat exists, so a chat
    that does not exist and someone else's chat are refused alike (403, DRF's own words)
    at the same cost: the refusal never says which it was."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return user.is_authenticated and selectors.is_member(user, int(view.kwargs["pk"]))
