"""What every chat view stands on: the requester, and the chat of a ``/groups/<pk>/``
URL found among the requester's own."""

from typing import Any

from django.shortcuts import get_object_or_404
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import User
from chat import selectors
from chat.models import GroupChat


class ChatAPIView(APIView):
    """Base of the chat views."""

    @property
    def actor(self) -> User:
        """The requester; the default IsAuthenticated has already run."""
        user = self.request.user
        assert isinstance(user, User)
        return user


class GroupChatScopedView(ChatAPIView):
    """A view under ``/groups/<pk>/``, resolved before anything else is done
    (validating a body included) so a non-member learns nothing but 404."""

    group_chat: GroupChat

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.group_chat = get_object_or_404(
            selectors.member_group_chats(self.actor), pk=self.kwargs["pk"]
        )
