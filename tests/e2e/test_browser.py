"""The pages in a real browser against a real server: login, live chat between
two users, the access-denied state, member management and reconnection."""

import itertools
import json
import re
import time
from typing import Any

import pytest
from playwright.sync_api import (
    WebSocketRoute,
    expect,
)

from tests.e2e.conftest import (
    OpenPage,
    Server,
    create_group,
    create_user,
    drop_first_member_message,
    log_in,
    open_group,
    open_group_as,
    save_screenshot,
    say,
)

pytestmark = pytest.mark.e2e


def test_two_users_chat_live(server: Server, new_page: OpenPage) -> None:
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    alice_page, bob_page = new_page(), new_page()
    log_in(alice_page, server, alice, screenshot=True)
    alice_page.get_by_label("Group name").fill("Design review")
    alice_page.get_by_role("button", name="Create").click()
    expect(alice_page.locator(".group-item")).to_have_count(2)
    save_screenshot(alice_page, "groups.png")
    log_in(bob_page, server, bob)

    open_group(alice_page, server, group_id)
    open_group(bob_page, server, group_id)
    say(alice_page, "Hello Bob, <b>is the build green?</b>")

    # Bob sees it within a second, as Alice's, and as text (no markup).
    received = bob_page.locator(".message", has_text="is the build green?")
    expect(received).to_be_visible(timeout=1000)
    expect(received.locator(".sender")).to_have_text(alice)
    expect(received.locator(".content")).to_have_text("Hello Bob, <b>is the build green?</b>")
    expect(received).not_to_have_class("message mine")
    # Alice's own copy comes back from the server marked as hers.
    expect(alice_page.locator(".message.mine", has_text="is the build green?")).to_be_visible()

    say(bob_page, "Green since 10:42, shipping it.")
    expect(alice_page.locator(".message", has_text="shipping it")).to_be_visible(timeout=1000)
    save_screenshot(alice_page, "group-chat.png")


def test_server_error_is_shown(server: Server, new_page: OpenPage) -> None:
    """A page that believes the limit is higher than the server's (an old page after a
    deployment lowered it) sends a message the server refuses: the server's reason is
    shown, and the text comes back into the box."""
    group_id, (alice,) = create_group(server, "alice", [])
    page = open_group_as(new_page(), server, alice, group_id)
    box = page.get_by_label("Message", exact=True)
    box.evaluate("box => { box.dataset.maxLength = '10000'; }")
    box.fill("x" * 4001)
    box.press("Enter")
    expect(page.locator("#chat-error")).to_contain_text("at most 4000 characters")
    expect(page.locator(".message")).to_have_count(0)
    expect(box).to_have_value("x" * 4001)


def test_non_member_gets_access_denied(server: Server, new_page: OpenPage) -> None:
    group_id, _ = create_group(server, "alice", [])
    carol = create_user(server, "carol")
    page = new_page()
    log_in(page, server, carol)
    page.goto(f"{server.url}/groups/{group_id}/")
    expect(page.locator("#access-denied")).to_be_visible()
    expect(page.locator("#access-denied")).to_contain_text("not one of its members")
    expect(page.locator("#chat")).to_be_hidden()


def test_owner_manages_members(server: Server, new_page: OpenPage) -> None:
    group_id, (alice,) = create_group(server, "alice", [])
    dave = create_user(server, "dave")
    page = open_group_as(new_page(), server, alice, group_id)

    page.get_by_placeholder("Username").fill(dave)
    page.get_by_role("button", name="Add").click()
    row = page.locator(f".member[data-username='{dave}']")
    expect(row).to_be_visible()
    row.get_by_label(f"Role of {dave}").select_option("admin")
    expect(row.get_by_label(f"Role of {dave}")).to_have_value("admin")
    roles = server.run_django(
        "import json; from chat.models import ChatMember; "
        f"print(json.dumps(list(ChatMember.objects.filter(group_chat_id={group_id}, "
        f"user__username={dave!r}).values_list('role', flat=True))))"
    )
    assert roles == ["admin"]

    # The last owner cannot step down: the server's reason is shown.
    page.get_by_label(f"Role of {alice}").select_option("member")
    expect(page.locator("#member-error")).to_contain_text("owner")

    row.get_by_role("button", name="Remove").click()
    expect(row).to_have_count(0)

    page.get_by_placeholder("Username").fill("nobody-by-that-name")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#member-username-problem")).to_have_text(
        "No user named nobody-by-that-name."
    )


def test_reconnects_and_catches_up(server: Server, new_page: OpenPage) -> None:
    """The server is killed outright and a new one started on the same port:
    the page reconnects by itself and fetches what was said while it was away
    (stored meanwhile through the services, as the consumer stores messages)."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    page = open_group_as(new_page(), server, alice, group_id)
    say(page, "Before the outage")
    expect(page.locator(".message", has_text="Before the outage")).to_be_visible()

    server.stop()
    expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    missed = [f"Missed message {n}" for n in range(3)]
    server.run_django(
        f"""
from accounts.models import User
from chat.services.messages import save_message
from chat.models import GroupChat
group = GroupChat.objects.get(pk={group_id})
bob = User.objects.get(username={bob!r})
for text in {missed!r}:
    save_message(group_chat=group, sender=bob, content=text)
print("null")
"""
    )
    server.start()

    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=20_000)
    for text in missed:
        expect(page.locator(".message", has_text=text)).to_have_count(1)
    # In the order they were said, after what the page had, nothing twice.
    texts = page.locator(".message .content").all_text_contents()
    assert texts == ["Before the outage", *missed], json.dumps(texts)

    say(page, "Back online")
    expect(page.locator(".message", has_text="Back online")).to_be_visible(timeout=1000)


def test_a_message_whose_answer_was_lost_is_resent_with_its_id_and_shown_once(
    server: Server, new_page: OpenPage
) -> None:
    """The socket drops after the server saved a message but before its
    ``message_saved`` reached the page: the page reconnects, sends it again with
    the same client id, and the server stores it once; the page shows it once."""
    group_id, (alice, _) = create_group(server, "alice", ["bob"])
    page = new_page()
    sent: list[dict[str, str]] = []
    answers: list[dict[str, Any]] = []
    connections = itertools.count()

    def route(ws: WebSocketRoute) -> None:
        first = next(connections) == 0
        upstream = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("action") == "new_message":
                sent.append(frame["payload"])
            upstream.send(message)

        def to_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("action") == "message_saved":
                if first:
                    # Saved, but the answer is lost with the connection.
                    upstream.close()
                    ws.close(code=4000, reason="dropped")
                    return
                answers.append(frame["payload"])
            ws.send(message)

        ws.on_message(to_server)
        upstream.on_message(to_page)

    page.route_web_socket(re.compile(r"/ws/chat/"), route)
    open_group_as(page, server, alice, group_id)
    say(page, "Said once")

    expect(page.locator(".message", has_text="Said once")).to_have_count(1)
    # Playwright delivers the route's events while the page is being driven.
    deadline = time.monotonic() + 10
    while not answers and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    (answer,) = answers
    assert answer["duplicate"] is True
    shown = page.locator(".message", has_text="Said once")
    assert shown.get_attribute("data-id") == str(answer["message"]["id"])
    assert [payload["content"] for payload in sent] == ["Said once", "Said once"]
    assert sent[0]["client_id"] == sent[1]["client_id"]
    stored = server.run_django(
        f"from chat.models import ChatMessage; import json; print(json.dumps("
        f"ChatMessage.objects.filter(group_chat_id={group_id}, content='Said once').count()))"
    )
    assert stored == 1


def test_a_live_message_lost_on_its_way_is_fetched_when_the_next_shows_the_gap(
    server: Server, new_page: OpenPage
) -> None:
    """Between the server and Alice's page, Bob's first message is dropped (a relay
    lost, as a channel layer over capacity loses one). His next message arrives with a
    seq one too far: the page sees the hole and fetches it (``?after=``), without a
    reload and without reconnecting, and shows both in the order they were said."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    alice_page, bob_page = new_page(), new_page()
    dropped = drop_first_member_message(alice_page)
    fetched: list[str] = []
    alice_page.on(
        "request", lambda request: fetched.append(request.url) if "after=" in request.url else None
    )
    log_in(alice_page, server, alice)
    log_in(bob_page, server, bob)
    open_group(alice_page, server, group_id)
    open_group(bob_page, server, group_id)

    say(bob_page, "Lost on its way")
    expect(bob_page.locator(".message", has_text="Lost on its way")).to_be_visible()
    say(bob_page, "Shows the hole")

    expect(alice_page.locator(".message", has_text="Lost on its way")).to_be_visible(timeout=5000)
    assert dropped == ["Lost on its way"]
    texts = alice_page.locator(".message .content").all_text_contents()
    assert texts == ["Lost on its way", "Shows the hole"], json.dumps(texts)
    assert fetched, "the page showed the message without fetching it: was it dropped?"
    expect(alice_page.locator("#connection")).to_have_attribute("data-state", "live")


# app.js's IDLE_CHECK_MS: a socket that has heard nothing for this long fetches what it
# may have missed.
IDLE_CHECK_MS = 30_000


def test_a_lost_last_message_is_fetched_once_the_socket_has_been_quiet(
    server: Server, new_page: OpenPage
) -> None:
    """The message dropped is the chat's last, so no later seq shows the hole. Once
    Alice's socket has heard nothing for IDLE_CHECK_MS (run forward on the page's
    clock), the page fetches what it may have missed and shows it, without a reload."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    alice_page, bob_page = new_page(), new_page()
    alice_page.clock.install()
    dropped = drop_first_member_message(alice_page)
    fetched: list[str] = []  # the chat's history, as the page asks for it
    alice_page.on(
        "request",
        lambda request: fetched.append(request.url) if "/messages/" in request.url else None,
    )
    log_in(alice_page, server, alice)
    log_in(bob_page, server, bob)
    open_group(alice_page, server, group_id)
    open_group(bob_page, server, group_id)
    expect(alice_page.locator("#connection")).to_have_attribute("data-state", "live")

    say(bob_page, "The last word")
    deadline = time.monotonic() + 10
    while not dropped:
        assert time.monotonic() < deadline, (
            "awaited: Bob's message reaching Alice's page (to be dropped on its way); "
            "nothing came in 10 s: the relay itself failed"
        )
        alice_page.wait_for_timeout(20)  # Playwright runs the route's handlers meanwhile
    last_word = alice_page.locator(".message", has_text="The last word")
    expect(last_word).to_have_count(0)
    fetched_before = len(fetched)

    alice_page.clock.run_for(IDLE_CHECK_MS + 1000)

    expect(last_word).to_be_visible(timeout=5000)
    assert len(fetched) > fetched_before, "shown without a fetch: was it dropped?"
    expect(alice_page.locator("#connection")).to_have_attribute("data-state", "live")
