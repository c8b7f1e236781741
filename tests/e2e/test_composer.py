"""The composer never cuts a message silently: it counts toward the limit as the message
nears it, refuses a paste that would pass it (and says so), does not send a message over
it, keeps the text of a message the server refuses; and what went wrong is no longer
said once a message goes through. Editing a message cuts nothing either."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OpenPage, Server, create_group, open_group_as, say

pytestmark = pytest.mark.e2e

LIMIT = 4000  # chat.models.chat_message.MAX_MESSAGE_LENGTH


def test_the_composer_counts_toward_the_limit_and_refuses_an_oversized_paste(
    server: Server, new_page: OpenPage
) -> None:
    group_id, (alice,) = create_group(server, "alice", [])
    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_group_as(page, server, alice, group_id)
    box = page.get_by_label("Message", exact=True)
    count = page.locator("#composer-count")
    error = page.locator("#chat-error")

    box.fill("a" * 1000)
    expect(count).to_be_hidden()
    box.fill("a" * 3500)
    expect(count).to_have_text("3,500 of 4,000 characters")

    page.evaluate("text => navigator.clipboard.writeText(text)", "b" * 600)
    box.press("End")
    box.press("ControlOrMeta+V")
    expect(error).to_have_text(
        "Not pasted: the message would be 4,100 characters long, and a message holds at most 4,000."
    )
    expect(box).to_have_value("a" * 3500)

    # Typed past the limit: counted, not sent, and kept.
    box.fill("a" * (LIMIT + 3))
    expect(count).to_have_class("composer-count over")
    box.press("Enter")
    expect(error).to_have_text(
        "This message is 4,003 characters long and a message holds at most 4,000: "
        "shorten it to send it."
    )
    expect(page.locator(".message")).to_have_count(0)
    expect(box).to_have_value("a" * (LIMIT + 3))

    # A paste that fits goes in.
    box.fill("Short, with ")
    page.evaluate("text => navigator.clipboard.writeText(text)", "a pasted tail")
    box.press("End")
    box.press("ControlOrMeta+V")
    expect(box).to_have_value("Short, with a pasted tail")


def test_a_refused_send_keeps_the_text_and_the_error_goes_once_a_message_is_saved(
    server: Server, new_page: OpenPage
) -> None:
    """The server refuses a message (the page believed the limit higher): its text is
    back in the box and the reason shown; shortened and sent, it is saved and the
    error is gone."""
    group_id, (alice,) = create_group(server, "alice", [])
    page = open_group_as(new_page(), server, alice, group_id)
    box = page.get_by_label("Message", exact=True)
    error = page.locator("#chat-error")
    box.evaluate("box => { box.dataset.maxLength = '10000'; }")

    box.fill("z" * (LIMIT + 1))
    box.press("Enter")
    expect(error).to_contain_text("at most 4000 characters")
    expect(box).to_have_value("z" * (LIMIT + 1))

    box.fill("z" * 10)
    box.press("Enter")
    expect(page.locator(".message", has_text="z" * 10)).to_be_visible()
    expect(error).to_be_hidden()


def test_an_edit_over_the_limit_stays_in_its_form_with_the_reason(
    server: Server, new_page: OpenPage
) -> None:
    """The edit box takes the whole text (no cut at the limit); saving it over the limit
    keeps the form and says why, and the message is unchanged until a fitting edit."""
    group_id, (alice,) = create_group(server, "alice", [])
    page = open_group_as(new_page(), server, alice, group_id)
    say(page, "First words")
    message = page.locator(".message", has_text="First words")
    message_id = message.get_attribute("data-id")
    mine = page.locator(f".message[data-id='{message_id}']")
    mine.get_by_role("button", name="Edit").click()
    edit = mine.get_by_label("Edit message")

    edit.fill("e" * (LIMIT + 5))
    mine.get_by_role("button", name="Save").click()
    expect(mine.locator(".error")).to_contain_text("at most 4,000")
    expect(edit).to_have_value("e" * (LIMIT + 5))

    edit.fill("Second words")
    mine.get_by_role("button", name="Save").click()
    expect(mine.locator(".content")).to_have_text("Second words")
