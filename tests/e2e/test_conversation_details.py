"""What a new user trips on in a conversation, each tried in the browser: text in a
right-to-left script, a long message, an empty chat, deleting by mistake, the tab's
icon, a wide screen, and a message of several lines."""

import pytest
from playwright.sync_api import FloatRect, Locator, ViewportSize, expect

from tests.e2e.conftest import OpenPage, Server, create_group, open_group_as, say, two_members_open

pytestmark = pytest.mark.e2e

# A 1080p screen's CSS pixels.
FULL_HD: ViewportSize = {"width": 1920, "height": 1080}


def box(locator: Locator) -> FloatRect:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not shown"
    return found


def test_rtl_text_is_laid_out_right_to_left(server: Server, new_page: OpenPage) -> None:
    """A message in Arabic is laid out right to left beside one in English, left to
    right; so is a group's name in Hebrew, in the header and in the list."""
    group_id, (alice,) = create_group(server, "alice", [])
    server.run_django(
        f"from chat.models import GroupChat; GroupChat.objects.filter(pk={group_id})"
        ".update(name='תכנון גרסה'); print('null')"
    )
    page = open_group_as(new_page(), server, alice, group_id)
    say(page, "مرحبا بالجميع، هل نبدأ؟")
    say(page, "Hello everyone")

    direction = "element => getComputedStyle(element).direction"
    arabic = page.locator(".message", has_text="مرحبا").locator(".content")
    english = page.locator(".message", has_text="Hello everyone").locator(".content")
    expect(english).to_be_visible()
    assert arabic.evaluate(direction) == "rtl"
    assert english.evaluate(direction) == "ltr"
    assert page.locator("#group-title").evaluate(direction) == "rtl"
    assert page.locator(".group-link").evaluate(direction) == "rtl"


def test_a_long_message_wraps_and_can_be_collapsed(server: Server, new_page: OpenPage) -> None:
    """A message of forty lines shows collapsed, no wider than its conversation;
    "Show more" opens it whole and "Show less" closes it. A short one has no button."""
    _group_id, (_alice, _bob), (alice_page, bob_page) = two_members_open(server, new_page)
    long_text = "\n".join(f"Line {n} of the release notes, " + "word " * 10 for n in range(40))
    alice_page.locator("#message-input").fill(long_text)
    alice_page.locator("#message-input").press("Enter")
    say(alice_page, "Short one")

    message = bob_page.locator(".message", has_text="Line 0 of the release notes")
    content = message.locator(".content")
    expect(content).to_have_class("content collapsed")
    conversation = box(bob_page.locator("#messages"))
    collapsed = box(content)
    assert collapsed["x"] + collapsed["width"] <= conversation["x"] + conversation["width"]
    assert collapsed["height"] < conversation["height"] / 2, collapsed

    message.get_by_role("button", name="Show more").click()
    expect(content).to_have_class("content")
    opened = box(content)
    assert opened["height"] > 2 * collapsed["height"], (opened, collapsed)
    message.get_by_role("button", name="Show less").click()
    expect(content).to_have_class("content collapsed")
    short = bob_page.locator(".message", has_text="Short one")
    expect(short.locator(".show-more")).to_have_count(0)


def test_an_empty_chat_says_how_to_start(server: Server, new_page: OpenPage) -> None:
    group_id, (alice,) = create_group(server, "alice", [])
    page = open_group_as(new_page(), server, alice, group_id)
    expect(page.locator("#empty-chat")).to_have_text(
        "No messages yet. Say hello: write in the box below and press Enter."
    )
    say(page, "Hello")
    expect(page.locator("#empty-chat")).to_be_hidden()


def test_deleting_a_message_asks_first(server: Server, new_page: OpenPage) -> None:
    """Delete asks; Cancel keeps the message; asked again and confirmed, it goes."""
    group_id, (alice,) = create_group(server, "alice", [])
    page = open_group_as(new_page(), server, alice, group_id)
    say(page, "Keep me, maybe")
    message = page.locator(".message", has_text="Keep me, maybe")

    message.get_by_role("button", name="Delete").click()
    question = message.locator(".confirm-delete")
    expect(question).to_contain_text("Delete this message for everyone?")
    question.get_by_role("button", name="Cancel").click()
    expect(question).to_have_count(0)
    expect(message.locator(".content")).to_have_text("Keep me, maybe")

    message.get_by_role("button", name="Delete").click()
    message.locator(".confirm-delete").get_by_role("button", name="Delete").click()
    expect(page.locator(".message.deleted")).to_have_count(1)


def test_the_site_has_a_favicon(server: Server, new_page: OpenPage) -> None:
    page = new_page()
    page.goto(f"{server.url}/login/")
    href = page.locator("link[rel='icon']").get_attribute("href")
    assert href, "no <link rel=icon> in the page"
    response = page.request.get(f"{server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")


def test_the_conversation_uses_the_width_of_a_1080p_screen(
    server: Server, new_page: OpenPage
) -> None:
    """The list and the conversation with its members span the screen, less margins."""
    group_id, (alice,) = create_group(server, "alice", [])
    page = open_group_as(new_page(FULL_HD), server, alice, group_id)
    panes = box(page.locator("#panes"))
    messages = box(page.locator("#messages"))
    assert panes["width"] >= 0.95 * FULL_HD["width"], panes
    assert messages["width"] >= 0.45 * FULL_HD["width"], messages


def test_shift_enter_starts_a_new_line(server: Server, new_page: OpenPage) -> None:
    """Shift+Enter adds a line to the message; Enter sends it, lines and all."""
    _group_id, (_alice, _bob), (alice_page, bob_page) = two_members_open(server, new_page)
    box = alice_page.get_by_label("Message", exact=True)
    box.press_sequentially("Agenda:")
    box.press("Shift+Enter")
    box.press_sequentially("1. release date")
    box.press("Shift+Enter")
    box.press_sequentially("2. owners")
    expect(alice_page.locator(".message")).to_have_count(0)
    box.press("Enter")

    received = bob_page.locator(".message", has_text="Agenda:").locator(".content")
    expect(received).to_have_text("Agenda:\n1. release date\n2. owners")
    expect(box).to_have_value("")
