"""Searching the messages of my chats."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from chat import search, selectors
from chat.models import ChatMessage
from chat.pagination import SearchCursorPagination
from chat.serializers import SearchQuerySerializer, SearchResultSerializer
from chat.views.base import ChatAPIView


@extend_schema_view(get=extend_schema(parameters=[SearchQuerySerializer]))
class SearchView(ChatAPIView, generics.ListAPIView[ChatMessage]):
    """Messages of my chats (all, or ``?group=`` one) containing every word of ``?q=``,
    best match first, each with its highlight (``chat.search``). Which chats are mine
    is decided now: one I left gives nothing; ``?group=`` naming a chat that is not
    mine is a 404."""

    serializer_class = SearchResultSerializer
    pagination_class = SearchCursorPagination
    markers: search.Markers

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.markers = search.Markers.fresh()

    def get_queryset(self) -> QuerySet[ChatMessage]:
        query = SearchQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        group_chat_id = query.validated_data.get("group")
        if group_chat_id is not None and not selectors.is_member(self.actor, group_chat_id):
            raise NotFound("No such group chat among yours.")
        return search.search_messages(
            self.actor,
            query.validated_data["q"],
            markers=self.markers,
            group_chat_id=group_chat_id,
        )

    def get_serializer_context(self) -> dict[str, Any]:
        # No markers when the schema generator asks (it runs no request).
        return {**super().get_serializer_context(), "markers": getattr(self, "markers", None)}
