"""The users I blocked: they cannot add me to group chats."""

from http import HTTPStatus
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from chat.models import Block
from chat.serializers import BlockSerializer, NewBlockSerializer
from chat.services.blocks import block_user, unblock_user
from chat.views.base import ChatAPIView


class BlockListView(ChatAPIView, generics.ListCreateAPIView[Block]):
    """The users I blocked (they cannot add me to group chats); block one more by
    username."""

    pagination_class = None

    def get_queryset(self) -> QuerySet[Block]:
        return Block.objects.filter(blocker=self.actor).select_related("blocked")

    def get_serializer_class(self) -> type[BlockSerializer | NewBlockSerializer]:
        return NewBlockSerializer if self.request.method == "POST" else BlockSerializer

    @extend_schema(request=NewBlockSerializer, responses={201: BlockSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = NewBlockSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        block = block_user(blocker=self.actor, blocked=serializer.validated_data["username"])
        return Response(BlockSerializer(block).data, status=HTTPStatus.CREATED)


class BlockDetailView(ChatAPIView):
    """Unblock a user (by their id): they may add me to group chats again."""

    http_method_names = ["delete", "options"]

    @extend_schema(
        responses={204: None, 404: OpenApiResponse(description="I have not blocked this user.")}
    )
    def delete(self, request: Request, user_id: int) -> Response:
        block = get_object_or_404(
            Block.objects.select_related("blocked"), blocker=self.actor, blocked_id=user_id
        )
        unblock_user(blocker=self.actor, blocked=block.blocked)
        return Response(status=HTTPStatus.NO_CONTENT)
