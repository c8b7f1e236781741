"""Files sent with messages: uploading one, and downloading it or an image's
thumbnail, to members only."""

from http import HTTPStatus
from typing import Any

from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from chat import selectors
from chat.downloads import attachment_response
from chat.models import Attachment
from chat.serializers import AttachmentSerializer, NewAttachmentSerializer
from chat.services.attachments import upload_attachment
from chat.uploads import LimitedUploadHandler
from chat.views.base import GroupChatScopedView


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
