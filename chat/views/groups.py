"""Group chats: mine with their unread counts, creating, renaming and deleting one."""

from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, TypeVar

from django.db.models import QuerySet
from rest_framework import generics
from rest_framework.serializers import BaseSerializer

from chat import selectors
from chat.models import GroupChat
from chat.pagination import GroupChatPagination
from chat.serializers import GroupChatOverviewSerializer, GroupChatSerializer
from chat.services.chats import create_group_chat, delete_group_chat, rename_group_chat
from chat.views.base import ChatAPIView

if TYPE_CHECKING:
    from chat.selectors import GroupChatOverview

_Row = TypeVar("_Row")

# A chat's place in the list, the latest activity first (``member_group_chats``' order).
LATEST_ACTIVITY = attrgetter("updated_at", "pk")


class GroupChatListView(ChatAPIView, generics.ListCreateAPIView[GroupChat]):
    """My group chats, each with my unread count and its latest message, a page at a
    time (``GroupChatPagination``: the pages by chat), each page latest activity first;
    creating one makes me its owner."""

    serializer_class = GroupChatOverviewSerializer
    # A user may be added to any number of chats by others: never one unbounded list.
    pagination_class = GroupChatPagination

    def get_queryset(self) -> "QuerySet[GroupChatOverview]":
        return selectors.group_chat_overview(self.actor)

    def paginate_queryset(
        self, queryset: QuerySet[GroupChat, _Row] | Sequence[_Row]
    ) -> list[_Row] | None:
        """The page (chosen by chat id), latest activity first."""
        page = super().paginate_queryset(queryset)
        # A sorted copy: the paginator makes its links from its page, in id order.
        return None if page is None else sorted(page, key=LATEST_ACTIVITY, reverse=True)

    def perform_create(self, serializer: BaseSerializer[GroupChat]) -> None:
        created = create_group_chat(creator=self.actor, name=serializer.validated_data["name"])
        # Read back through the selector for the creator's ``my_role``.
        serializer.instance = self.get_queryset().get(pk=created.pk)


class GroupChatDetailView(ChatAPIView, generics.RetrieveUpdateDestroyAPIView[GroupChat]):
    """Read a chat (members), rename it (owners and admins), delete it (owners)."""

    serializer_class = GroupChatSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[GroupChat]:
        return selectors.member_group_chats(self.actor)

    def perform_update(self, serializer: BaseSerializer[GroupChat]) -> None:
        group_chat = serializer.instance
        assert group_chat is not None  # UpdateModelMixin built the serializer with it
        rename_group_chat(
            group_chat=group_chat,
            actor=self.actor,
            name=serializer.validated_data.get("name", group_chat.name),
        )

    def perform_destroy(self, instance: GroupChat) -> None:
        delete_group_chat(group_chat=instance, actor=self.actor)
