"""Replies in the browser: a member answers a message and every page shows the reply
quoting its original live; the quote follows the original's edit, becomes its
tombstone once it is deleted, and takes the reader to the original, loading older
history until it is on the page."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import (
    OpenPage,
    Server,
    create_group,
    delete_message,
    message_item,
    open_group,
    open_group_as,
    save_screenshot,
    say,
    two_members_open,
)

pytestmark = pytest.mark.e2e


def quote_in(page: Page, reply_text: str) -> Locator:
    return message_item(page, reply_text).locator(".message-quote .quote")


def test_a_reply_quotes_its_original_live_and_follows_its_edit_and_deletion(
    server: Server, new_page: OpenPage
) -> None:
    group_id, (alice, _bob), (alice_page, bob_page) = two_members_open(server, new_page)
    say(alice_page, "Who brings the cake on Friday?")
    say(alice_page, "And the candles")
    expect(message_item(bob_page, "Who brings the cake")).to_be_visible()

    message_item(bob_page, "Who brings the cake").get_by_role("button", name="Reply").click()
    replying = bob_page.locator("#composer-tools .replying")
    expect(replying).to_contain_text(f"Replying to{alice}Who brings the cake on Friday?")
    say(bob_page, "I will!")

    expect(replying).to_have_count(0)
    for page in (alice_page, bob_page):
        quote = quote_in(page, "I will!")
        expect(quote).to_have_text(f"{alice}Who brings the cake on Friday?")
    save_screenshot(alice_page, "reply.png")

    # Alice edits the original: the quote follows on both pages, and after a reload.
    original_id = message_item(alice_page, "Who brings the cake").get_attribute("data-id")
    original = alice_page.locator(f".message[data-id='{original_id}']")
    original.get_by_role("button", name="Edit").click()
    original.get_by_label("Edit message").fill("Who brings the pie on Friday?")
    original.get_by_role("button", name="Save").click()
    for page in (alice_page, bob_page):
        expect(quote_in(page, "I will!")).to_have_text(f"{alice}Who brings the pie on Friday?")
    open_group(bob_page, server, group_id)
    expect(quote_in(bob_page, "I will!")).to_have_text(f"{alice}Who brings the pie on Friday?")

    # Deleted: the quote is the tombstone, live and after a reload.
    delete_message(original)
    for page in (alice_page, bob_page):
        expect(quote_in(page, "I will!")).to_have_text(f"{alice}This message was deleted.")
    open_group(alice_page, server, group_id)
    expect(quote_in(alice_page, "I will!")).to_have_text(f"{alice}This message was deleted.")


def test_escape_or_the_cross_sends_a_plain_message_instead(
    server: Server, new_page: OpenPage
) -> None:
    _group_id, (_alice, _bob), (alice_page, bob_page) = two_members_open(server, new_page)
    say(alice_page, "Anyone around?")

    message_item(bob_page, "Anyone around?").get_by_role("button", name="Reply").click()
    bob_page.get_by_label("Message", exact=True).press("Escape")
    expect(bob_page.locator("#composer-tools .replying")).to_have_count(0)
    message_item(bob_page, "Anyone around?").get_by_role("button", name="Reply").click()
    bob_page.get_by_role("button", name="Cancel the reply").click()
    say(bob_page, "Yes")

    expect(message_item(alice_page, "Yes")).to_be_visible()
    expect(message_item(alice_page, "Yes").locator(".quote")).to_have_count(0)


def test_a_quote_takes_the_reader_to_an_original_older_than_the_page_holds(
    server: Server, new_page: OpenPage
) -> None:
    """The original is 130 messages back (history pages are 50): a tap on the quote
    loads the older pages it needs and scrolls to it."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    server.run_django(
        f"""
from accounts.models import User
from chat.services.messages import save_message
from chat.models import GroupChat
chat = GroupChat.objects.get(pk={group_id})
alice = User.objects.get(username={alice!r})
first = save_message(group_chat=chat, sender=alice, content="The plan, long ago")
for number in range(130):
    save_message(group_chat=chat, sender=alice, content=f"filler {{number}}")
save_message(group_chat=chat, sender=alice, content="As planned", reply_to=first.pk)
print("null")
"""
    )
    bob_page = open_group_as(new_page(), server, bob, group_id)
    expect(message_item(bob_page, "As planned")).to_be_visible()
    expect(message_item(bob_page, "The plan, long ago")).to_have_count(0)

    quote_in(bob_page, "As planned").click()

    original = message_item(bob_page, "The plan, long ago")
    expect(original).to_be_in_viewport()
    expect(original).to_have_class(re.compile(r"\bfound\b"))
