"""save_message: what is stored, and what is refused without writing anything."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from chat.models import ChatMessage, GroupChat
from chat.models.chat_message import MAX_MESSAGE_LENGTH
from chat.services.messages import save_message

pytestmark = pytest.mark.django_db


def test_stores_the_trimmed_message(group_chat: GroupChat, member: User) -> None:
    saved = save_message(group_chat=group_chat, sender=member, content="  hello \n")

    stored = ChatMessage.objects.get()
    assert stored.pk == saved.pk
    assert (stored.group_chat, stored.sender, stored.content) == (group_chat, member, "hello")


def test_the_longest_allowed_message_is_stored(group_chat: GroupChat, member: User) -> None:
    content = "x" * MAX_MESSAGE_LENGTH

    save_message(group_chat=group_chat, sender=member, content=content)

    assert ChatMessage.objects.get().content == content


@pytest.mark.parametrize("content", ["", "   ", "\n\t "])
def test_rejects_empty_or_whitespace_only(
    group_chat: GroupChat, member: User, content: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        save_message(group_chat=group_chat, sender=member, content=content)

    assert "content" in raised.value.message_dict
    assert not ChatMessage.objects.exists()


def test_rejects_an_over_long_message(group_chat: GroupChat, member: User) -> None:
    with pytest.raises(ValidationError) as raised:
        save_message(group_chat=group_chat, sender=member, content="x" * (MAX_MESSAGE_LENGTH + 1))

    assert "content" in raised.value.message_dict
    assert not ChatMessage.objects.exists()
