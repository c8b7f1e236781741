"""Editing and deleting messages in the browser, seen live by another member."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    OpenPage,
    Server,
    create_group,
    log_in,
    open_group,
    save_screenshot,
    say,
)

pytestmark = pytest.mark.e2e


def test_edits_and_deletes_reach_the_other_members_page_live(
    server: Server, new_page: OpenPage
) -> None:
    """Bob edits one of his messages and deletes another; Alice, the owner, deletes a
    third of his. Each page shows each change without a reload, and a reload shows the
    same: the edited text marked "edited", the deleted ones as tombstones."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    alice_page, bob_page = new_page(), new_page()
    log_in(alice_page, server, alice)
    log_in(bob_page, server, bob)
    open_group(alice_page, server, group_id)
    open_group(bob_page, server, group_id)
    for text in ("Meet at 10", "Wrong room, sorry", "Off-topic link"):
        say(bob_page, text)
        expect(alice_page.locator(".message", has_text=text)).to_be_visible()

    # Found by id: while it is edited, its text is in an input, not in the item's text.
    message_id = bob_page.locator(".message", has_text="Meet at 10").get_attribute("data-id")
    mine = bob_page.locator(f".message[data-id='{message_id}']")
    mine.get_by_role("button", name="Edit").click()
    mine.get_by_label("Edit message").fill("Meet at 11")
    mine.get_by_role("button", name="Save").click()
    edited = alice_page.locator(".message", has_text="Meet at 11")
    expect(edited).to_be_visible(timeout=2000)
    expect(edited.locator(".edited")).to_have_text("edited")
    # Alice may not edit Bob's message, only delete it (she owns the group).
    expect(edited.get_by_role("button", name="Edit")).to_have_count(0)

    for page, text in ((bob_page, "Wrong room"), (alice_page, "Off-topic")):
        message = page.locator(".message", has_text=text)
        message.get_by_role("button", name="Delete").click()
        # Asked first: "Delete" again, in the question.
        message.locator(".confirm-delete").get_by_role("button", name="Delete").click()

    for page in (alice_page, bob_page):
        expect(page.locator(".message.deleted")).to_have_count(2, timeout=2000)
        expect(page.locator(".message", has_text="Wrong room")).to_have_count(0)
        expect(page.locator(".message", has_text="Off-topic")).to_have_count(0)
    save_screenshot(alice_page, "edit-delete.png")

    open_group(alice_page, server, group_id)
    contents = alice_page.locator(".message .content").all_text_contents()
    assert contents == ["Meet at 11", "This message was deleted.", "This message was deleted."]
    expect(alice_page.locator(".message.deleted")).to_have_count(2)
