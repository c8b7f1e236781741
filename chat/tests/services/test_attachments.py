"""chat.services.attachments: what an upload is stored as, how a message takes it (only
its sender's own unsent ones, in one transaction with the message), and how its files
go when the message, the chat or the never-sent upload goes."""

from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest.mock import patch

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.management import call_command
from django.db import DatabaseError
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from chat.models import Attachment, ChatMessage, GroupChat
from chat.services.attachments import purge_unsent, upload_attachment
from chat.services.chats import create_group_chat, delete_group_chat
from chat.services.messages import delete_message, save_message
from chat.uploads import LimitedUploadHandler, UploadTooLarge
from tests.support.files import png_bytes, stored_files, uploaded

pytestmark = pytest.mark.django_db(transaction=True)


def attach(group_chat: GroupChat, user: User, name: str = "a.png") -> Attachment:
    data = png_bytes() if name.endswith(".png") else b"some text\n"
    return upload_attachment(group_chat=group_chat, uploader=user, file=uploaded(name, data))


def test_a_windows_path_and_invisible_controls_leave_the_name(
    group_chat: GroupChat, member: User
) -> None:
    """Django keeps backslashes in a name (a POSIX basename); the name shown keeps
    neither them, nor control characters, nor direction controls."""
    name = "..\\..\\Windows\\sys\u202etxt.exe\x07.txt"

    assert attach(group_chat, member, name).name == "systxt.exe.txt"


def test_a_name_gets_the_extension_of_its_real_type(group_chat: GroupChat, member: User) -> None:
    assert attach(group_chat, member, "report.pdf.png").name == "report.pdf.png"
    text = upload_attachment(group_chat=group_chat, uploader=member, file=uploaded("x.png", b"hi"))
    assert text.name == "x.png.txt"


def test_a_message_takes_its_senders_unsent_uploads(group_chat: GroupChat, member: User) -> None:
    first, second = attach(group_chat, member), attach(group_chat, member, "b.txt")

    message = save_message(
        group_chat=group_chat, sender=member, content="look", attachment_ids=[first.pk, second.pk]
    )

    assert list(message.attachments.values_list("pk", flat=True)) == [first.pk, second.pk]


@pytest.mark.parametrize("whose", ["another member's", "already sent", "another chat's"])
def test_a_message_refused_an_upload_is_not_stored(
    group_chat: GroupChat, member: User, owner: User, whose: str
) -> None:
    """Anything but the sender's own unsent upload in this chat refuses the message: no
    message, and the upload stays as it was."""
    if whose == "another member's":
        attachment = attach(group_chat, owner)
    elif whose == "already sent":
        attachment = attach(group_chat, member)
        save_message(
            group_chat=group_chat, sender=member, content="", attachment_ids=[attachment.pk]
        )
    else:
        elsewhere = create_group_chat(creator=member, name="Elsewhere")
        attachment = attach(elsewhere, member)
    before = ChatMessage.objects.count()
    taken_by = Attachment.objects.get(pk=attachment.pk).message_id

    with pytest.raises(ValidationError, match="No unsent upload of yours"):
        save_message(
            group_chat=group_chat, sender=member, content="hi", attachment_ids=[attachment.pk]
        )

    assert ChatMessage.objects.count() == before
    assert Attachment.objects.get(pk=attachment.pk).message_id == taken_by


def test_deleting_the_message_deletes_its_files(
    group_chat: GroupChat, member: User, media_root: Path
) -> None:
    attachment = attach(group_chat, member)
    message = save_message(
        group_chat=group_chat, sender=member, content="", attachment_ids=[attachment.pk]
    )
    assert len(stored_files(media_root)) == 2  # the image and its thumbnail

    delete_message(group_chat=group_chat, message_id=message.pk, actor=member)

    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_deleting_the_chat_deletes_its_files(
    group_chat: GroupChat, owner: User, media_root: Path
) -> None:
    attach(group_chat, owner)

    delete_group_chat(group_chat=group_chat, actor=owner)

    assert stored_files(media_root) == []


def test_uploads_never_sent_are_purged_after_a_while(
    group_chat: GroupChat, member: User, media_root: Path
) -> None:
    old, recent, kept = (attach(group_chat, member, f"{n}.txt") for n in "abc")
    save_message(group_chat=group_chat, sender=member, content="", attachment_ids=[kept.pk])
    Attachment.objects.filter(pk__in=[old.pk, kept.pk]).update(
        created_at=timezone.now() - timedelta(hours=25)
    )

    out = StringIO()
    call_command("purge_unsent_attachments", hours=24, stdout=out)

    assert set(Attachment.objects.values_list("pk", flat=True)) == {recent.pk, kept.pk}
    assert out.getvalue() == "Deleted 1 unsent attachment(s) older than 24 hours.\n"
    assert len(stored_files(media_root)) == 2
    assert purge_unsent(older_than=timedelta(0)) == 1  # the recent one, unsent


@override_settings(ATTACHMENT_MAX_BYTES=100_000)
def test_the_upload_handler_stops_and_deletes_its_file_past_the_limit() -> None:
    """A body that did not announce its size is counted as it comes: the chunk that
    passes the limit is refused, and what was written of it is deleted."""
    handler = LimitedUploadHandler()
    handler.new_file("file", "big.bin", "application/octet-stream", None)
    partial = handler.file
    assert isinstance(partial, TemporaryUploadedFile)
    path = Path(partial.temporary_file_path())
    handler.receive_data_chunk(b"x" * 65_536, 0)
    assert path.exists()

    with pytest.raises(UploadTooLarge):
        handler.receive_data_chunk(b"x" * 65_536, 65_536)

    assert not path.exists()


def test_an_upload_failing_halfway_leaves_no_file(
    group_chat: GroupChat, member: User, media_root: Path
) -> None:
    """The files are stored before the row: a row that cannot be saved (the database
    gone, say) takes them with it, the image and its thumbnail alike."""
    with (
        patch.object(Attachment, "save", side_effect=DatabaseError("connection lost")),
        pytest.raises(DatabaseError),
    ):
        attach(group_chat, member)

    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []
