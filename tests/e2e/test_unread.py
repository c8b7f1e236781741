"""The groups page: unread counts and latest messages, live, for two users."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    OpenPage,
    Server,
    create_group,
    log_in,
    open_group,
    open_group_as,
    save_screenshot,
    say,
)

pytestmark = pytest.mark.e2e


def test_the_groups_page_counts_unread_messages_live_and_clears_them_once_read(
    server: Server, new_page: OpenPage
) -> None:
    """Bob watches his groups page while Alice talks in one of his two groups: that
    group moves to the top with 2 unread and her last message. Bob opens it (in
    another window): the count on his groups page goes away by itself."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    server.run_django(
        f"from accounts.models import User; from chat.services.chats import create_group_chat; "
        f"create_group_chat(creator=User.objects.get(username={bob!r}), "
        f"name='Quiet corner'); print('null')"
    )
    alice_page, bob_groups = new_page(), new_page()
    log_in(alice_page, server, alice)
    log_in(bob_groups, server, bob)
    expect(bob_groups.locator("#list-connection")).to_have_attribute("data-state", "live")
    items = bob_groups.locator(".group-item")
    expect(items.first).to_contain_text("Quiet corner")
    release = bob_groups.locator(f".group-item[data-group-id='{group_id}']")
    expect(release.locator(".unread")).to_be_hidden()

    open_group(alice_page, server, group_id)
    say(alice_page, "Release at noon?")
    say(alice_page, "Or after lunch")

    expect(release.locator(".unread")).to_have_text("2", timeout=2000)
    expect(release.locator(".preview")).to_have_text(f"{alice}: Or after lunch")
    expect(items.first).to_contain_text("Release planning")
    save_screenshot(bob_groups, "groups-unread.png")

    bob_chat = open_group_as(new_page(), server, bob, group_id)
    expect(bob_chat.locator(".message", has_text="Or after lunch")).to_be_visible()

    expect(release.locator(".unread")).to_be_hidden(timeout=3000)


def test_the_groups_page_orders_its_pages_by_latest_activity(
    server: Server, new_page: OpenPage
) -> None:
    """The list comes a chat a page here: Bob's newer chat is on the first page, the
    older one where Alice spoke last on the second; the page shows hers first."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    server.run_django(
        f"from accounts.models import User; from chat.models import GroupChat; "
        f"from chat.services.chats import create_group_chat; "
        f"from chat.services.messages import save_message; "
        f"create_group_chat(creator=User.objects.get(username={bob!r}), name='Quiet corner'); "
        f"save_message(group_chat=GroupChat.objects.get(pk={group_id}), "
        f"sender=User.objects.get(username={alice!r}), content='Release at noon?'); "
        f"print('null')"
    )
    bob_groups = new_page()
    # The first request only: its next link keeps the page size.
    bob_groups.route(
        "**/api/groups/", lambda route: route.continue_(url=f"{route.request.url}?page_size=1")
    )
    log_in(bob_groups, server, bob)

    items = bob_groups.locator(".group-item")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Release planning")
    expect(items.nth(1)).to_contain_text("Quiet corner")
