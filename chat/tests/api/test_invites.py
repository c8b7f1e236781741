"""Invite links over REST: owners and admins make, list and revoke them; opening one
shows its chat; joining through one makes a member. Each attack has its test: a token
altered by one character, a link replayed after it was revoked, guessing in bulk (the
race for a link's last use: chat/tests/services/test_invite_race.py)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core import signing
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from chat.models import ChatMember, GroupChat, InviteLink
from chat.models.invite_link import TOKEN_SALT
from chat.services import invites
from chat.services.chats import create_group_chat, delete_group_chat
from chat.tests.api.conftest import ClientFor
from tests.support.auth import jwt_cookies
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

MakeLink = Callable[..., InviteLink]


@pytest.fixture
def links_url(group_chat: GroupChat) -> str:
    return reverse("chat:invite-list", args=[group_chat.pk])


@pytest.fixture
def make_link(group_chat: GroupChat, owner: User) -> MakeLink:
    """``make_link(max_uses=None)``: a new link to ``group_chat`` by its owner, for a day."""

    def make(max_uses: int | None = None) -> InviteLink:
        return invites.create_invite_link(
            group_chat=group_chat, actor=owner, expires_in=timedelta(days=1), max_uses=max_uses
        )

    return make


@pytest.fixture
def link(make_link: MakeLink) -> InviteLink:
    """A link to ``group_chat`` for a day, with no limit on its uses."""
    return make_link()


def join_url(token: str) -> str:
    return reverse("chat:invite-join", args=[token])


def join(client: APIClient, token: str) -> tuple[int, dict[str, object]]:
    response = client.post(join_url(token))
    return response.status_code, response.json()


def is_member(user: User, group_chat: GroupChat) -> bool:
    return ChatMember.objects.filter(user=user, group_chat=group_chat).exists()


@dataclass
class Joiner:
    """A logged-in user, not a member of ``group_chat``, who comes with a link."""

    user: User
    client: APIClient
    group_chat: GroupChat

    def join(self, token: str) -> tuple[int, dict[str, object]]:
        return join(self.client, token)

    def is_member(self) -> bool:
        return is_member(self.user, self.group_chat)


@pytest.fixture
def joiner(client_for: ClientFor, outsider: User, group_chat: GroupChat) -> Joiner:
    """The outsider, with an API client carrying their access cookie."""
    return Joiner(user=outsider, client=client_for(outsider), group_chat=group_chat)


# Making, listing, revoking


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_make_a_link_with_an_expiry_and_a_limit(
    client_for: ClientFor, links_url: str, role: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(role)

    response = client_for(user).post(
        links_url, {"expires_in_hours": 2, "max_uses": 3}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["max_uses"], body["uses"], body["state"]) == (3, 0, "valid")
    link = InviteLink.objects.get(pk=body["id"])
    assert body["url"] == f"http://testserver/invite/{link.token}/"
    lifetime = link.expires_at - timezone.now()
    assert timedelta(hours=1, minutes=59) < lifetime <= timedelta(hours=2)


def test_a_link_without_a_limit_lasts_a_week(
    client_for: ClientFor, links_url: str, owner: User
) -> None:
    body = client_for(owner).post(links_url, {}, format="json").json()

    link = InviteLink.objects.get(pk=body["id"])
    assert body["max_uses"] is None
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)


@pytest.mark.parametrize(
    "body", [{"expires_in_hours": 0}, {"expires_in_hours": 721}, {"max_uses": 0}]
)
def test_limits_out_of_range_are_400(
    client_for: ClientFor, links_url: str, owner: User, body: dict[str, int]
) -> None:
    assert client_for(owner).post(links_url, body, format="json").status_code == 400


def test_a_member_may_neither_list_nor_make_links(
    client_for: ClientFor, links_url: str, member: User
) -> None:
    client = client_for(member)

    assert client.get(links_url).status_code == 403
    assert client.post(links_url, {}, format="json").status_code == 403
    assert not InviteLink.objects.exists()


def test_a_non_member_gets_404(client_for: ClientFor, links_url: str, outsider: User) -> None:
    assert client_for(outsider).get(links_url).status_code == 404


def test_the_list_shows_the_links_not_revoked(
    client_for: ClientFor, links_url: str, admin: User, owner: User, make_link: MakeLink
) -> None:
    kept = make_link(max_uses=5)
    revoked = make_link()
    invites.revoke_invite_link(link=revoked, actor=owner)

    listed = client_for(admin).get(links_url).json()

    assert [link["id"] for link in listed] == [kept.pk]
    assert listed[0]["url"].endswith(f"/invite/{kept.token}/")


def test_revoking_is_for_owners_and_admins(
    client_for: ClientFor, group_chat: GroupChat, member: User, admin: User, link: InviteLink
) -> None:
    url = reverse("chat:invite-detail", args=[group_chat.pk, link.pk])

    assert client_for(member).delete(url).status_code == 403
    assert client_for(admin).delete(url).status_code == 204
    link.refresh_from_db()
    assert link.state == InviteLink.State.REVOKED


# Opening and joining


def test_opening_a_link_shows_its_chat(
    client_for: ClientFor,
    anonymous: APIClient,
    group_chat: GroupChat,
    joiner: Joiner,
    member: User,
    link: InviteLink,
) -> None:
    url = reverse("chat:invite", args=[link.token])

    seen = joiner.client.get(url).json()
    assert seen == {"group_chat_id": group_chat.pk, "group_chat_name": "Team", "is_member": False}
    assert client_for(member).get(url).json()["is_member"] is True
    assert anonymous.get(url).json()["group_chat_name"] == "Team"


def test_a_user_joins_with_one_post_and_the_link_counts_it(
    group_chat: GroupChat, joiner: Joiner, make_link: MakeLink
) -> None:
    link = make_link(max_uses=2)

    status, body = joiner.join(link.token)

    assert (status, body) == (201, {"group_chat_id": group_chat.pk, "already_member": False})
    membership = ChatMember.objects.get(user=joiner.user, group_chat=group_chat)
    assert membership.role == ChatMember.Role.MEMBER
    link.refresh_from_db()
    assert link.uses == 1


def test_a_member_who_joins_again_is_not_counted(
    client_for: ClientFor, member: User, make_link: MakeLink
) -> None:
    link = make_link(max_uses=1)

    status, body = join(client_for(member), link.token)

    assert (status, body["already_member"]) == (200, True)
    link.refresh_from_db()
    assert link.uses == 0


def test_joining_needs_a_login(anonymous: APIClient, link: InviteLink) -> None:
    assert anonymous.post(join_url(link.token)).status_code == 401


@pytest.mark.parametrize("login", ["access cookie", "session"])
def test_joining_needs_the_csrf_token(
    group_chat: GroupChat, outsider: User, link: InviteLink, login: str
) -> None:
    """The join is a POST a cookie authenticates: another site cannot make a visitor join."""
    client = APIClient(enforce_csrf_checks=True)
    if login == "session":
        client.force_login(outsider)
    else:
        for name, value in jwt_cookies(outsider).items():
            client.cookies[name] = value

    response = client.post(join_url(link.token))

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not is_member(outsider, group_chat)


# Attacks and links that let nobody in


def altered(token: str) -> list[str]:
    """The token with each one of its characters changed."""
    return [
        token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :] for i in range(len(token))
    ]


def test_a_token_altered_by_one_character_is_refused(joiner: Joiner, link: InviteLink) -> None:
    """Any one character changed (the signed id or the signature) is a 404: joins nothing."""
    for token in altered(link.token):
        status, body = joiner.join(token)
        assert status == 404, (token, body)
        assert "not valid" in str(body["detail"])
    assert not joiner.is_member()


def test_a_token_signed_for_something_else_or_another_id_is_refused(
    joiner: Joiner, link: InviteLink
) -> None:
    other_purpose = signing.Signer(salt="another-purpose").sign_object(link.pk)
    unsigned_next_id = signing.Signer(salt=TOKEN_SALT).sign_object(link.pk + 1)

    assert joiner.join(other_purpose)[0] == 404
    assert joiner.join(unsigned_next_id)[0] == 404  # signed, but no such link
    assert joiner.join("garbage")[0] == 404
    assert not joiner.is_member()


def test_a_revoked_link_cannot_be_replayed(
    client_for: ClientFor, group_chat: GroupChat, owner: User, joiner: Joiner, link: InviteLink
) -> None:
    """A link used once, then revoked: the same request again joins nobody."""
    first = UserFactory.create()
    assert join(client_for(first), link.token)[0] == 201
    invites.revoke_invite_link(link=link, actor=owner)

    status, body = joiner.join(link.token)

    assert status == 410
    assert "revoked" in str(body["detail"])
    assert not joiner.is_member()
    assert is_member(first, group_chat)  # who joined stays


def test_an_expired_link_is_410(joiner: Joiner, link: InviteLink) -> None:
    InviteLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    status, body = joiner.join(link.token)

    assert (status, "expired" in str(body["detail"])) == (410, True)
    assert joiner.client.get(reverse("chat:invite", args=[link.token])).status_code == 410
    assert not joiner.is_member()


def test_a_used_up_link_is_410(
    client_for: ClientFor, group_chat: GroupChat, make_link: MakeLink
) -> None:
    link = make_link(max_uses=1)
    first, second = UserFactory.create(), UserFactory.create()

    assert join(client_for(first), link.token)[0] == 201
    status, body = join(client_for(second), link.token)

    assert (status, "as many times" in str(body["detail"])) == (410, True)
    assert not is_member(second, group_chat)


def test_a_deleted_chats_link_is_404(
    group_chat: GroupChat, owner: User, joiner: Joiner, link: InviteLink
) -> None:
    delete_group_chat(group_chat=group_chat, actor=owner)

    assert joiner.join(link.token)[0] == 404


def new_address() -> str:
    """An address no other test (or earlier run, on a shared Redis) has counted."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


@override_settings(AUTH_THROTTLE_RATES={"invite.address": "3/min"})
def test_guessing_links_is_rate_limited_per_address(outsider: User) -> None:
    """Tries count whether they find a link or not; over the limit, even a real link is
    refused (429) from that address, and another address is not held back."""
    creator = UserFactory.create()
    link = invites.create_invite_link(
        group_chat=create_group_chat(creator=creator, name="G"),
        actor=creator,
        expires_in=timedelta(days=1),
    )
    guesser = APIClient(REMOTE_ADDR=new_address())
    guesser.force_authenticate(outsider)
    for guess in altered(link.token)[:3]:
        assert guesser.post(join_url(guess)).status_code == 404

    refused = guesser.post(join_url(link.token))
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    other = APIClient(REMOTE_ADDR=new_address())
    other.force_authenticate(outsider)
    assert other.post(join_url(link.token)).status_code == 201
