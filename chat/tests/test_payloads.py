"""What building a message's wire payload costs: nothing is looked up that cannot be
there."""

import pytest
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from chat.messages.chat_detail import MemberPayload
from chat.models import GroupChat
from chat.services import messages
from chat.services.attachments import upload_attachment
from tests.support.files import uploaded

pytestmark = pytest.mark.django_db


def test_a_tombstones_payload_looks_up_no_attachments(
    group_chat: GroupChat, owner: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    """Deleting a message deletes its files, so its ``message_deleted`` carries none
    without asking the database."""
    upload = upload_attachment(
        group_chat=group_chat, uploader=owner, file=uploaded("a.txt", b"notes\n")
    )
    said = messages.save_message(
        group_chat=group_chat, sender=owner, content="see file", attachment_ids=[upload.pk]
    )
    deleted = messages.delete_message(group_chat=group_chat, message_id=said.pk, actor=owner)

    with django_assert_num_queries(0):
        payload = MemberPayload.from_message(deleted)

    assert payload.deleted
    assert payload.attachments == []
