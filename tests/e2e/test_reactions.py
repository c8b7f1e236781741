"""Reactions in the browser: two members react to a message and each page shows the
other's reaction live, with its count and who (on hover, on a long press); a reload
shows the same, and a deleted message loses its reactions."""

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import (
    OpenPage,
    Server,
    delete_message,
    message_item,
    open_group,
    save_screenshot,
    say,
    two_members_open,
)

pytestmark = pytest.mark.e2e


def react_from_picker(page: Page, text: str, emoji: str) -> None:
    """Open the message's "Add a reaction" and pick ``emoji``."""
    said = message_item(page, text)
    said.hover()
    said.get_by_role("button", name="Add a reaction").click()
    said.get_by_role("button", name=f"React with {emoji}").click()


def chip(page: Page, text: str, emoji: str) -> Locator:
    """The message's reaction ``emoji`` (its toggle)."""
    return message_item(page, text).locator(".reaction-toggle", has_text=emoji)


def test_reactions_reach_the_other_members_page_live_with_who_and_survive_a_reload(
    server: Server, new_page: OpenPage
) -> None:
    group_id, (_alice, bob), (alice_page, bob_page) = two_members_open(server, new_page)
    say(bob_page, "Ship on Friday?")
    expect(message_item(alice_page, "Ship on Friday?")).to_be_visible()

    react_from_picker(alice_page, "Ship on Friday?", "👍")

    for page, pressed in ((alice_page, "true"), (bob_page, "false")):
        expect(chip(page, "Ship on Friday?", "👍")).to_have_text("👍1")
        expect(chip(page, "Ship on Friday?", "👍")).to_have_attribute("aria-pressed", pressed)

    # Bob adds his by tapping Alice's: two, and the hover says who.
    chip(bob_page, "Ship on Friday?", "👍").click()
    expect(chip(alice_page, "Ship on Friday?", "👍")).to_have_text("👍2")
    chip(alice_page, "Ship on Friday?", "👍").hover()
    who = message_item(alice_page, "Ship on Friday?").locator(".reaction-who")
    expect(who).to_be_visible()
    expect(who).to_have_text(f"You and {bob} reacted with 👍")

    react_from_picker(bob_page, "Ship on Friday?", "🎉")
    expect(chip(alice_page, "Ship on Friday?", "🎉")).to_have_text("🎉1")
    save_screenshot(alice_page, "reactions.png")

    # Alice takes hers off: one left, on both pages.
    chip(alice_page, "Ship on Friday?", "👍").click()
    for page in (alice_page, bob_page):
        expect(chip(page, "Ship on Friday?", "👍")).to_have_text("👍1")
    expect(chip(alice_page, "Ship on Friday?", "👍")).to_have_attribute("aria-pressed", "false")

    open_group(alice_page, server, group_id)
    expect(chip(alice_page, "Ship on Friday?", "👍")).to_have_text("👍1")
    expect(chip(alice_page, "Ship on Friday?", "👍")).to_have_attribute(
        "aria-label", f"👍 1: {bob}"
    )
    expect(chip(alice_page, "Ship on Friday?", "🎉")).to_have_text("🎉1")


def test_a_long_press_on_a_touch_screen_shows_who_and_changes_nothing(
    server: Server, new_page: OpenPage
) -> None:
    """On a phone there is no hover: holding a reaction shows who put it there, and the
    release that follows is not a tap (the reaction stays as it was)."""
    _group_id, (alice, _bob), (alice_page, bob_page) = two_members_open(server, new_page)
    say(alice_page, "Lunch?")
    react_from_picker(alice_page, "Lunch?", "🙏")
    expect(chip(bob_page, "Lunch?", "🙏")).to_have_text("🙏1")

    held = chip(bob_page, "Lunch?", "🙏")
    held.dispatch_event("pointerdown", {"pointerType": "touch", "isPrimary": True})
    who = message_item(bob_page, "Lunch?").locator(".reaction-who")
    expect(who).to_be_visible()
    expect(who).to_have_text(f"{alice} reacted with 🙏")
    held.dispatch_event("pointerup", {"pointerType": "touch", "isPrimary": True})
    held.dispatch_event("click")

    # A later change arrives after anything the release could have sent: by then the
    # 🙏 is still Alice's alone.
    react_from_picker(bob_page, "Lunch?", "👀")
    expect(chip(alice_page, "Lunch?", "👀")).to_have_text("👀1")
    expect(chip(alice_page, "Lunch?", "🙏")).to_have_text("🙏1")


def test_a_deleted_message_loses_its_reactions_on_every_page(
    server: Server, new_page: OpenPage
) -> None:
    group_id, (_alice, _bob), (alice_page, bob_page) = two_members_open(server, new_page)
    say(bob_page, "Typo here")
    react_from_picker(alice_page, "Typo here", "😂")
    expect(chip(bob_page, "Typo here", "😂")).to_have_text("😂1")

    delete_message(message_item(bob_page, "Typo here"))

    for page in (alice_page, bob_page):
        tombstone = page.locator(".message.deleted")
        expect(tombstone).to_have_count(1)
        expect(tombstone.locator(".reaction")).to_have_count(0)
        expect(tombstone.get_by_role("button", name="Add a reaction")).to_have_count(0)
    open_group(alice_page, server, group_id)
    expect(alice_page.locator(".message.deleted .reaction")).to_have_count(0)
