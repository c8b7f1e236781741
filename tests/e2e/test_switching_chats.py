"""Switching chats while the one left is still loading: what it fetched, arriving late,
changes nothing in the chat now open."""

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.conftest import OpenPage, Server, create_group, log_in

pytestmark = pytest.mark.e2e


def test_the_members_of_a_chat_left_leave_the_next_ones_header_as_its_role_says(
    server: Server, new_page: OpenPage
) -> None:
    """Bob owns the first chat and is a plain member of the second: the first one's
    members, answered after he switched, do not offer him the second one's rename."""
    first, (alice, bob) = create_group(server, "alice", ["bob"])
    second: int = server.run_django(
        f"""
import json
from accounts.models import User
from chat.models import ChatMember
from chat.services.chats import create_group_chat
from chat.services.members import add_member
ChatMember.objects.filter(group_chat_id={first}, user__username={bob!r}).update(role="owner")
alice, bob = User.objects.get(username={alice!r}), User.objects.get(username={bob!r})
group = create_group_chat(creator=alice, name="Second")
add_member(group_chat=group, actor=alice, user=bob)
print(json.dumps(group.pk))
"""
    )
    page = new_page()
    log_in(page, server, bob)
    held: list[Route] = []
    first_members = f"**/api/groups/{first}/members/"
    page.route(first_members, lambda route: held.append(route))

    page.goto(f"{server.url}/groups/{first}/")
    expect(page.get_by_role("button", name="Rename")).to_be_visible()
    page.locator(f".group-item[data-group-id='{second}'] .group-link").click()
    expect(page.locator("#group-title")).to_have_text("Second")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    assert len(held) == 1
    with page.expect_response(first_members):
        held[0].continue_()
    page.wait_for_timeout(500)

    expect(page.get_by_role("button", name="Rename")).to_be_hidden()
    expect(page.get_by_role("button", name="Delete group")).to_be_hidden()
