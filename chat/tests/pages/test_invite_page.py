"""/invite/<token>/: the page an invite link opens. It names the chat and offers the
join; a link that lets nobody in gets a page that says why, with its status, never a
500; opening links is counted per address like the API's invite views."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from chat.models import GroupChat, InviteLink
from chat.services import invites

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(group_chat: GroupChat, owner: User) -> InviteLink:
    return invites.create_invite_link(
        group_chat=group_chat, actor=owner, expires_in=timedelta(hours=1), max_uses=1
    )


def page(token: str, client: Client | None = None) -> tuple[int, str]:
    response = (client or Client()).get(reverse("pages:invite", args=[token]))
    return response.status_code, response.content.decode()


def test_a_valid_link_names_the_chat_and_offers_the_join(link: InviteLink) -> None:
    status, html = page(link.token)

    assert status == 200
    assert 'id="invite-group">Team<' in html
    assert 'id="join-button"' in html
    assert f'data-token="{link.token}"' in html


def test_the_chats_name_is_escaped(group_chat: GroupChat, link: InviteLink) -> None:
    GroupChat.objects.filter(pk=group_chat.pk).update(name="<script>x()</script>")

    _, html = page(link.token)

    assert "<script>x()" not in html
    assert "&lt;script&gt;x()" in html


def test_an_altered_token_gets_a_404_page_that_says_so(link: InviteLink) -> None:
    status, html = page(link.token[:-1] + ("A" if link.token[-1] != "A" else "B"))

    assert status == 404
    assert "not valid" in html
    assert 'id="join-button"' not in html


@pytest.mark.parametrize("state", ["expired", "revoked", "used up"])
def test_a_link_that_lets_nobody_in_gets_a_410_page_that_says_why(
    link: InviteLink, owner: User, state: str
) -> None:
    if state == "expired":
        InviteLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    elif state == "revoked":
        invites.revoke_invite_link(link=link, actor=owner)
    else:
        InviteLink.objects.filter(pk=link.pk).update(uses=1)

    status, html = page(link.token)

    assert status == 410
    words = {"expired": "expired", "revoked": "revoked", "used up": "as many times"}
    assert words[state] in html
    assert 'id="join-button"' not in html


@pytest.mark.parametrize("token", ["", "x" * 5000, "%00", "a:b:c", "..%2F..%2Fetc"])
def test_nonsense_tokens_get_the_404_page(token: str) -> None:
    response = Client().get(f"/invite/{token}/")

    assert response.status_code == 404


@override_settings(AUTH_THROTTLE_RATES={"invite.address": "2/min"})
def test_opening_links_from_one_address_is_limited(link: InviteLink) -> None:
    client = Client(REMOTE_ADDR=f"2001:db8::{uuid.uuid4().hex[:4]}")
    assert page("guess-1", client)[0] == 404
    assert page("guess-2", client)[0] == 404

    status, html = page(link.token, client)

    assert status == 429
    assert "Too many" in html
