"""The chats page: the list of the user's chats beside the open one, switched without
loading the page again; an address that opens a chat; the browser's back button; and
one pane at a time, with a way back, on a phone's screen."""

import re
import time

import pytest
from playwright.sync_api import Locator, Page, WebSocket, expect

from tests.e2e.conftest import (
    PHONE,
    OpenPage,
    Server,
    create_group,
    log_in,
    open_group_as,
    save_screenshot,
    say,
)

pytestmark = pytest.mark.e2e

# Set on the page's window once loaded: still there after a switch means no page load.
MARK_LOADED = "() => { window.loadedOnce = true; }"
STILL_LOADED = "() => window.loadedOnce === true"


def second_group(server: Server, owner: str, member: str, name: str) -> int:
    group_id: int = server.run_django(
        f"""
import json
from accounts.models import User
from chat.services.chats import create_group_chat
from chat.services.members import add_member
owner = User.objects.get(username={owner!r})
group = create_group_chat(creator=owner, name={name!r})
add_member(group_chat=group, actor=owner, user=User.objects.get(username={member!r}))
print(json.dumps(group.pk))
"""
    )
    return group_id


def chat_link(page: Page, group_id: int) -> Locator:
    return page.locator(f".group-item[data-group-id='{group_id}'] .group-link")


def expect_chat_open(page: Page, server: Server, group_id: int, name: str) -> None:
    expect(page).to_have_url(f"{server.url}/groups/{group_id}/")
    expect(page.locator("#group-title")).to_have_text(name)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    expect(chat_link(page, group_id)).to_have_attribute("aria-current", "page")


def test_two_panes_switch_chats_without_a_page_load_and_the_back_button_works(
    server: Server, new_page: OpenPage
) -> None:
    """Bob has Release planning open beside his list when Alice writes in Design
    review: that chat moves to the top of his list with one unread. He opens it from
    the list: the page is not loaded again, the address names it, its message shows and
    its unread count goes; the first chat's socket is closed. Back and forward go
    between the chats and the list."""
    release, (alice, bob) = create_group(server, "alice", ["bob"])
    design = second_group(server, alice, bob, "Design review")
    alice_page = open_group_as(new_page(), server, alice, design)
    bob_page = new_page()
    opened: list[str] = []
    closed: list[str] = []

    def watch(socket: WebSocket) -> None:
        opened.append(socket.url)
        socket.on("close", lambda _: closed.append(socket.url))

    bob_page.on("websocket", watch)
    log_in(bob_page, server, bob)
    expect(bob_page.locator("#no-chat")).to_be_visible()
    expect(bob_page.locator("#list-connection")).to_have_attribute("data-state", "live")
    bob_page.evaluate(MARK_LOADED)

    chat_link(bob_page, release).click()
    expect_chat_open(bob_page, server, release, "Release planning")
    expect(bob_page.locator("#chat-list-pane")).to_be_visible()
    say(alice_page, "Mockups are up")

    design_item = bob_page.locator(f".group-item[data-group-id='{design}']")
    expect(design_item.locator(".unread")).to_have_text("1", timeout=2000)
    expect(bob_page.locator(".group-item").first).to_have_attribute("data-group-id", str(design))
    save_screenshot(bob_page, "two-panes.png")

    chat_link(bob_page, design).click()
    expect_chat_open(bob_page, server, design, "Design review")
    expect(bob_page.locator(".message", has_text="Mockups are up")).to_be_visible()
    expect(design_item.locator(".unread")).to_be_hidden(timeout=3000)
    expect(bob_page).to_have_title("Design review · Channels chat")
    assert bob_page.evaluate(STILL_LOADED), "switching chats loaded the page again"
    release_socket = f"/ws/chat/{release}/"
    assert [url for url in opened if url.endswith(release_socket)] != [], opened
    deadline = time.monotonic() + 5
    while not any(url.endswith(release_socket) for url in closed):
        assert time.monotonic() < deadline, (
            f"awaited: the socket of the chat left ({release_socket}) closing; "
            f"opened {opened}, closed {closed}"
        )
        bob_page.wait_for_timeout(50)  # Playwright delivers the socket's events meanwhile
    say(bob_page, "Looks good")
    expect(alice_page.locator(".message", has_text="Looks good")).to_be_visible(timeout=2000)

    bob_page.go_back()
    expect_chat_open(bob_page, server, release, "Release planning")
    expect(bob_page.locator(".message", has_text="Mockups are up")).to_have_count(0)
    bob_page.go_back()
    expect(bob_page).to_have_url(f"{server.url}/groups/")
    expect(bob_page.locator("#no-chat")).to_be_visible()
    expect(bob_page.locator("#chat")).to_have_count(0)
    bob_page.go_forward()
    expect_chat_open(bob_page, server, release, "Release planning")
    assert bob_page.evaluate(STILL_LOADED), "back and forward loaded the page again"


def test_two_panes_a_chats_address_opens_it_beside_the_list(
    server: Server, new_page: OpenPage
) -> None:
    """/groups/<id>/ loaded as it is (shared, bookmarked, reloaded) opens that chat,
    marked in the list beside it."""
    release, (alice, bob) = create_group(server, "alice", ["bob"])
    design = second_group(server, alice, bob, "Design review")
    page = open_group_as(new_page(), server, bob, design)
    expect_chat_open(page, server, design, "Design review")
    expect(chat_link(page, release)).not_to_have_attribute("aria-current", "page")
    page.reload()
    expect_chat_open(page, server, design, "Design review")


def test_two_panes_on_a_phone_show_one_pane_at_a_time_with_a_way_back(
    server: Server, new_page: OpenPage
) -> None:
    """At a phone's width the list fills the screen; a chat opened replaces it, with
    "← My groups" to go back; the browser's back button goes back too."""
    release, (_, bob) = create_group(server, "alice", ["bob"])
    page = new_page(PHONE)
    log_in(page, server, bob)
    list_pane = page.locator("#chat-list-pane")
    conversation_pane = page.locator("#conversation-pane")
    expect(list_pane).to_be_visible()
    expect(conversation_pane).to_be_hidden()
    save_screenshot(page, "two-panes-phone-list.png")

    chat_link(page, release).click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    expect(list_pane).to_be_hidden()
    expect(conversation_pane).to_be_visible()
    say(page, "From my phone")
    expect(page.locator(".message", has_text="From my phone")).to_be_visible()
    page.evaluate("() => window.scrollTo(0, 0)")  # the back link and the header in view
    save_screenshot(page, "two-panes-phone-chat.png")

    page.get_by_role("link", name="← My groups").click()
    expect(page).to_have_url(f"{server.url}/groups/")
    expect(list_pane).to_be_visible()
    expect(conversation_pane).to_be_hidden()

    page.go_back()
    expect(page).to_have_url(re.compile(rf"/groups/{release}/$"))
    expect(conversation_pane).to_be_visible()
    expect(list_pane).to_be_hidden()


def test_two_panes_on_a_wide_screen_offer_no_back_link(server: Server, new_page: OpenPage) -> None:
    """Beside the list, "← My groups" would only repeat it."""
    release, (_, bob) = create_group(server, "alice", ["bob"])
    page = open_group_as(new_page(), server, bob, release)
    expect(page.locator("#chat-list-pane")).to_be_visible()
    expect(page.get_by_role("link", name="← My groups")).to_be_hidden()
