"""A chat's messages: the history (and the catch-up after a reconnect), editing and
deleting one."""

from http import HTTPStatus
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from chat import selectors
from chat.models import ChatMessage
from chat.pagination import CatchUpFilter, MessageCursorPagination
from chat.serializers import ChatMessageSerializer, EditedChatMessageSerializer
from chat.services.messages import delete_message, edit_message
from chat.views.base import GroupChatScopedView


class ChatMessageListView(GroupChatScopedView, generics.ListAPIView[ChatMessage]):
    """History, newest first; ``?after=<id>`` is the catch-up after a reconnect."""

    serializer_class = ChatMessageSerializer
    pagination_class = MessageCursorPagination
    filter_backends = [CatchUpFilter]

    def get_queryset(self) -> QuerySet[ChatMessage]:
        return selectors.shown_messages(self.group_chat.messages.all())


class ChatMessageDetailView(GroupChatScopedView):
    """Edit a message (its author) or delete it (its author, the chat's owners and
    admins). The same services as the socket's ``edit_message`` / ``delete_message``,
    for clients without a socket open; members' sockets hear of it either way."""

    http_method_names = ["patch", "delete", "options"]

    @extend_schema(request=EditedChatMessageSerializer, responses={200: ChatMessageSerializer})
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = EditedChatMessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = edit_message(
            group_chat=self.group_chat,
            message_id=self.kwargs["message_id"],
            actor=self.actor,
            content=serializer.validated_data["content"],
            mentions=serializer.validated_data["mentions"],
        )
        return Response(ChatMessageSerializer(message).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        delete_message(
            group_chat=self.group_chat, message_id=self.kwargs["message_id"], actor=self.actor
        )
        return Response(status=HTTPStatus.NO_CONTENT)
