"""A chat's members: adding one, changing a role, removing one or leaving; and muting
the chat for oneself, a setting of one's own membership."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from chat.models import ChatMember
from chat.serializers import (
    ChatMemberSerializer,
    LeaveSerializer,
    MuteSerializer,
    NewChatMemberSerializer,
)
from chat.services import notifications
from chat.services.members import add_member, change_role, leave_and_block_adder, remove_member
from chat.views.base import GroupChatScopedView


class ChatMemberListView(GroupChatScopedView, generics.ListCreateAPIView[ChatMember]):
    """A chat's members; owners and admins add people by username."""

    pagination_class = None

    def get_queryset(self) -> QuerySet[ChatMember]:
        return self.group_chat.members.select_related("user", "added_by")

    def get_serializer_class(self) -> type[ChatMemberSerializer]:
        return NewChatMemberSerializer if self.request.method == "POST" else ChatMemberSerializer

    def perform_create(self, serializer: BaseSerializer[ChatMember]) -> None:
        serializer.instance = add_member(
            group_chat=self.group_chat,
            actor=self.actor,
            user=serializer.validated_data["user"],
            role=serializer.validated_data["role"],
        )


class ChatMemberDetailView(
    GroupChatScopedView, generics.UpdateAPIView[ChatMember], generics.DestroyAPIView[ChatMember]
):
    """Change a member's role, remove a member, or (on one's own membership) leave, and
    with ``?block_adder=true`` also block who added them."""

    serializer_class = ChatMemberSerializer
    lookup_url_kwarg = "member_id"
    http_method_names = ["patch", "delete", "options"]

    def get_queryset(self) -> QuerySet[ChatMember]:
        return self.group_chat.members.select_related("user", "group_chat", "added_by")

    @extend_schema(parameters=[LeaveSerializer], responses={204: None})
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.destroy(request, *args, **kwargs)

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The role is the only writable field: validate as a full update so
        # that a PATCH without it is a 400, not a silent no-op.
        return self.update(request, *args, **kwargs)

    def perform_update(self, serializer: BaseSerializer[ChatMember]) -> None:
        membership = serializer.instance
        assert membership is not None  # UpdateModelMixin built the serializer with it
        change_role(membership=membership, actor=self.actor, role=serializer.validated_data["role"])

    def perform_destroy(self, instance: ChatMember) -> None:
        leave = LeaveSerializer(data=self.request.query_params)
        leave.is_valid(raise_exception=True)
        if leave.validated_data["block_adder"]:
            leave_and_block_adder(membership=instance, actor=self.actor)
        else:
            remove_member(membership=instance, actor=self.actor)


class MuteView(GroupChatScopedView):
    """Mute a chat for me (``PUT``) or unmute it (``DELETE``): a muted chat notifies me
    of nothing; its unread messages and mentions are still counted."""

    http_method_names = ["put", "delete", "options"]

    @extend_schema(request=None, responses={200: MuteSerializer})
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.set_muted(muted=True)

    @extend_schema(responses={200: MuteSerializer})
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.set_muted(muted=False)

    def set_muted(self, *, muted: bool) -> Response:
        notifications.set_muted(group_chat=self.group_chat, user=self.actor, muted=muted)
        return Response({"muted": muted})
