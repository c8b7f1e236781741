"""The chat REST API: group chats, their members and their message history.

Every view starts from the requester's own memberships (``chat.selectors``),
so another group's chat is a 404, never a 403 that would confirm it exists.
Serializers validate and shape; the views hand what they validated to
``chat.services``, where the role rules live. A service's PermissionDenied is
a 403 and its ValidationError a 400 (``config.exceptions``).
"""

from datetime import timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, get_args

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from accounts.models import User
from accounts.throttles import AddressThrottle
from chat import search, selectors
from chat.downloads import attachment_response
from chat.models import Attachment, Block, ChatMember, ChatMessage, GroupChat, InviteLink
from chat.models.reaction import ReactionEmoji
from chat.pagination import (
    CatchUpFilter,
    GroupChatPagination,
    MessageCursorPagination,
    SearchCursorPagination,
)
from chat.serializers import (
    AttachmentSerializer,
    BlockSerializer,
    ChatMemberSerializer,
    ChatMessageSerializer,
    EditedChatMessageSerializer,
    GroupChatOverviewSerializer,
    GroupChatSerializer,
    InviteLinkSerializer,
    InviteSerializer,
    JoinedSerializer,
    LeaveSerializer,
    MuteSerializer,
    NewAttachmentSerializer,
    NewBlockSerializer,
    NewChatMemberSerializer,
    NewInviteLinkSerializer,
    SearchQuerySerializer,
    SearchResultSerializer,
)
from chat.services import invites, notifications, reactions
from chat.services.attachments import upload_attachment
from chat.services.blocks import block_user, unblock_user
from chat.services.chats import create_group_chat, delete_group_chat, rename_group_chat
from chat.services.members import add_member, change_role, leave_and_block_adder, remove_member
from chat.services.messages import delete_message, edit_message
from chat.uploads import LimitedUploadHandler
from config.apidocs.schema import VALIDATION_ERROR, ErrorSerializer

if TYPE_CHECKING:
    from chat.selectors import GroupChatOverview


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


class GroupChatListView(ChatAPIView, generics.ListCreateAPIView[GroupChat]):
    """My group chats, latest activity first, each with my unread count and its latest
    message; creating one makes me its owner."""

    serializer_class = GroupChatOverviewSerializer
    # A user may be added to any number of chats by others: never one unbounded list.
    pagination_class = GroupChatPagination

    def get_queryset(self) -> "QuerySet[GroupChatOverview]":
        return selectors.group_chat_overview(self.actor)

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


class ChatMessageListView(GroupChatScopedView, generics.ListAPIView[ChatMessage]):
    """History, newest first; ``?after=<id>`` is the catch-up after a reconnect."""

    serializer_class = ChatMessageSerializer
    pagination_class = MessageCursorPagination
    filter_backends = [CatchUpFilter]

    def get_queryset(self) -> QuerySet[ChatMessage]:
        return selectors.shown_messages(self.group_chat.messages.all())


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


class AttachmentUploadView(GroupChatScopedView):
    """Upload a file (multipart/form-data, field ``file``) to send with a message: the
    answer's ``id`` goes in the socket's ``new_message`` (``attachment_ids``). Its type is
    read from its content; too large is a 413, refused before it is stored; an upload
    never sent is deleted after a while."""

    parser_classes = [MultiPartParser]
    http_method_names = ["post", "options"]

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # Before anything reads the body (DRF's CSRF check reads a POST's form): the
        # size limit is counted as it is read (chat.uploads).
        request.upload_handlers = [LimitedUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": NewAttachmentSerializer},
        responses={
            201: AttachmentSerializer,
            413: OpenApiResponse(description="The file is larger than the limit."),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = NewAttachmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = upload_attachment(
            group_chat=self.group_chat, uploader=self.actor, file=serializer.validated_data["file"]
        )
        return Response(AttachmentSerializer(attachment).data, status=HTTPStatus.CREATED)


class AttachmentDownloadView(GroupChatScopedView):
    """A file of the chat's messages (or one's own upload not yet sent), to members
    only: membership is checked on every request, so a member who left gets a 404."""

    http_method_names = ["get", "options"]

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        # A browser asks for an image or a download with its own Accept header; the
        # file is what it gets (errors are JSON), never a 406.
        return super().perform_content_negotiation(request, force=True)

    def attachment(self) -> Attachment:
        return get_object_or_404(
            selectors.visible_attachments(self.group_chat, self.actor),
            pk=self.kwargs["attachment_id"],
        )


class AttachmentDetailView(AttachmentDownloadView):
    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        """The file itself: shown inline when an image, otherwise a download."""
        attachment = self.attachment()
        return attachment_response(
            attachment.file,
            content_type=attachment.content_type,
            name=attachment.name,
            inline=attachment.is_image,
        )


class AttachmentThumbnailView(AttachmentDownloadView):
    @extend_schema(responses={(200, "image/webp"): OpenApiTypes.BINARY})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        """An image's thumbnail (WebP); 404 for other files."""
        attachment = self.attachment()
        thumbnail: FieldFile = attachment.thumbnail
        if not thumbnail:
            raise Http404("Only images have a thumbnail.")
        return attachment_response(
            thumbnail, content_type="image/webp", name="thumbnail.webp", inline=True
        )


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
