"""Creating, renaming and deleting a group chat."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from chat.models import ChatMember, GroupChat
from chat.services.chats import create_group_chat, delete_group_chat, rename_group_chat

pytestmark = pytest.mark.django_db

Role = ChatMember.Role


def test_the_creator_is_the_first_owner(owner: User) -> None:
    group_chat = create_group_chat(creator=owner, name="Team")

    assert group_chat.created_by == owner
    assert list(group_chat.members.values_list("user", "role")) == [(owner.pk, Role.OWNER)]


@pytest.mark.parametrize("name", ["", "x" * 101])
def test_create_rejects_an_invalid_name_and_writes_nothing(owner: User, name: str) -> None:
    with pytest.raises(ValidationError):
        create_group_chat(creator=owner, name=name)

    assert not GroupChat.objects.exists()
    assert not ChatMember.objects.exists()


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_rename(group_chat: GroupChat, owner: User, admin: User, role: str) -> None:
    actor = owner if role == "owner" else admin

    rename_group_chat(group_chat=group_chat, actor=actor, name="Renamed")

    group_chat.refresh_from_db()
    assert group_chat.name == "Renamed"


@pytest.mark.parametrize("role", ["member", "outsider"])
def test_member_and_outsider_cannot_rename(
    group_chat: GroupChat, member: User, outsider: User, role: str
) -> None:
    actor = member if role == "member" else outsider

    with pytest.raises(PermissionDenied):
        rename_group_chat(group_chat=group_chat, actor=actor, name="Renamed")

    group_chat.refresh_from_db()
    assert group_chat.name == "Team"


def test_owner_deletes(group_chat: GroupChat, owner: User) -> None:
    delete_group_chat(group_chat=group_chat, actor=owner)

    assert not GroupChat.objects.exists()


@pytest.mark.parametrize("role", ["admin", "member"])
def test_only_an_owner_deletes(group_chat: GroupChat, admin: User, member: User, role: str) -> None:
    actor = admin if role == "admin" else member

    with pytest.raises(PermissionDenied):
        delete_group_chat(group_chat=group_chat, actor=actor)

    assert GroupChat.objects.filter(pk=group_chat.pk).exists()
