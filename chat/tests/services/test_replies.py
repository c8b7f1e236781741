"""Replies: a message that answers an earlier one of its chat. What is stored, what the
reply quotes (the original as it is now: its edits, its tombstone), and what is refused
without writing anything."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from chat.messages.chat_detail import SNIPPET_CHARS, MemberPayload
from chat.models import ChatMessage, GroupChat
from chat.services.chats import create_group_chat
from chat.services.messages import delete_message, edit_message, post_message, save_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def original(group_chat: GroupChat, owner: User) -> ChatMessage:
    return save_message(
        group_chat=group_chat, sender=owner, content="Who brings the cake?\nI can't."
    )


def reply(original: ChatMessage, sender: User, content: str = "I will") -> ChatMessage:
    return save_message(
        group_chat=original.group_chat, sender=sender, content=content, reply_to=original.pk
    )


def quoted(message: ChatMessage) -> Any:
    """What the reply quotes as the history reads it now (a dict, or None)."""
    fresh = ChatMessage.objects.select_related("sender", "reply_to__sender").get(pk=message.pk)
    payload = MemberPayload.from_message(fresh).reply_to
    return None if payload is None else payload.model_dump()


def test_a_reply_stores_the_original_and_quotes_its_sender_and_first_line(
    original: ChatMessage, owner: User, member: User
) -> None:
    answer = reply(original, member)

    assert ChatMessage.objects.get(pk=answer.pk).reply_to_id == original.pk
    expected = {
        "id": original.pk,
        "seq": original.seq,
        "sender": {"id": owner.pk, "username": owner.username},
        "snippet": "Who brings the cake?",
        "deleted": False,
    }
    # As the live member_message says it (from the saved object), and as the history.
    live = MemberPayload.from_message(answer).reply_to
    assert live is not None
    assert live.model_dump() == expected
    assert quoted(answer) == expected


def test_a_long_first_line_is_quoted_in_part(group_chat: GroupChat, member: User) -> None:
    long = save_message(group_chat=group_chat, sender=member, content="x" * 500)

    assert quoted(reply(long, member))["snippet"] == "x" * SNIPPET_CHARS


def test_the_quote_follows_the_originals_edits(
    original: ChatMessage, owner: User, member: User
) -> None:
    answer = reply(original, member)

    edit_message(
        group_chat=original.group_chat, message_id=original.pk, actor=owner, content="Cake: Ann"
    )

    assert quoted(answer)["snippet"] == "Cake: Ann"


def test_a_deleted_original_is_quoted_as_its_tombstone(
    original: ChatMessage, owner: User, member: User
) -> None:
    answer = reply(original, member)

    delete_message(group_chat=original.group_chat, message_id=original.pk, actor=owner)

    assert quoted(answer) == {
        "id": original.pk,
        "seq": original.seq,
        "sender": {"id": owner.pk, "username": owner.username},
        "snippet": "",
        "deleted": True,
    }
    assert ChatMessage.objects.get(pk=answer.pk).content == "I will"


def test_a_message_without_reply_to_quotes_nothing(original: ChatMessage) -> None:
    assert quoted(original) is None


class TestRefused:
    """Each refusal raises on ``reply_to`` and stores nothing."""

    def refused(self, group_chat: GroupChat, sender: User, reply_to: int) -> str:
        before = ChatMessage.objects.count()
        with pytest.raises(ValidationError) as raised:
            save_message(group_chat=group_chat, sender=sender, content="answer", reply_to=reply_to)
        assert ChatMessage.objects.count() == before
        (message,) = raised.value.message_dict["reply_to"]
        return message

    def test_a_message_of_another_chat(
        self, group_chat: GroupChat, original: ChatMessage, member: User
    ) -> None:
        elsewhere = create_group_chat(creator=member, name="Elsewhere")
        theirs = save_message(group_chat=elsewhere, sender=member, content="private")

        reason = self.refused(group_chat, member, theirs.pk)

        assert reason == "No such message in this chat to reply to."

    def test_a_missing_message(
        self, group_chat: GroupChat, original: ChatMessage, member: User
    ) -> None:
        reason = self.refused(group_chat, member, original.pk + 1000)

        assert reason == "No such message in this chat to reply to."

    def test_a_deleted_message(
        self, group_chat: GroupChat, original: ChatMessage, owner: User, member: User
    ) -> None:
        delete_message(group_chat=group_chat, message_id=original.pk, actor=owner)

        reason = self.refused(group_chat, member, original.pk)

        assert reason == "This message was deleted: it cannot be replied to."


def test_a_resend_of_a_reply_answers_the_original_with_its_quote(
    original: ChatMessage, member: User
) -> None:
    """The idempotent resend reads the original back with what it quotes."""
    first, again = [
        post_message(
            group_chat=original.group_chat,
            sender=member,
            content="I will",
            client_id="r-1",
            reply_to=original.pk,
        )
        for _ in range(2)  # sent, then sent again with the same client id
    ]

    assert (again.created, again.message.pk) == (False, first.message.pk)
    assert MemberPayload.from_message(again.message).reply_to is not None
