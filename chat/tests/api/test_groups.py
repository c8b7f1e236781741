"""/api/groups/ and /api/groups/<pk>/: listing, creating, renaming, deleting."""

import base64

import pytest
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from accounts.models import User
from chat.models import ChatMember, GroupChat
from chat.services.chats import create_group_chat
from chat.services.messages import save_message
from chat.tests.api.conftest import ClientFor
from tests.support.auth import jwt_cookies
from tests.support.factories import ChatMemberFactory, GroupChatFactory

pytestmark = pytest.mark.django_db

LIST = reverse("chat:group-list")


def detail(group_chat: GroupChat) -> str:
    return reverse("chat:group-detail", args=[group_chat.pk])


def test_unauthenticated_gets_401(anonymous: APIClient, group_chat: GroupChat) -> None:
    for response in (
        anonymous.get(LIST),
        anonymous.post(LIST, {"name": "x"}),
        anonymous.get(detail(group_chat)),
        anonymous.patch(detail(group_chat), {"name": "x"}),
        anonymous.delete(detail(group_chat)),
    ):
        assert response.status_code == 401
    assert GroupChat.objects.get().name == "Team"


def test_list_shows_only_my_groups_with_my_role_newest_update_first(
    client_for: ClientFor, owner: User, group_chat: GroupChat, member: User
) -> None:
    GroupChatFactory.create()  # someone else's chat
    newer = create_group_chat(creator=member, name="Newer")

    response = client_for(member).get(LIST)

    assert response.status_code == 200
    assert [(g["id"], g["my_role"]) for g in response.json()["results"]] == [
        (newer.pk, "owner"),
        (group_chat.pk, "member"),
    ]
    assert response.json()["results"][1] == {
        "id": group_chat.pk,
        "name": "Team",
        "created_by": {"id": owner.pk, "username": owner.username},
        "created_at": group_chat.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": group_chat.updated_at.isoformat().replace("+00:00", "Z"),
        "my_role": "member",
        "unread_count": 0,
        "mention_count": 0,
        "muted": False,
        "last_message": None,
    }


def test_list_shows_null_creator_once_the_creator_is_gone(
    client_for: ClientFor, owner: User, group_chat: GroupChat, member: User
) -> None:
    owner.delete()

    assert client_for(member).get(LIST).json()["results"][0]["created_by"] is None


def test_list_does_not_grow_queries_with_groups(
    client_for: ClientFor, owner: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for _ in range(5):
        ChatMemberFactory.create(user=owner)
    client = client_for(owner)

    # The user, the chats with their creators and unread counts, then their latest
    # messages: not one query per chat.
    with django_assert_max_num_queries(3):
        response = client.get(LIST)

    assert len(response.json()["results"]) == 5


def test_create_makes_me_owner(client_for: ClientFor, outsider: User) -> None:
    response = client_for(outsider).post(LIST, {"name": "Fresh"})

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Fresh"
    assert body["my_role"] == "owner"
    assert body["created_by"] == {"id": outsider.pk, "username": outsider.username}
    assert ChatMember.objects.get(group_chat_id=body["id"]).user == outsider


def test_create_rejects_a_missing_or_too_long_name(client_for: ClientFor, outsider: User) -> None:
    client = client_for(outsider)

    assert client.post(LIST, {}).status_code == 400
    assert client.post(LIST, {"name": "x" * 101}).status_code == 400
    assert not GroupChat.objects.exists()


def test_member_reads_detail(client_for: ClientFor, group_chat: GroupChat, member: User) -> None:
    response = client_for(member).get(detail(group_chat))

    assert response.status_code == 200
    assert response.json()["id"] == group_chat.pk
    assert response.json()["my_role"] == "member"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_non_member_gets_404(
    client_for: ClientFor, group_chat: GroupChat, outsider: User, method: str
) -> None:
    response = getattr(client_for(outsider), method)(detail(group_chat), {"name": "Mine"})

    assert response.status_code == 404
    assert "Team" not in response.content.decode()
    assert GroupChat.objects.get().name == "Team"


def test_unknown_group_gets_the_same_404_as_a_foreign_one(
    client_for: ClientFor, group_chat: GroupChat, outsider: User
) -> None:
    client = client_for(outsider)
    foreign = client.get(detail(group_chat))
    missing = client.get(reverse("chat:group-detail", args=[group_chat.pk + 1000]))

    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_rename(
    client_for: ClientFor, group_chat: GroupChat, owner: User, admin: User, role: str
) -> None:
    user = owner if role == "owner" else admin

    response = client_for(user).patch(detail(group_chat), {"name": "Renamed"})

    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert response.json()["my_role"] == role
    group_chat.refresh_from_db()
    assert group_chat.name == "Renamed"


def test_rename_rejects_a_blank_name(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    response = client_for(owner).patch(detail(group_chat), {"name": ""})

    assert response.status_code == 400
    assert response.json() == {"name": ["A group needs a name."]}


def test_member_cannot_rename(client_for: ClientFor, group_chat: GroupChat, member: User) -> None:
    response = client_for(member).patch(detail(group_chat), {"name": "Renamed"})

    assert response.status_code == 403
    group_chat.refresh_from_db()
    assert group_chat.name == "Team"


def test_put_is_not_offered(client_for: ClientFor, group_chat: GroupChat, owner: User) -> None:
    assert client_for(owner).put(detail(group_chat), {"name": "Renamed"}).status_code == 405


def test_owner_deletes(client_for: ClientFor, group_chat: GroupChat, owner: User) -> None:
    response = client_for(owner).delete(detail(group_chat))

    assert response.status_code == 204
    assert not GroupChat.objects.exists()
    assert not ChatMember.objects.exists()


@pytest.mark.parametrize("role", ["admin", "member"])
def test_admin_and_member_cannot_delete(
    client_for: ClientFor, group_chat: GroupChat, admin: User, member: User, role: str
) -> None:
    user = admin if role == "admin" else member

    response = client_for(user).delete(detail(group_chat))

    assert response.status_code == 403
    assert GroupChat.objects.filter(pk=group_chat.pk).exists()


def test_cookie_authenticated_create_needs_the_csrf_token(outsider: User) -> None:
    browser = APIClient(enforce_csrf_checks=True)
    for name, value in jwt_cookies(outsider).items():
        browser.cookies[name] = value

    refused = browser.post(LIST, {"name": "Forged"})
    token = browser.get(reverse("accounts:csrf")).json()["csrf_token"]
    accepted = browser.post(LIST, {"name": "Mine"}, headers={"X-CSRFToken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert list(GroupChat.objects.values_list("name", flat=True)) == ["Mine"]


def test_the_list_is_paginated_and_a_bad_cursor_is_404(
    client_for: ClientFor, owner: User, group_chat: GroupChat
) -> None:
    for _ in range(2):
        ChatMemberFactory.create(user=owner)
    client = client_for(owner)
    first = client.get(LIST, {"page_size": 2}).json()
    assert len(first["results"]) == 2
    assert len(client.get(first["next"]).json()["results"]) == 1
    assert client.get(first["next"]).json()["next"] is None
    assert client.get(LIST, {"cursor": "abc"}).status_code == 404
    # A well-formed cursor whose position is no id.
    crafted = base64.b64encode(b"p=abc").decode()
    assert client.get(LIST, {"cursor": crafted}).status_code == 404


def test_a_chat_that_gets_a_message_while_the_list_is_read_is_listed_once(
    client_for: ClientFor, owner: User, group_chat: GroupChat
) -> None:
    """More chats than a page: one that was not on the first page and gets a message
    before the next page is read comes once in all, however the activity moved it."""
    for _ in range(4):
        ChatMemberFactory.create(user=owner)
    client = client_for(owner)

    first = client.get(LIST, {"page_size": 2}).json()
    listed = [chat["id"] for chat in first["results"]]
    (later, *_) = GroupChat.objects.exclude(pk__in=listed).filter(members__user=owner)
    save_message(group_chat=later, sender=owner, content="moves it up")
    url = first["next"]
    while url:
        page = client.get(url).json()
        listed += [chat["id"] for chat in page["results"]]
        url = page["next"]

    assert sorted(listed) == sorted(
        GroupChat.objects.filter(members__user=owner).values_list("pk", flat=True)
    )


def test_a_nul_character_in_a_name_is_400(client_for: ClientFor, owner: User) -> None:
    response = client_for(owner).post(LIST, {"name": "a\x00b"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


@pytest.mark.parametrize(
    ("name", "code"),
    [
        pytest.param("Team\u202egnp.exe", "U+202E", id="right-to-left override"),
        pytest.param("Team\u2067x\u2069", "U+2067, U+2069", id="isolate"),
        pytest.param("Team\u200f", "U+200F", id="right-to-left mark"),
        pytest.param("\u061cTeam", "U+061C", id="arabic letter mark"),
    ],
)
def test_a_name_with_a_direction_control_is_refused_on_create_and_rename(
    client_for: ClientFor, owner: User, group_chat: GroupChat, name: str, code: str
) -> None:
    """A name that would read as something else beside the others: 400, saying why."""
    client = client_for(owner)
    told = {
        "name": [
            f"Names cannot contain invisible direction controls ({code}): they make a "
            "name read differently from what it is."
        ]
    }

    created = client.post(LIST, {"name": name}, format="json")
    renamed = client.patch(detail(group_chat), {"name": name}, format="json")

    assert (created.status_code, created.json()) == (400, told)
    assert (renamed.status_code, renamed.json()) == (400, told)
    assert list(GroupChat.objects.values_list("name", flat=True)) == ["Team"]


def test_a_right_to_left_name_without_controls_is_kept(client_for: ClientFor, owner: User) -> None:
    response = client_for(owner).post(LIST, {"name": "فريق العمل"}, format="json")
    assert response.status_code == 201
    assert response.json()["name"] == "فريق العمل"
