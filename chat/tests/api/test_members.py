"""/api/groups/<pk>/members/: who is in a chat, and who may change that."""

from collections.abc import Callable

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from chat.models import ChatMember, GroupChat
from chat.tests.api.conftest import ClientFor
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

Role = ChatMember.Role
MemberUrl = Callable[[User], str]


@pytest.fixture
def members_url(group_chat: GroupChat) -> str:
    return reverse("chat:member-list", args=[group_chat.pk])


def role_of(group_chat: GroupChat, user: User) -> str | None:
    membership = ChatMember.objects.filter(group_chat=group_chat, user=user).first()
    return membership.role if membership else None


def test_unauthenticated_gets_401(
    anonymous: APIClient, members_url: str, member: User, member_url: MemberUrl
) -> None:
    for response in (
        anonymous.get(members_url),
        anonymous.post(members_url, {"username": "someone"}),
        anonymous.patch(member_url(member), {"chat_role": "admin"}),
        anonymous.delete(member_url(member)),
    ):
        assert response.status_code == 401
    assert ChatMember.objects.count() == 2


def test_member_lists_members_in_join_order(
    client_for: ClientFor, group_chat: GroupChat, owner: User, member: User, members_url: str
) -> None:
    response = client_for(member).get(members_url)

    assert response.status_code == 200
    memberships = list(group_chat.members.all())
    assert response.json() == [
        {
            "id": m.pk,
            "user": {"id": m.user.pk, "username": m.user.username},
            "chat_role": m.role,
            "joined_at": m.joined_at.isoformat().replace("+00:00", "Z"),
            # The owner created the chat; the owner added the member.
            "added_by": None if m.user == owner else {"id": owner.pk, "username": owner.username},
            "last_read_seq": 0,
        }
        for m in memberships
    ]
    assert [m["user"]["id"] for m in response.json()] == [owner.pk, member.pk]


def test_non_member_gets_404_on_every_method(
    client_for: ClientFor,
    group_chat: GroupChat,
    outsider: User,
    member: User,
    members_url: str,
    member_url: MemberUrl,
) -> None:
    client = client_for(outsider)
    for response in (
        client.get(members_url),
        # An invalid body too: a 400 would already confirm the chat exists.
        client.post(members_url, {"username": "no-such-user"}),
        client.post(members_url, {"username": outsider.username}),
        client.patch(member_url(member), {"chat_role": "admin"}),
        client.delete(member_url(member)),
    ):
        assert response.status_code == 404
    assert role_of(group_chat, outsider) is None
    assert role_of(group_chat, member) == Role.MEMBER


def test_membership_of_another_group_is_404(
    client_for: ClientFor, group_chat: GroupChat, owner: User, outsider: User
) -> None:
    other = ChatMember.objects.create(
        group_chat=GroupChat.objects.create(name="Other"), user=outsider
    )
    url = reverse("chat:member-detail", args=[group_chat.pk, other.pk])

    assert client_for(owner).delete(url).status_code == 404
    assert ChatMember.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_add_a_member_by_username(
    client_for: ClientFor,
    group_chat: GroupChat,
    owner: User,
    admin: User,
    outsider: User,
    members_url: str,
    role: str,
) -> None:
    actor = owner if role == "owner" else admin

    response = client_for(actor).post(members_url, {"username": outsider.username})

    assert response.status_code == 201
    assert response.json()["user"] == {"id": outsider.pk, "username": outsider.username}
    assert response.json()["chat_role"] == "member"
    assert role_of(group_chat, outsider) == Role.MEMBER


def test_owner_adds_an_admin(
    client_for: ClientFor, group_chat: GroupChat, owner: User, outsider: User, members_url: str
) -> None:
    response = client_for(owner).post(
        members_url, {"username": outsider.username, "chat_role": "admin"}
    )

    assert response.status_code == 201
    assert role_of(group_chat, outsider) == Role.ADMIN


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admin_cannot_add_an_admin_or_owner(
    client_for: ClientFor,
    group_chat: GroupChat,
    admin: User,
    outsider: User,
    members_url: str,
    role: str,
) -> None:
    response = client_for(admin).post(
        members_url, {"username": outsider.username, "chat_role": role}
    )

    assert response.status_code == 403
    assert role_of(group_chat, outsider) is None


def test_member_cannot_add(
    client_for: ClientFor, group_chat: GroupChat, member: User, outsider: User, members_url: str
) -> None:
    response = client_for(member).post(members_url, {"username": outsider.username})

    assert response.status_code == 403
    assert role_of(group_chat, outsider) is None


def test_adding_an_existing_member_is_400(
    client_for: ClientFor, owner: User, member: User, members_url: str
) -> None:
    response = client_for(owner).post(members_url, {"username": member.username})

    assert response.status_code == 400
    assert f"{member.username} is already a member." in str(response.json())
    assert ChatMember.objects.filter(user=member).count() == 1


def test_adding_an_unknown_username_is_400(
    client_for: ClientFor, owner: User, members_url: str
) -> None:
    response = client_for(owner).post(members_url, {"username": "nobody-by-that-name"})

    assert response.status_code == 400
    assert response.json() == {"username": ["No user named nobody-by-that-name."]}
    assert ChatMember.objects.count() == 1


def test_adding_with_an_unknown_role_is_400(
    client_for: ClientFor, owner: User, outsider: User, members_url: str
) -> None:
    response = client_for(owner).post(
        members_url, {"username": outsider.username, "chat_role": "emperor"}
    )

    assert response.status_code == 400
    assert "chat_role" in response.json()


def test_owner_promotes_a_member_to_admin(
    client_for: ClientFor, group_chat: GroupChat, owner: User, member: User, member_url: MemberUrl
) -> None:
    response = client_for(owner).patch(member_url(member), {"chat_role": "admin"})

    assert response.status_code == 200
    assert response.json()["chat_role"] == "admin"
    assert role_of(group_chat, member) == Role.ADMIN


def test_role_change_needs_a_role(
    client_for: ClientFor, owner: User, member: User, member_url: MemberUrl
) -> None:
    response = client_for(owner).patch(member_url(member), {})

    assert response.status_code == 400
    assert "chat_role" in response.json()


def test_role_change_cannot_swap_the_user(
    client_for: ClientFor,
    group_chat: GroupChat,
    owner: User,
    member: User,
    outsider: User,
    member_url: MemberUrl,
) -> None:
    url = member_url(member)

    client_for(owner).patch(url, {"chat_role": "member", "username": outsider.username})

    assert role_of(group_chat, member) == Role.MEMBER
    assert role_of(group_chat, outsider) is None


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admin_cannot_promote_to_admin_or_owner(
    client_for: ClientFor,
    group_chat: GroupChat,
    admin: User,
    member: User,
    member_url: MemberUrl,
    role: str,
) -> None:
    response = client_for(admin).patch(member_url(member), {"chat_role": role})

    assert response.status_code == 403
    assert response.json() == {"detail": "Only owners give or take the admin and owner roles."}
    assert role_of(group_chat, member) == Role.MEMBER


def test_member_cannot_change_roles(
    client_for: ClientFor, group_chat: GroupChat, member: User, member_url: MemberUrl
) -> None:
    other = UserFactory.create()
    ChatMember.objects.create(group_chat=group_chat, user=other)

    response = client_for(member).patch(member_url(other), {"chat_role": "admin"})

    assert response.status_code == 403
    assert role_of(group_chat, other) == Role.MEMBER


def test_last_owner_cannot_be_demoted(
    client_for: ClientFor, group_chat: GroupChat, owner: User, member_url: MemberUrl
) -> None:
    response = client_for(owner).patch(member_url(owner), {"chat_role": "member"})

    assert response.status_code == 400
    assert "needs an owner" in str(response.json())
    assert role_of(group_chat, owner) == Role.OWNER


def test_an_owner_steps_down_once_there_is_another(
    client_for: ClientFor, group_chat: GroupChat, owner: User, admin: User, member_url: MemberUrl
) -> None:
    client = client_for(owner)

    assert client.patch(member_url(admin), {"chat_role": "owner"}).status_code == 200
    assert client.patch(member_url(owner), {"chat_role": "member"}).status_code == 200
    assert role_of(group_chat, owner) == Role.MEMBER


def test_member_leaves(
    client_for: ClientFor, group_chat: GroupChat, member: User, member_url: MemberUrl
) -> None:
    response = client_for(member).delete(member_url(member))

    assert response.status_code == 204
    assert role_of(group_chat, member) is None


def test_last_owner_cannot_leave(
    client_for: ClientFor, group_chat: GroupChat, owner: User, member_url: MemberUrl
) -> None:
    response = client_for(owner).delete(member_url(owner))

    assert response.status_code == 400
    assert "needs an owner" in str(response.json())
    assert role_of(group_chat, owner) == Role.OWNER


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_remove_a_member(
    client_for: ClientFor,
    group_chat: GroupChat,
    owner: User,
    admin: User,
    member: User,
    member_url: MemberUrl,
    role: str,
) -> None:
    actor = owner if role == "owner" else admin

    response = client_for(actor).delete(member_url(member))

    assert response.status_code == 204
    assert role_of(group_chat, member) is None


def test_admin_cannot_remove_an_owner(
    client_for: ClientFor, group_chat: GroupChat, owner: User, admin: User, member_url: MemberUrl
) -> None:
    response = client_for(admin).delete(member_url(owner))

    assert response.status_code == 403
    assert role_of(group_chat, owner) == Role.OWNER


def test_member_cannot_remove_another_member(
    client_for: ClientFor, group_chat: GroupChat, member: User, admin: User, member_url: MemberUrl
) -> None:
    response = client_for(member).delete(member_url(admin))

    assert response.status_code == 403
    assert role_of(group_chat, admin) == Role.ADMIN
