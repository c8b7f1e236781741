"""Message history paging: newest first, or oldest first after a known id; search
results, best first; a user's chats, by chat."""

import math
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param
from rest_framework.views import APIView

from chat import search

_Model = TypeVar("_Model", bound=Model)
_Row = TypeVar("_Row")


class IdCursorPagination(CursorPagination):
    """DRF's cursor pages over an id, which stays put while rows come and change, unlike
    page numbers: a cursor whose position is no id (``p=abc``) is a 404 like any other
    invalid cursor, never a 500 from the query."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request: Request) -> Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                int(cursor.position)
            except ValueError:
                raise NotFound(self.invalid_cursor_message) from None
        return cursor


class MessageCursorPagination(IdCursorPagination):
    """Cursors stay stable while new messages arrive, unlike page numbers.

    ``?around=<id>`` (without a cursor) opens the history at that message (a search
    result): the page holds it, with up to half a page of newer messages above it and
    older ones below, and its ``previous`` and ``next`` links page on either way."""

    around_field = serializers.IntegerField(min_value=1)

    def paginate_queryset(
        self,
        queryset: QuerySet[_Model, _Row] | Sequence[_Row],
        request: Request,
        view: APIView | None = None,
    ) -> list[_Row] | None:
        self.around_position: int | None = None
        around = None
        if self.cursor_query_param not in request.query_params:
            around = self.around(request)
        if around is not None:
            assert isinstance(queryset, QuerySet)
            self.around_position = self.position_around(queryset, request, around)
        page = super().paginate_queryset(queryset, request, view)
        # The links page on from here; the message they opened at is behind them.
        if self.base_url is not None:
            self.base_url = remove_query_param(self.base_url, "around")
        return page

    def around(self, request: Request) -> int | None:
        raw = request.query_params.get("around")
        if raw is None:
            return None
        if "after" in request.query_params:
            raise ValidationError({"around": ["Give around or after, not both."]})
        try:
            value: int = self.around_field.run_validation(raw)
        except ValidationError as exc:
            raise ValidationError({"around": exc.detail}) from exc
        return value

    def position_around(self, messages: QuerySet[Any], request: Request, around: int) -> int | None:
        """The cursor position whose page holds ``around`` with up to half a page of
        newer messages; None when fewer are newer (the first page holds it)."""
        if not messages.filter(pk=around).exists():
            raise NotFound("No such message in this chat.")
        half = (self.get_page_size(request) or self.page_size) // 2
        newer = list(
            messages.filter(pk__gt=around).order_by("pk").values_list("pk", flat=True)[:half]
        )
        return newer[-1] + 1 if half and len(newer) == half else None

    def decode_cursor(self, request: Request) -> Cursor | None:
        """The position ``around`` opens at, or the request's cursor."""
        if self.around_position is not None:
            return Cursor(offset=0, reverse=False, position=self.around_position)
        return super().decode_cursor(request)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": "around",
                "in": "query",
                "required": False,
                "description": (
                    "Open the history at this message id: the page holds it, with up to "
                    "half a page of newer messages (newest first, as without it); "
                    "previous and next page on either way. Not with after or a cursor."
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


class SearchCursorPagination(CursorPagination):
    """Search results (``chat.search``) a page at a time, best match first: a cursor
    names the last result given, by its rank and id, and the next page is what ranks
    after it. A cursor only moves within the requester's own results (the search
    filters before it); one that does not decode to a finite rank and an id is a 404."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 50

    def paginate_queryset(
        self,
        queryset: QuerySet[_Model, _Row] | Sequence[_Row],
        request: Request,
        view: APIView | None = None,
    ) -> list[_Row]:
        assert isinstance(queryset, QuerySet)  # chat.search's, annotated with its rank
        results: QuerySet[Any] = queryset
        self.request = request
        self.page_size = self.get_page_size(request) or self.page_size
        self.base_url = request.build_absolute_uri()
        cursor = self.decode_cursor(request)
        if cursor is not None:
            rank, message_id = self.position(cursor)
            results = search.after(results, rank, message_id)
        ranked = search.best(results, self.page_size + 1)
        page = ranked[: self.page_size]
        self.page = search.shown(results, [pk for pk, _ in page])
        self.next_cursor = None
        if len(ranked) > self.page_size:
            last_pk, last_rank = page[-1]
            # DRF types a position as an int; it is any text it encodes.
            position: Any = f"{last_rank!r}:{last_pk}"
            self.next_cursor = Cursor(offset=0, reverse=False, position=position)
        return self.page  # type: ignore[return-value]  # chat.search's messages

    def position(self, cursor: Cursor) -> tuple[float, int]:
        rank, _, message_id = str(cursor.position).partition(":")
        try:
            parsed = float(rank), int(message_id)
        except ValueError:
            raise NotFound(self.invalid_cursor_message) from None
        if not math.isfinite(parsed[0]):
            raise NotFound(self.invalid_cursor_message)
        return parsed

    def get_next_link(self) -> str | None:
        return None if self.next_cursor is None else self.encode_cursor(self.next_cursor)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


class GroupChatPagination(IdCursorPagination):
    """A user's group chats, a page at a time: the pages go by chat id, newest chat
    first, so that a chat whose activity moves it while a user pages through is on its
    page all the same, once. Whoever reads more than one page orders them together, as
    the view orders each (``updated_at`` then id, both newest first)."""


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
