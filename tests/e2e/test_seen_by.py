""" "Seen by" in Chromium: under the sender's own messages, the members who have read up
to each, live as they read, capped for many readers, and the same after a reload."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    OpenPage,
    Server,
    create_group,
    open_group_as,
    save_screenshot,
    say,
)

pytestmark = pytest.mark.e2e


def test_seen_by_follows_the_readers_live_and_after_a_reload(
    server: Server, new_page: OpenPage
) -> None:
    """Alice says two things. Carol, Dave and Erin have read the first (their positions
    stored as their pages would); Bob opens the chat and reads both, live: under Alice's
    second message "Seen by Bob", under her first the four of them, capped."""
    group_id, (alice, bob, carol, dave, erin) = create_group(
        server, "alice", ["bob", "carol", "dave", "erin"]
    )
    alice_page = open_group_as(new_page(), server, alice, group_id)
    say(alice_page, "The release notes are ready")
    say(alice_page, "Please have a look")
    first = alice_page.locator(".message", has_text="release notes are ready")
    second = alice_page.locator(".message", has_text="have a look")
    expect(second).to_be_visible()
    expect(first.locator(".message-seen")).to_be_hidden()

    server.run_django(
        "from accounts.models import User; from chat.models import ChatMessage; "
        "from chat.services.read_positions import store_read_positions; "
        f"seq = ChatMessage.objects.get(content='The release notes are ready').seq; "
        f"store_read_positions(group_chat_id={group_id}, positions={{u.pk: seq for u in "
        f"User.objects.filter(username__in={[carol, dave, erin]!r})}}); print('null')"
    )
    alice_page.reload()
    expect(alice_page.locator("#connection")).to_have_attribute("data-state", "live")
    expect(first.locator(".message-seen")).to_have_text(f"Seen by {carol}, {dave} and {erin}")
    expect(second.locator(".message-seen")).to_be_hidden()

    bob_page = open_group_as(new_page(), server, bob, group_id)
    expect(bob_page.locator(".message", has_text="have a look")).to_be_visible()
    # Bob's own view of Alice's messages says nothing of who read them.
    expect(bob_page.locator(".message-seen:not(:empty)")).to_have_count(0)

    expect(second.locator(".message-seen")).to_have_text(f"Seen by {bob}", timeout=5000)
    expect(first.locator(".message-seen")).to_have_text(f"Seen by {bob}, {carol} and 2 others")
    expect(first.locator(".message-seen")).to_have_attribute(
        "title", f"{bob}, {carol}, {dave}, {erin}"
    )
    save_screenshot(alice_page, "seen-by.png")

    alice_page.reload()
    expect(second.locator(".message-seen")).to_have_text(f"Seen by {bob}")
    expect(first.locator(".message-seen")).to_have_text(f"Seen by {bob}, {carol} and 2 others")
