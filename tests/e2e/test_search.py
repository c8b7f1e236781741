"""Searching messages in the browser, two users: a result shows the words found in
<mark> (a message's HTML as text), and opens the conversation at that message, loaded
from the history around it and marked; the search reaches every chat of the user's, and
none they left."""

import math
import re

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.e2e.conftest import (
    OpenPage,
    Server,
    create_group,
    open_group,
    open_group_as,
    say,
)

pytestmark = pytest.mark.e2e

# More than one page of history (50) after the message searched for.
LATER = 80
# A page of history, as the server gives it.
PAGE = 50
# Messages after a result far back: many pages.
FAR = 300


def fill_history(
    server: Server, group_id: int, username: str, found: str, later: int = LATER
) -> int:
    """``found`` said by ``username``, then ``later`` messages ("later message 0",
    "later message 1"...); the found message's id."""
    message_id: int = server.run_django(
        f"""
import json
from accounts.models import User
from chat.services.messages import save_message
from chat.models import GroupChat
chat, user = GroupChat.objects.get(pk={group_id}), User.objects.get(username={username!r})
found = save_message(group_chat=chat, sender=user, content={found!r})
for n in range({later}):
    save_message(group_chat=chat, sender=user, content=f"later message {{n}}")
print(json.dumps(found.pk))
"""
    )
    return message_id


def join_and_say(server: Server, group_id: int, member: str, author: str, content: str) -> None:
    """``member`` added to the group by its owner, and ``author`` says ``content`` there."""
    server.run_django(
        f"""
from accounts.models import User
from chat.services.members import add_member
from chat.services.messages import save_message
from chat.models import GroupChat
chat = GroupChat.objects.get(pk={group_id})
member, author = (User.objects.get(username=name) for name in ({member!r}, {author!r}))
add_member(group_chat=chat, actor=chat.created_by, user=member)
save_message(group_chat=chat, sender=author, content={content!r})
print('null')
"""
    )


def search(page: Page, text: str, *, everywhere: bool = False) -> None:
    page.get_by_label("Search messages").fill(text)
    if everywhere:
        page.get_by_label("All my chats").check()
    page.get_by_role("button", name="Search", exact=True).click()


def test_a_result_is_highlighted_as_text_and_opens_the_chat_at_the_message(
    server: Server, new_page: OpenPage
) -> None:
    """Bob said it long ago (80 messages since: not in the first page Alice's chat
    loads); Alice finds it, sees the word marked and Bob's markup as text, and opening
    it shows that message in view, marked, with the newer ones loaded below it."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    found = fill_history(server, group_id, bob, "launch code <b>zebra</b> at noon")
    bob_page = open_group_as(new_page(), server, bob, group_id)
    alice_page = open_group_as(new_page(), server, alice, group_id)
    expect(alice_page.locator(f".message[data-id='{found}']")).to_have_count(0)

    search(alice_page, "zebra")

    result = alice_page.locator(".search-result")
    expect(result).to_have_count(1)
    expect(result.locator("mark")).to_have_text("zebra")
    expect(result.locator(".highlight")).to_contain_text("launch code <b>zebra")
    expect(result.locator("b")).to_have_count(0)
    result.get_by_role("button").click()
    message = alice_page.locator(f".message[data-id='{found}']")
    expect(message).to_have_class(re.compile(r"\bfound\b"))
    expect(message).to_be_in_viewport()
    expect(alice_page.locator(".message", has_text=f"later message {LATER - 1}")).to_have_count(1)
    expect(message).to_be_in_viewport()

    # Live messages go on arriving while the result stays open.
    bob_page.get_by_label("Message", exact=True).fill("still here")
    bob_page.get_by_label("Message", exact=True).press("Enter")
    expect(alice_page.locator(".message", has_text="still here")).to_have_count(1)


def history_requests(page: Page, group_id: int) -> tuple[list[str], list[str]]:
    """The page's requests for the chat's history from now on: (every one asked, those
    not answered yet)."""
    asked: list[str] = []
    waiting: list[str] = []

    def sent(request: Request) -> None:
        if f"/api/groups/{group_id}/messages/" in request.url:
            asked.append(request.url)
            waiting.append(request.url)

    def done(request: Request) -> None:
        if request.url in waiting:
            waiting.remove(request.url)

    page.on("request", sent)
    page.on("requestfinished", done)
    page.on("requestfailed", done)
    return asked, waiting


def scroll_down_to_the_end(page: Page, waiting: list[str]) -> None:
    """Half the conversation's height at a time, as a reader scrolls, each step once
    the history asked for has come, until its bottom."""
    for _ in range(500):
        page.wait_for_timeout(100)
        while waiting:
            page.wait_for_timeout(50)
        at_end = page.locator("#messages").evaluate(
            """list => {
                const end = list.scrollTop + list.clientHeight >= list.scrollHeight - 1;
                list.scrollTop += list.clientHeight / 2;
                return end;
            }"""
        )
        if at_end and not waiting:
            return
    raise AssertionError("the conversation never reached its end")


def test_a_result_far_back_loads_two_pages_and_the_rest_as_the_reader_scrolls_down(
    server: Server, new_page: OpenPage
) -> None:
    """Bob said it FAR messages ago. Opening the result asks for the page around it
    and the newest page (and the next below the result's, near the view), not for the
    FAR between; scrolling down from it brings the
    pages between, one at a time, in order up to the newest message; a live message
    arrives below."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    found = fill_history(server, group_id, bob, "the zebra crossing", later=FAR)
    bob_page = open_group_as(new_page(), server, bob, group_id)
    alice_page = open_group_as(new_page(), server, alice, group_id)
    asked, waiting = history_requests(alice_page, group_id)

    search(alice_page, "zebra")
    alice_page.locator(".search-result").get_by_role("button").click()
    message = alice_page.locator(f".message[data-id='{found}']")
    expect(message).to_have_class(re.compile(r"\bfound\b"))
    expect(message).to_be_in_viewport()
    newest = alice_page.locator(".message", has_text=f"later message {FAR - 1}")
    expect(newest).to_have_count(1)
    # A gap in the seqs would be fetched a second after it shows: nothing more comes
    # than the page after the result's, when it is within a screen of the view.
    alice_page.wait_for_timeout(2000)
    assert len(asked) <= 3, asked
    expect(message).to_be_in_viewport()

    scroll_down_to_the_end(alice_page, waiting)
    expect(newest).to_be_in_viewport()
    shown = alice_page.locator(".message .content").all_text_contents()
    start = shown.index("the zebra crossing")
    assert shown[start:] == ["the zebra crossing", *(f"later message {n}" for n in range(FAR))]
    assert len(asked) <= 2 + math.ceil(FAR / PAGE), asked

    say(bob_page, "still here")
    expect(alice_page.locator(".message", has_text="still here")).to_be_in_viewport()


def test_opening_another_chat_stops_the_catch_up_of_the_one_left(
    server: Server, new_page: OpenPage
) -> None:
    """FAR messages stored while Alice's chat is open, then one of hers, live, shows
    the hole: its catch-up is several pages. Alice opens another chat while the first
    page is on its way; once it comes, nothing more of the chat she left is fetched."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    other_id, (carol,) = create_group(server, "carol", [])
    join_and_say(server, other_id, alice, carol, "the other chat")
    alice_page = open_group_as(new_page(), server, alice, group_id)
    fill_history(server, group_id, bob, "said while nobody looked", later=FAR)
    held: list[Route] = []
    catch_ups: list[str] = []

    def hold_the_first(route: Route) -> None:
        catch_ups.append(route.request.url)
        if held:
            route.continue_()
        else:
            held.append(route)

    alice_page.route(re.compile(rf"/api/groups/{group_id}/messages/\?after="), hold_the_first)
    say(alice_page, "Anyone here?")
    for _ in range(100):
        if held:
            break
        alice_page.wait_for_timeout(100)
    assert held, "the hole was not fetched"

    alice_page.locator(f"a.group-link[href='/groups/{other_id}/']").click()
    expect(alice_page.locator(".message", has_text="the other chat")).to_be_visible()
    held[0].continue_()
    alice_page.wait_for_timeout(2000)
    assert len(catch_ups) == 1, catch_ups
    expect(alice_page.locator(".message", has_text="said while nobody looked")).to_have_count(0)


def test_all_my_chats_finds_another_chat_and_opens_it(server: Server, new_page: OpenPage) -> None:
    group_id, (alice,) = create_group(server, "alice", [])
    other_id, (carol,) = create_group(server, "carol", [])
    join_and_say(server, other_id, alice, carol, "the budget is approved")
    alice_page = open_group_as(new_page(), server, alice, group_id)

    search(alice_page, "budget")
    expect(alice_page.locator(".search-result")).to_have_count(0)
    expect(alice_page.locator(".search-results")).to_contain_text("No message found.")
    search(alice_page, "budget", everywhere=True)

    result = alice_page.locator(".search-result")
    expect(result).to_have_count(1)
    result.get_by_role("button").click()
    expect(alice_page).to_have_url(f"{server.url}/groups/{other_id}/")
    expect(alice_page.locator(".message.found")).to_contain_text("the budget is approved")


def test_a_chat_left_is_not_searched_any_more(server: Server, new_page: OpenPage) -> None:
    """Bob finds Alice's message, leaves the chat, and finds nothing in his other one."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    other_id, (erin,) = create_group(server, "erin", [])
    join_and_say(server, other_id, bob, erin, "hello bob")
    fill_history(server, group_id, alice, "payroll numbers")
    bob_page = open_group_as(new_page(), server, bob, group_id)
    search(bob_page, "payroll", everywhere=True)
    expect(bob_page.locator(".search-result")).to_have_count(1)

    bob_page.locator(f".member[data-username='{bob}']").get_by_role(
        "button", name="Leave", exact=True
    ).click()
    open_group(bob_page, server, other_id)
    search(bob_page, "payroll", everywhere=True)

    expect(bob_page.locator(".search-results")).to_contain_text("No message found.")
    expect(bob_page.locator(".search-result")).to_have_count(0)
