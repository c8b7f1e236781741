"""The conversation as a reader scrolls it: older pages loaded at the top, a line
between days, the full date on hover, and links that are safe to click."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.e2e.conftest import (
    OpenPage,
    Server,
    create_group,
    drop_first_member_message,
    log_in,
    open_group,
    open_group_as,
    say,
)

pytestmark = pytest.mark.e2e


def store_messages(
    server: Server, group_id: int, sender: str, texts: list[str], at: list[str] | None = None
) -> list[int]:
    """Messages said by ``sender``, through the services as the consumer says them;
    ``at`` backdates them (ISO 8601 times, one per text). Returns their ids."""
    ids: list[int] = server.run_django(
        f"""
import json
from accounts.models import User
from chat.services.messages import save_message
from chat.models import ChatMessage, GroupChat
group = GroupChat.objects.get(pk={group_id})
sender = User.objects.get(username={sender!r})
ids = [save_message(group_chat=group, sender=sender, content=text).pk
       for text in {texts!r}]
for pk, when in zip(ids, {at!r} or []):
    ChatMessage.objects.filter(pk=pk).update(created_at=when)
print(json.dumps(ids))
"""
    )
    return ids


# Where a message's top is in the conversation's box, in pixels from the box's top.
PLACE = """(list, id) =>
    list.querySelector(`[data-id="${id}"]`).getBoundingClientRect().top
    - list.getBoundingClientRect().top"""


def scroll_to_top(page: Page) -> None:
    page.locator("#messages").evaluate("list => { list.scrollTop = 0; }")


def texts(page: Page) -> list[str]:
    return page.locator(".message .content").all_text_contents()


def test_scrolling_to_the_top_loads_the_older_messages_and_keeps_the_place(
    server: Server, new_page: OpenPage
) -> None:
    """75 messages: the page shows the newest 50; scrolled to the top it loads the 25
    before them (the cursor's next page) above, and the message that was at the top
    stays where it was on the screen."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    said = [f"Message {n}" for n in range(1, 76)]
    ids = store_messages(server, group_id, bob, said)
    page = open_group_as(new_page(), server, alice, group_id)
    expect(page.locator(".message")).to_have_count(50)
    expect(page.locator(".message", has_text="Message 75")).to_be_in_viewport()
    first_shown = ids[25]  # "Message 26"

    place_at_top = page.locator("#messages").evaluate(
        f"list => {{ list.scrollTop = 0; return ({PLACE})(list, {first_shown}); }}"
    )
    expect(page.locator(".message")).to_have_count(75)

    assert texts(page) == said
    place_after = page.locator("#messages").evaluate(f"list => ({PLACE})(list, {first_shown})")
    assert abs(place_after - place_at_top) < 2, (place_at_top, place_after)


def test_a_hole_after_older_pages_is_fetched_after_the_newest_message(
    server: Server, new_page: OpenPage
) -> None:
    """Older pages sit below the gap bookkeeping: once they are loaded, a live message
    of Bob's lost on its way is still seen as a hole after the newest message, and
    fetched from there (``?after=<newest id>``), not from the start of the chat."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    ids = store_messages(server, group_id, bob, [f"Earlier {n}" for n in range(1, 61)])
    alice_page, bob_page = new_page(), new_page()
    catch_ups: list[list[str]] = []

    def watch(request: Request) -> None:
        after = parse_qs(urlsplit(request.url).query).get("after")
        if after is not None:
            catch_ups.append(after)

    dropped = drop_first_member_message(alice_page)
    log_in(alice_page, server, alice)
    log_in(bob_page, server, bob)
    open_group(alice_page, server, group_id)
    open_group(bob_page, server, group_id)
    scroll_to_top(alice_page)
    expect(alice_page.locator(".message")).to_have_count(60)
    alice_page.on("request", watch)

    say(bob_page, "Lost on its way")
    expect(bob_page.locator(".message", has_text="Lost on its way")).to_be_visible()
    say(bob_page, "Shows the hole")

    expect(alice_page.locator(".message", has_text="Lost on its way")).to_be_visible(timeout=5000)
    assert dropped == ["Lost on its way"]
    assert texts(alice_page)[-2:] == ["Lost on its way", "Shows the hole"]
    expect(alice_page.locator(".message")).to_have_count(62)
    assert catch_ups, "the page showed the message without fetching it: was it dropped?"
    assert catch_ups[0] == [str(ids[-1])], catch_ups


def test_a_line_marks_each_new_day_and_the_time_shows_the_full_date_on_hover(
    server: Server, new_page: OpenPage
) -> None:
    """Two messages on one day and one the next: a line with the date before each day's
    first message; hovering a time shows its full date. A message said now starts
    today's line."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    store_messages(
        server,
        group_id,
        bob,
        ["Monday morning", "Monday afternoon", "Tuesday morning"],
        at=["2024-03-04T10:00:00Z", "2024-03-04T15:30:00Z", "2024-03-05T09:15:00Z"],
    )
    page = open_group_as(new_page(), server, alice, group_id)
    items = page.locator("#messages > li")
    expect(items).to_have_count(5)

    kinds = items.evaluate_all("items => items.map((item) => item.className)")
    assert kinds == ["day", "message", "message", "day", "message"], kinds
    days = page.locator(".day time")
    expect(days).to_have_text(["Monday, March 4, 2024", "Tuesday, March 5, 2024"])
    expect(days.first).to_have_attribute("datetime", "2024-03-04")
    time = page.locator(".message", has_text="Monday morning").locator("time")
    time.hover()
    expect(time).to_have_attribute("title", "Monday, March 4, 2024 at 10:00:00 AM UTC")

    say(page, "Said today")
    expect(page.locator(".message", has_text="Said today")).to_be_visible()
    expect(days).to_have_count(3)
    today = page.evaluate("() => new Date().toISOString().slice(0, 10)")
    expect(days.last).to_have_attribute("datetime", today)


def test_links_in_a_message_open_in_a_new_tab_and_other_schemes_stay_text(
    server: Server, new_page: OpenPage
) -> None:
    """Bob's message with two web addresses, a javascript: and a data: one reaches
    Alice with the web addresses as links (new tab, no opener, no referrer; the
    sentence's full stop left out) and the others as plain text."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    alice_page, bob_page = new_page(), new_page()
    referers: list[str | None] = []

    def docs(route: Route) -> None:
        referers.append(route.request.headers.get("referer"))
        route.fulfill(content_type="text/html", body="<title>Docs</title>")

    alice_page.context.route("https://docs.example/**", docs)
    log_in(alice_page, server, alice)
    log_in(bob_page, server, bob)
    open_group(alice_page, server, group_id)
    open_group(bob_page, server, group_id)
    text = (
        "Read https://docs.example/guide?page=2&lang=en. Not javascript:alert(1) "
        "nor data:text/html,<script>alert(1)</script> (mirror: http://mirror.example/guide)"
    )
    say(bob_page, text)

    content = alice_page.locator(".message", has_text="Read").locator(".content")
    expect(content).to_have_text(text, timeout=1000)
    links = content.locator("a")
    expect(links).to_have_text(
        ["https://docs.example/guide?page=2&lang=en", "http://mirror.example/guide"]
    )
    expect(links.first).to_have_attribute("href", "https://docs.example/guide?page=2&lang=en")
    expect(links.last).to_have_attribute("href", "http://mirror.example/guide")
    for link in links.all():
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(alice_page.locator("#messages script")).to_have_count(0)

    with alice_page.context.expect_page() as opened:
        links.first.click()
    tab = opened.value
    expect(tab).to_have_title("Docs")
    assert tab.evaluate("() => window.opener") is None
    assert referers == [None]
    expect(alice_page).to_have_url(f"{server.url}/groups/{group_id}/")
