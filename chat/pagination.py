"""Message history paging: newest first, or oldest first after a known id."""

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import Cursor, CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView

_Model = TypeVar("_Model", bound=Model)
_Row = TypeVar("_Row")


class MessageCursorPagination(CursorPagination):
    """Cursors stay stable while new messages arrive, unlike page numbers."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF's decoding, and a position that is an id: a crafted cursor (``p=abc``)
        is a 404 like any other invalid cursor, never a 500 from the query."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                int(cursor.position)
            except ValueError:
                raise NotFound(self.invalid_cursor_message) from None
        return cursor


class GroupChatPagination(PageNumberPagination):
    """A user's group chats, a page at a time (``?page=``); a bad page is a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CatchUpFilter(BaseFilterBackend):
    """``?after=<id>``: what a reconnecting client missed, in the order it was said.

    CursorPagination asks a filter backend with ``get_ordering`` for the
    ordering, so the query parameter is read here and only here.
    """

    after_field = serializers.IntegerField(min_value=0)

    def after(self, request: Request) -> int | None:
        raw = request.query_params.get("after")
        if raw is None:
            return None
        try:
            value: int = self.after_field.run_validation(raw)
        except ValidationError as exc:
            raise ValidationError({"after": exc.detail}) from exc
        return value

    def filter_queryset(
        self, request: Request, queryset: QuerySet[_Model, _Row], view: APIView
    ) -> QuerySet[_Model, _Row]:
        after = self.after(request)
        return queryset if after is None else queryset.filter(id__gt=after)

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: APIView) -> str:
        return "-id" if self.after(request) is None else "id"

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        """``after`` in the OpenAPI schema (DRF's hook, which drf-spectacular reads)."""
        return [
            {
                "name": "after",
                "in": "query",
                "required": False,
                "description": (
                    "Only the messages after this message id, oldest first (the catch-up "
                    "after a reconnect or a gap in seq). Without it: newest first."
                ),
                "schema": {"type": "integer", "minimum": 0},
            }
        ]
