"""Invite links: a chat's managers make and revoke them; anyone holding one sees what
it opens, and joins through it."""

from datetime import timedelta
from http import HTTPStatus
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.throttles import AddressThrottle
from chat import selectors
from chat.models import InviteLink
from chat.serializers import (
    InviteLinkSerializer,
    InviteSerializer,
    JoinedSerializer,
    NewInviteLinkSerializer,
)
from chat.services import invites
from chat.views.base import ChatAPIView, GroupChatScopedView
from config.apidocs.schema import ErrorSerializer


class InviteLinkListView(GroupChatScopedView, generics.ListAPIView[InviteLink]):
    """The chat's invite links that are not revoked (owners and admins only); make one."""

    serializer_class = InviteLinkSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[InviteLink]:
        if self.group_chat.my_role not in invites.MANAGERS:  # type: ignore[attr-defined]
            raise PermissionDenied(invites.ONLY_MANAGERS)
        return InviteLink.objects.filter(
            group_chat=self.group_chat, revoked_at__isnull=True
        ).select_related("created_by", "group_chat")

    @extend_schema(request=NewInviteLinkSerializer, responses={201: InviteLinkSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = NewInviteLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = invites.create_invite_link(
            group_chat=self.group_chat,
            actor=self.actor,
            expires_in=timedelta(hours=serializer.validated_data["expires_in_hours"]),
            max_uses=serializer.validated_data["max_uses"],
        )
        data = InviteLinkSerializer(link, context=self.get_serializer_context()).data
        return Response(data, status=HTTPStatus.CREATED)


class InviteLinkDetailView(GroupChatScopedView):
    """Revoke an invite link (owners and admins): nobody joins through it any more."""

    http_method_names = ["delete", "options"]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        link = get_object_or_404(
            InviteLink.objects.select_related("group_chat"),
            group_chat=self.group_chat,
            pk=self.kwargs["link_id"],
        )
        invites.revoke_invite_link(link=link, actor=self.actor)
        return Response(status=HTTPStatus.NO_CONTENT)


class InviteGone(APIException):
    """The link exists but lets nobody in any more (expired, revoked, used up)."""

    status_code = HTTPStatus.GONE


UNUSABLE = OpenApiResponse(
    ErrorSerializer, "The link expired, was revoked or was used as many times as it allows."
)
INVALID = OpenApiResponse(ErrorSerializer, "No such link: forged, altered or cut short.")


class InviteTokenView(ChatAPIView):
    """A view of ``/api/invites/<token>/``: every request counts against the client
    address's limit (``invite.address``), found or not, so links cannot be guessed in bulk."""

    throttle_classes = [AddressThrottle]
    throttle_scope = "invite"


class InviteView(InviteTokenView):
    """What an invite link opens (anyone holding it may ask): the chat's name, and
    whether I am in it already."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: InviteSerializer, 404: INVALID, 410: UNUSABLE})
    def get(self, request: Request, token: str) -> Response:
        link = selectors.invite_link_for_token(token)
        if link is None:
            raise invites.InviteInvalid()
        if link.state != InviteLink.State.VALID:
            raise InviteGone(invites.InviteUnusable.MESSAGES[link.state])
        user = request.user
        is_member = isinstance(user, User) and selectors.is_member(user, link.group_chat_id)
        invite = {
            "group_chat_id": link.group_chat_id,
            "group_chat_name": link.group_chat.name,
            "is_member": is_member,
        }
        return Response(InviteSerializer(invite).data)


class JoinView(InviteTokenView):
    """Join the chat of an invite link, as a member (201); already in it: 200, and the
    link is not counted."""

    @extend_schema(
        request=None, responses={200: JoinedSerializer, 201: JoinedSerializer, 410: UNUSABLE}
    )
    def post(self, request: Request, token: str) -> Response:
        try:
            membership, joined = invites.join_by_invite(token=token, user=self.actor)
        except invites.InviteUnusable as unusable:
            raise InviteGone(str(unusable)) from None
        data = {"group_chat_id": membership.group_chat_id, "already_member": not joined}
        status = HTTPStatus.CREATED if joined else HTTPStatus.OK
        return Response(JoinedSerializer(data).data, status=status)
