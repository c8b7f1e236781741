"""Adding members, changing roles, removing and leaving: the role rules."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from chat.models import ChatMember, GroupChat
from chat.services.members import LastOwnerError, add_member, change_role, remove_member

pytestmark = pytest.mark.django_db

Role = ChatMember.Role


def membership(group_chat: GroupChat, user: User) -> ChatMember:
    return ChatMember.objects.get(group_chat=group_chat, user=user)


def role_of(group_chat: GroupChat, user: User) -> str | None:
    found = ChatMember.objects.filter(group_chat=group_chat, user=user).first()
    return found.role if found else None


def test_admin_adds_a_member(group_chat: GroupChat, admin: User, outsider: User) -> None:
    add_member(group_chat=group_chat, actor=admin, user=outsider)

    assert role_of(group_chat, outsider) == Role.MEMBER


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_admin_cannot_add_with_a_privileged_role(
    group_chat: GroupChat, admin: User, outsider: User, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        add_member(group_chat=group_chat, actor=admin, user=outsider, role=role)

    assert role_of(group_chat, outsider) is None


@pytest.mark.parametrize("role", ["member", "outsider"])
def test_member_and_outsider_cannot_add(
    group_chat: GroupChat, member: User, outsider: User, role: str
) -> None:
    actor = member if role == "member" else outsider
    newcomer = User.objects.create_user(username="newcomer")

    with pytest.raises(PermissionDenied):
        add_member(group_chat=group_chat, actor=actor, user=newcomer)

    assert role_of(group_chat, newcomer) is None


def test_adding_twice_is_a_validation_error(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    with pytest.raises(ValidationError, match="already a member"):
        add_member(group_chat=group_chat, actor=owner, user=member)

    assert ChatMember.objects.filter(group_chat=group_chat, user=member).count() == 1


def test_owner_promotes_to_admin(group_chat: GroupChat, owner: User, member: User) -> None:
    change_role(membership=membership(group_chat, member), actor=owner, role=Role.ADMIN)

    assert role_of(group_chat, member) == Role.ADMIN


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_admin_cannot_promote(group_chat: GroupChat, admin: User, member: User, role: str) -> None:
    with pytest.raises(PermissionDenied):
        change_role(membership=membership(group_chat, member), actor=admin, role=role)

    assert role_of(group_chat, member) == Role.MEMBER


def test_admin_cannot_demote_an_owner(group_chat: GroupChat, owner: User, admin: User) -> None:
    with pytest.raises(PermissionDenied):
        change_role(membership=membership(group_chat, owner), actor=admin, role=Role.MEMBER)

    assert role_of(group_chat, owner) == Role.OWNER


def test_the_last_owner_cannot_be_demoted(group_chat: GroupChat, owner: User) -> None:
    with pytest.raises(LastOwnerError):
        change_role(membership=membership(group_chat, owner), actor=owner, role=Role.ADMIN)

    assert role_of(group_chat, owner) == Role.OWNER


def test_an_owner_is_demoted_while_another_remains(
    group_chat: GroupChat, owner: User, admin: User
) -> None:
    change_role(membership=membership(group_chat, admin), actor=owner, role=Role.OWNER)

    change_role(membership=membership(group_chat, owner), actor=admin, role=Role.MEMBER)

    assert role_of(group_chat, owner) == Role.MEMBER
    assert role_of(group_chat, admin) == Role.OWNER


def test_an_unknown_role_is_rejected(group_chat: GroupChat, owner: User, member: User) -> None:
    with pytest.raises(ValidationError):
        change_role(membership=membership(group_chat, member), actor=owner, role="emperor")

    assert role_of(group_chat, member) == Role.MEMBER


def test_a_member_leaves(group_chat: GroupChat, member: User) -> None:
    remove_member(membership=membership(group_chat, member), actor=member)

    assert role_of(group_chat, member) is None


def test_the_last_owner_cannot_leave(group_chat: GroupChat, owner: User) -> None:
    with pytest.raises(LastOwnerError):
        remove_member(membership=membership(group_chat, owner), actor=owner)

    assert role_of(group_chat, owner) == Role.OWNER


def test_admin_removes_a_member(group_chat: GroupChat, admin: User, member: User) -> None:
    remove_member(membership=membership(group_chat, member), actor=admin)

    assert role_of(group_chat, member) is None


def test_admin_cannot_remove_another_admin(group_chat: GroupChat, owner: User, admin: User) -> None:
    other = User.objects.create_user(username="other-admin")
    add_member(group_chat=group_chat, actor=owner, user=other, role=Role.ADMIN)

    with pytest.raises(PermissionDenied):
        remove_member(membership=membership(group_chat, other), actor=admin)

    assert role_of(group_chat, other) == Role.ADMIN


def test_member_cannot_remove_someone_else(
    group_chat: GroupChat, member: User, admin: User
) -> None:
    with pytest.raises(PermissionDenied):
        remove_member(membership=membership(group_chat, admin), actor=member)

    assert role_of(group_chat, admin) == Role.ADMIN
