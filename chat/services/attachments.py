"""Writes of attachments: a member uploads a file to a chat (unsent), sends it with a
message (``chat.services.messages.save_message`` binds it, in the message's
transaction), and it goes when the message is deleted or when it was never sent.

The bytes go through Django's default storage (``STORAGES["default"]``: the file system
under ``MEDIA_ROOT`` unless configured otherwise) under a random name the server picks;
the uploader's own file name is kept, cleaned, in the row only. A file is stored only
after it was read whole and its type checked from its content (``chat.filetypes``); a row
that fails to save takes its stored files with it, and a deleted row's files are deleted
once the deletion commits (``chat.signals``)."""

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from accounts.models import User
from chat import filetypes, selectors
from chat.models import Attachment, ChatMessage, GroupChat
from chat.models.attachment import MAX_ATTACHMENTS_PER_MESSAGE
from chat.thumbnails import make_thumbnail


def upload_attachment(
    *, group_chat: GroupChat, uploader: User, file: "UploadedFile[bytes]"
) -> Attachment:
    """Store a member's file for a message they are about to send: refused (a
    ValidationError, nothing stored) when it is empty, larger than
    ``ATTACHMENT_MAX_BYTES``, markup, or of a type not in ``ATTACHMENT_ALLOWED_TYPES``
    (by its content). Images get a thumbnail. Unsent, it is only the uploader's
    (``purge_unsent`` deletes it after ``ATTACHMENT_UNSENT_HOURS``)."""
    if not selectors.is_member(uploader, group_chat.pk):
        raise PermissionDenied("Only members attach files to a chat.")
    size = file.size or 0
    if size == 0:
        raise ValidationError("This file is empty.", code="empty")
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            f"A file can be at most {settings.ATTACHMENT_MAX_BYTES:,} bytes.", code="too_large"
        )
    kind = filetypes.detect(file)
    if kind is None or kind.content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
        allowed = ", ".join(settings.ATTACHMENT_ALLOWED_TYPES)
        raise ValidationError(
            f"Files of this type cannot be attached. Allowed: {allowed}.", code="type"
        )
    attachment = Attachment(
        group_chat=group_chat,
        uploader=uploader,
        name=filetypes.clean_name(file.name or "", kind.content_type),
        content_type=kind.content_type,
        size=size,
        width=kind.width,
        height=kind.height,
    )
    thumbnail = make_thumbnail(file) if kind.is_image else None
    # Random, so no name is ever guessed or reused; a storage that fails halfway through
    # a write leaves its partial file under this name, which is deleted below.
    key = f"attachments/{group_chat.pk}/{secrets.token_urlsafe(18)}"
    planned = [key + filetypes.EXTENSIONS[kind.content_type][0], f"{key}-thumb.webp"]
    try:
        attachment.file.save(planned[0], file, save=False)
        if thumbnail is not None:
            attachment.thumbnail.save(planned[1], ContentFile(thumbnail), save=False)
        attachment.save()
    except BaseException:
        delete_files({*planned, attachment.file.name, attachment.thumbnail.name})
        raise
    return attachment


def bind(message: ChatMessage, attachment_ids: Iterable[int]) -> list[Attachment]:
    """Make these attachments part of ``message`` (just saved, in the caller's
    transaction): each must be its sender's own, unsent, in its chat. One UPDATE decides,
    so an attachment sent twice at once goes with one message; otherwise a
    ValidationError, and the caller's transaction takes the message back."""
    wanted = set(attachment_ids)
    if len(wanted) > MAX_ATTACHMENTS_PER_MESSAGE:
        raise ValidationError(f"At most {MAX_ATTACHMENTS_PER_MESSAGE} files per message.")
    bound = Attachment.objects.filter(
        pk__in=wanted,
        group_chat_id=message.group_chat_id,
        uploader_id=message.sender_id,
        message__isnull=True,
    ).update(message=message)
    if bound != len(wanted):
        raise ValidationError(
            {"attachment_ids": "No unsent upload of yours in this chat has one of these ids."}
        )
    return list(Attachment.objects.filter(message=message))


def delete_for_message(message: ChatMessage) -> None:
    """A deleted message's files go with it (their storage files once this commits)."""
    Attachment.objects.filter(message=message).delete()


def purge_unsent(*, older_than: timedelta) -> int:
    """Delete uploads never sent with a message, made more than ``older_than`` ago (an
    upload whose message never came: the page closed, the send refused). Returns how
    many."""
    cutoff = timezone.now() - older_than
    deleted, _ = Attachment.objects.filter(message__isnull=True, created_at__lt=cutoff).delete()
    return deleted


def delete_files(names: Iterable[str | None]) -> None:
    """Delete these storage files (a blank name is no file)."""
    for name in names:
        if name:
            default_storage.delete(name)
