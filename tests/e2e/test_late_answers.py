"""Answers that arrive after the page moved on change nothing it shows since: a chat
switched away from while it loaded, a search sent again before the first one answered."""

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.conftest import OpenPage, Server, create_group, log_in, open_group

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


def test_a_search_sent_again_shows_only_its_own_results(server: Server, new_page: OpenPage) -> None:
    """The first search's results, answered after the second was sent, are not added to
    the second's."""
    group_id, (alice,) = create_group(server, "alice", [])
    server.run_django(
        f"""
from accounts.models import User
from chat.models import GroupChat
from chat.services.messages import save_message
chat, alice = GroupChat.objects.get(pk={group_id}), User.objects.get(username={alice!r})
save_message(group_chat=chat, sender=alice, content="apples for the party")
save_message(group_chat=chat, sender=alice, content="bananas for the party")
print('null')
"""
    )
    page = new_page()
    log_in(page, server, alice)
    open_group(page, server, group_id)
    held: list[Route] = []
    first_search = "**/api/search/?q=apples*"
    page.route(first_search, lambda route: held.append(route))

    box = page.get_by_label("Search messages")
    box.fill("apples")
    with page.expect_request(first_search):
        page.get_by_role("button", name="Search", exact=True).click()
    box.fill("bananas")
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.get_by_role("list", name="Search results")
    expect(results).to_contain_text("bananas for the party")
    assert len(held) == 1
    with page.expect_response(first_search):
        held[0].continue_()
    page.wait_for_timeout(500)

    expect(results.locator(".search-result")).to_have_count(1)
    expect(results).not_to_contain_text("apples")
