"""Muting a chat (``chat.services.notifications``): the member's own setting; counts
go on."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import User
from chat import selectors
from chat.models import ChatMember, GroupChat
from chat.services import notifications
from chat.services.messages import save_message

pytestmark = pytest.mark.django_db


def test_muting_is_the_members_own_and_counting_goes_on(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    notifications.set_muted(group_chat=group_chat, user=member, muted=True)
    save_message(group_chat=group_chat, sender=owner, content=f"@{member.username}")

    mine = selectors.group_chat_overview(member).get(pk=group_chat.pk)
    assert (mine.muted, mine.unread_count, mine.mention_count) == (True, 1, 1)
    assert selectors.group_chat_overview(owner).get(pk=group_chat.pk).muted is False


def test_an_outsider_cannot_mute_a_chat(group_chat: GroupChat, outsider: User) -> None:
    with pytest.raises(PermissionDenied):
        notifications.set_muted(group_chat=group_chat, user=outsider, muted=True)

    assert not ChatMember.objects.filter(muted=True).exists()
