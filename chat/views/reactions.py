"""My reactions on a message, one emoji at a time."""

from http import HTTPStatus
from typing import Any, get_args

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from chat import selectors
from chat.models import ChatMessage
from chat.models.reaction import ReactionEmoji
from chat.serializers import ChatMessageSerializer
from chat.services import reactions
from chat.views.base import GroupChatScopedView
from config.apidocs.schema import VALIDATION_ERROR

REACTION_REFUSED = OpenApiResponse(
    VALIDATION_ERROR, "An emoji outside the set (``emoji``), or a deleted message."
)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "emoji",
            str,
            OpenApiParameter.PATH,
            enum=get_args(ReactionEmoji),
            description="The reaction, as the emoji itself (percent-encoded in the URL).",
        )
    ]
)
class ReactionView(GroupChatScopedView):
    """My reaction with one emoji on a message: ``PUT`` puts it on, ``DELETE`` takes it
    off; either changes nothing when it is already so. The same service as the socket's
    ``react``; members' sockets hear of a change (``reaction_changed``) either way."""

    http_method_names = ["put", "delete", "options"]

    def react(self, *, reacted: bool) -> ChatMessage:
        change = reactions.react(
            group_chat=self.group_chat,
            message_id=self.kwargs["message_id"],
            actor=self.actor,
            emoji=self.kwargs["emoji"],
            reacted=reacted,
        )
        return change.message

    @extend_schema(request=None, responses={200: ChatMessageSerializer, 400: REACTION_REFUSED})
    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Put the reaction on: the message with its reactions."""
        message = self.react(reacted=True)
        shown = selectors.shown_messages(ChatMessage.objects.filter(pk=message.pk)).get()
        return Response(ChatMessageSerializer(shown).data)

    @extend_schema(responses={204: None, 400: REACTION_REFUSED})
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take the reaction off."""
        self.react(reacted=False)
        return Response(status=HTTPStatus.NO_CONTENT)
