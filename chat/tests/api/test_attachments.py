"""/api/groups/<pk>/attachments/: uploading a file to send with a message, and
downloading it as a member; each attack on the way in and out is refused."""

from pathlib import Path

import pytest
from django.urls import reverse
from pytest_django.fixtures import Settings

from accounts.models import User
from chat.models import Attachment, ChatMessage, GroupChat
from chat.services.members import remove_member
from chat.services.messages import save_message
from chat.tests.api.conftest import ClientFor
from tests.support.files import (
    HTML_WITH_SCRIPT,
    SVG_WITH_SCRIPT,
    body,
    png_bytes,
    stored_files,
    upload,
    uploaded,
)

pytestmark = pytest.mark.django_db


def sent(group_chat: GroupChat, member: User, attachment_id: int) -> ChatMessage:
    return save_message(
        group_chat=group_chat, sender=member, content="", attachment_ids=[attachment_id]
    )


def detail_url(group_chat: GroupChat, attachment_id: int) -> str:
    return reverse("chat:attachment-detail", args=[group_chat.pk, attachment_id])


def test_an_image_is_stored_with_a_thumbnail_and_its_real_type(
    client_for: ClientFor, member: User, group_chat: GroupChat, media_root: Path
) -> None:
    response = upload(client_for(member), group_chat, "holiday.PNG", png_bytes(800, 600))

    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["name"], answer["content_type"]) == ("holiday.PNG", "image/png")
    assert (answer["width"], answer["height"]) == (800, 600)
    assert answer["url"] == detail_url(group_chat, answer["id"])
    thumbnail = client_for(member).get(answer["thumbnail_url"])
    assert thumbnail.status_code == 200
    assert thumbnail["Content-Type"] == "image/webp"
    assert body(thumbnail).startswith(b"RIFF")
    # Stored under a name of the server's, in the storage's folder for the chat.
    attachment = Attachment.objects.get(pk=answer["id"])
    assert attachment.message is None
    assert str(attachment.file.name).startswith(f"attachments/{group_chat.pk}/")
    assert "holiday" not in str(attachment.file.name)
    assert len(stored_files(media_root)) == 2


def test_a_members_download_is_never_a_page_of_the_site(
    client_for: ClientFor, member: User, owner: User, group_chat: GroupChat
) -> None:
    """Non-images are downloads (attachment), with nosniff and a CSP that runs nothing."""
    text = b"minutes of the meeting\n"
    attachment_id = upload(client_for(member), group_chat, "notes", text).json()["id"]
    sent(group_chat, member, attachment_id)

    response = client_for(owner).get(detail_url(group_chat, attachment_id))

    assert response.status_code == 200
    assert body(response) == text
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Length"] == str(len(text))


def test_an_image_is_shown_inline(
    client_for: ClientFor, member: User, group_chat: GroupChat
) -> None:
    attachment_id = upload(client_for(member), group_chat, "a.png", png_bytes()).json()["id"]

    response = client_for(member).get(detail_url(group_chat, attachment_id))

    assert response["Content-Disposition"] == 'inline; filename="a.png"'
    assert response["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("name", "data"), [("cat.png", HTML_WITH_SCRIPT), ("cat.png", SVG_WITH_SCRIPT)]
)
def test_markup_with_script_named_as_an_image_is_refused(
    client_for: ClientFor,
    member: User,
    group_chat: GroupChat,
    media_root: Path,
    name: str,
    data: bytes,
) -> None:
    """HTML or SVG renamed .png is no image; nor is it accepted as plain text."""
    response = upload(client_for(member), group_chat, name, data)

    assert response.status_code == 400
    assert "HTML, SVG and XML files cannot be attached" in str(response.json())
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_a_type_not_allowed_is_refused_by_its_content(
    client_for: ClientFor,
    member: User,
    group_chat: GroupChat,
    settings: Settings,
) -> None:
    """A PDF is a PDF by its bytes, whatever its name says; one not allowed is refused."""
    settings.ATTACHMENT_ALLOWED_TYPES = ["image/png"]
    response = upload(client_for(member), group_chat, "report.png", b"%PDF-1.7\n...")

    assert response.status_code == 400
    assert "Allowed: image/png" in str(response.json())
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_refused_and_nothing_stored(
    client_for: ClientFor,
    member: User,
    group_chat: GroupChat,
    settings: Settings,
    media_root: Path,
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 100_000
    response = upload(client_for(member), group_chat, "big.txt", b"x" * 100_001)

    assert response.status_code == 413
    assert "at most 100,000 bytes" in response.json()["detail"]
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_a_body_announced_over_the_limit_is_refused_before_it_is_read(
    client_for: ClientFor, member: User, group_chat: GroupChat, settings: Settings
) -> None:
    """The Content-Length alone refuses it: the small body actually sent is never read."""
    settings.ATTACHMENT_MAX_BYTES = 100_000
    url = reverse("chat:attachment-list", args=[group_chat.pk])

    response = client_for(member).post(
        url, {"file": uploaded("a.txt", b"tiny")}, format="multipart", CONTENT_LENGTH="200000"
    )

    assert response.status_code == 413
    assert not Attachment.objects.exists()


def test_a_path_in_the_file_name_is_dropped(
    client_for: ClientFor, member: User, group_chat: GroupChat, media_root: Path
) -> None:
    response = upload(client_for(member), group_chat, "../../../etc/cron.d/evil.txt", b"hi\n")

    assert response.status_code == 201
    assert response.json()["name"] == "evil.txt"
    (stored,) = stored_files(media_root)
    assert stored.parent == media_root / "attachments" / str(group_chat.pk)


def test_an_outsider_can_neither_upload_nor_download(
    client_for: ClientFor, member: User, outsider: User, group_chat: GroupChat
) -> None:
    attachment_id = upload(client_for(member), group_chat, "a.png", png_bytes()).json()["id"]
    sent(group_chat, member, attachment_id)

    assert client_for(outsider).get(detail_url(group_chat, attachment_id)).status_code == 404
    thumbnail = reverse("chat:attachment-thumbnail", args=[group_chat.pk, attachment_id])
    assert client_for(outsider).get(thumbnail).status_code == 404
    assert upload(client_for(outsider), group_chat, "b.png", png_bytes()).status_code == 404


def test_a_member_who_left_can_no_longer_download(
    client_for: ClientFor, member: User, owner: User, group_chat: GroupChat
) -> None:
    attachment_id = upload(client_for(owner), group_chat, "plan.txt", b"plan\n").json()["id"]
    sent(group_chat, owner, attachment_id)
    url = detail_url(group_chat, attachment_id)
    assert client_for(member).get(url).status_code == 200

    remove_member(membership=group_chat.members.get(user=member), actor=member)

    assert client_for(member).get(url).status_code == 404


def test_an_unsent_upload_is_only_its_uploaders(
    client_for: ClientFor, member: User, owner: User, group_chat: GroupChat
) -> None:
    attachment_id = upload(client_for(member), group_chat, "draft.txt", b"draft\n").json()["id"]

    assert client_for(member).get(detail_url(group_chat, attachment_id)).status_code == 200
    assert client_for(owner).get(detail_url(group_chat, attachment_id)).status_code == 404


def test_the_history_lists_a_messages_attachments(
    client_for: ClientFor, member: User, group_chat: GroupChat
) -> None:
    attachment_id = upload(client_for(member), group_chat, "a.png", png_bytes()).json()["id"]
    sent(group_chat, member, attachment_id)

    url = reverse("chat:message-list", args=[group_chat.pk])
    (message,) = client_for(member).get(url).json()["results"]

    assert message["content"] == ""
    assert [a["id"] for a in message["attachments"]] == [attachment_id]
    assert message["attachments"][0]["thumbnail_url"].endswith("/thumbnail/")
