"""Mentions in Chromium, two users: "@" in the composer offers the members, the mention
is highlighted for everyone, the mentioned user's list counts it beside the unread
messages and, while their page is hidden, notifies them; a muted chat still counts it
and notifies nothing; the permission is asked once, at a click."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    OpenPage,
    Server,
    create_group,
    log_in,
    open_group_as,
    save_screenshot,
    say,
)

pytestmark = pytest.mark.e2e

# The browser's Notification and the page's visibility, stood in for: each notification
# is recorded in window.shown, the permission is granted (or, with ?ask, not asked yet:
# each request is counted in window.asked), and the page is hidden while window.hidden.
STUBS = """
window.shown = [];
window.asked = 0;
window.hidden = false;
class StubNotification {
  static permission = window.location.search.includes('ask') ? 'default' : 'granted';
  static requestPermission() {
    window.asked += 1;
    StubNotification.permission = 'granted';
    return Promise.resolve('granted');
  }
  constructor(title, options) { window.shown.push({ title, body: options.body }); }
  addEventListener() {}
  close() {}
}
window.Notification = StubNotification;
Object.defineProperty(document, 'visibilityState', {
  get: () => (window.hidden ? 'hidden' : 'visible'),
});
"""


def stubbed(page: Page) -> Page:
    page.add_init_script(STUBS)
    return page


def set_hidden(page: Page, hidden: bool) -> None:
    page.evaluate(
        "hidden => { window.hidden = hidden;"
        " document.dispatchEvent(new Event('visibilitychange')); }",
        hidden,
    )


def notifications(page: Page) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = page.evaluate("window.shown")
    return shown


def test_a_mention_is_offered_highlighted_counted_and_notified(
    server: Server, new_page: OpenPage
) -> None:
    """Alice types "@" and the first letters of Bob's name, takes the suggestion with
    Enter and sends. Bob's page, hidden, shows the mention highlighted, counts it beside
    the unread message and notifies him; once he looks, the counts go."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    bob_page = open_group_as(stubbed(new_page()), server, bob, group_id)
    alice_page = open_group_as(new_page(), server, alice, group_id)
    set_hidden(bob_page, True)

    box = alice_page.get_by_label("Message", exact=True)
    box.press_sequentially(f"Hi @{bob[:2]}")
    suggestions = alice_page.get_by_role("listbox", name="Members to mention")
    expect(suggestions.get_by_role("option")).to_have_text([f"@{bob}"])
    box.press("Enter")
    expect(box).to_have_value(f"Hi @{bob} ")
    box.press_sequentially("can you review the release notes?")
    box.press("Enter")

    said = alice_page.locator(".message", has_text="release notes")
    expect(said.locator(".mention")).to_have_text(f"@{bob}")
    mentioned = bob_page.locator(".message.mentions-me", has_text="release notes")
    expect(mentioned.locator(".mention-me")).to_have_text(f"@{bob}")
    item = bob_page.locator(f".group-item[data-group-id='{group_id}']")
    expect(item.locator(".mentions")).to_have_text("@1")
    expect(item.locator(".unread")).to_have_text("1")
    # Counted and notified by the same chat_activity.
    assert notifications(bob_page) == [
        {
            "title": f"{alice} mentioned you in Release planning",
            "body": f"Hi @{bob} can you review the release notes?",
        }
    ]
    save_screenshot(bob_page, "mention.png")

    set_hidden(bob_page, False)
    expect(item.locator(".mentions")).to_be_hidden(timeout=5000)
    expect(item.locator(".unread")).to_be_hidden()
    bob_page.reload()
    expect(bob_page.locator("#connection")).to_have_attribute("data-state", "live")
    expect(bob_page.locator(".message.mentions-me .mention-me")).to_have_text(f"@{bob}")


def test_a_muted_chat_counts_mentions_and_notifies_nothing(
    server: Server, new_page: OpenPage
) -> None:
    """Bob mutes the chat from its header, then opens his list alone: Alice's mention
    counts there, and no notification comes, even with his page hidden."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    bob_page = open_group_as(stubbed(new_page()), server, bob, group_id)
    bob_page.get_by_role("button", name="Mute").click()
    expect(bob_page.get_by_role("button", name="Unmute")).to_have_attribute("aria-pressed", "true")
    item = bob_page.locator(f".group-item[data-group-id='{group_id}']")
    expect(item.locator(".muted-badge")).to_be_visible()
    bob_page.goto(f"{server.url}/groups/")
    expect(bob_page.locator("#list-connection")).to_have_attribute("data-state", "live")
    set_hidden(bob_page, True)
    alice_page = open_group_as(new_page(), server, alice, group_id)

    say(alice_page, f"@{bob} muted or not, this counts")

    expect(item.locator(".mentions")).to_have_text("@1")
    expect(item.locator(".unread")).to_have_text("1")
    # Past the moment a notification would have been shown: the message came after it.
    expect(item.locator(".preview")).to_contain_text("this counts")
    assert notifications(bob_page) == []


def test_the_permission_is_asked_once_at_the_first_click(
    server: Server, new_page: OpenPage
) -> None:
    group_id, (alice,) = create_group(server, "alice", [])
    page = stubbed(new_page())
    log_in(page, server, alice)
    page.goto(f"{server.url}/groups/?ask")
    expect(page.locator("#list-connection")).to_have_attribute("data-state", "live")
    assert page.evaluate("window.asked") == 0

    page.locator(f".group-item[data-group-id='{group_id}'] .group-link").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    page.get_by_label("Message", exact=True).click()

    assert page.evaluate("window.asked") == 1
