"""Leaving a chat one was added to and blocking who added them (``DELETE`` of one's own
membership with ``?block_adder=true``), and the list of users one blocked
(``/api/blocks/``)."""

from collections.abc import Callable

import pytest
from django.urls import reverse

from accounts.models import User
from chat.models import Block, ChatMember, GroupChat
from chat.tests.api.conftest import ClientFor

pytestmark = pytest.mark.django_db

BLOCKS = reverse("chat:block-list")


def test_a_member_leaves_and_blocks_who_added_them(
    client_for: ClientFor,
    group_chat: GroupChat,
    owner: User,
    member: User,
    member_url: Callable[[User], str],
) -> None:
    client = client_for(member)

    left = client.delete(f"{member_url(member)}?block_adder=true")
    blocks = client.get(BLOCKS)
    re_added = client_for(owner).post(
        reverse("chat:member-list", args=[group_chat.pk]), {"username": member.username}
    )

    assert left.status_code == 204
    assert not ChatMember.objects.filter(group_chat=group_chat, user=member).exists()
    assert [entry["user"] for entry in blocks.json()] == [
        {"id": owner.pk, "username": owner.username}
    ]
    assert (re_added.status_code, re_added.json()) == (
        403,
        {"detail": f"{member.username} does not accept being added to groups by you."},
    )


def test_block_adder_is_a_yes_or_no(
    client_for: ClientFor, member: User, member_url: Callable[[User], str]
) -> None:
    response = client_for(member).delete(f"{member_url(member)}?block_adder=perhaps")

    assert response.status_code == 400
    assert response.json() == {"block_adder": ["Must be a valid boolean."]}
    assert not Block.objects.exists()


def test_only_ones_own_membership_can_leave_and_block(
    client_for: ClientFor, owner: User, member: User, member_url: Callable[[User], str]
) -> None:
    response = client_for(owner).delete(f"{member_url(member)}?block_adder=true")

    assert response.status_code == 403
    assert not Block.objects.exists()


def test_block_and_unblock_by_username(client_for: ClientFor, owner: User, outsider: User) -> None:
    client = client_for(outsider)

    blocked = client.post(BLOCKS, {"username": owner.username})
    unknown = client.post(BLOCKS, {"username": "nobody-here"})
    myself = client.post(BLOCKS, {"username": outsider.username})
    unblocked = client.delete(reverse("chat:block-detail", args=[owner.pk]))
    again = client.delete(reverse("chat:block-detail", args=[owner.pk]))

    assert blocked.status_code == 201
    assert blocked.json()["user"] == {"id": owner.pk, "username": owner.username}
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"username": ["No user named nobody-here."]},
    )
    assert (myself.status_code, myself.json()) == (
        400,
        {"username": ["You cannot block yourself."]},
    )
    assert (unblocked.status_code, again.status_code) == (204, 404)
    assert client.get(BLOCKS).json() == []


def test_blocks_are_ones_own(client_for: ClientFor, owner: User, outsider: User) -> None:
    client_for(outsider).post(BLOCKS, {"username": owner.username})

    owners = client_for(owner)
    assert owners.get(BLOCKS).json() == []
    assert owners.delete(reverse("chat:block-detail", args=[owner.pk])).status_code == 404
