"""Who is online and who is typing, shown live to the other members."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    OpenPage,
    Server,
    create_group,
    open_group,
    open_group_as,
    save_screenshot,
    say,
    two_members_open,
)

pytestmark = pytest.mark.e2e


def test_a_member_is_shown_online_while_their_page_is_open(
    server: Server, new_page: OpenPage
) -> None:
    """Alice's page is open when Bob opens his: his members panel shows her dot online
    (he learns it from the answer to his ``here``), hers shows him come online; when she
    closes her page, his shows her offline."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    alice_page = open_group_as(new_page(), server, alice, group_id)
    # Her page is told she is online (the answer to its first ``here``) before Bob's opens.
    expect(alice_page.locator(f".member[data-username='{alice}']")).to_have_class(
        "member online", timeout=5000
    )
    bob_page = open_group_as(new_page(), server, bob, group_id)

    expect(bob_page.locator(f".member[data-username='{alice}']")).to_have_class(
        "member online", timeout=5000
    )
    expect(alice_page.locator(f".member[data-username='{bob}']")).to_have_class(
        "member online", timeout=5000
    )

    alice_page.close()
    expect(bob_page.locator(f".member[data-username='{alice}']")).to_have_class(
        "member", timeout=5000
    )


def test_typing_shows_on_the_others_page_until_the_message_comes(
    server: Server, new_page: OpenPage
) -> None:
    """Alice types: Bob's page says she is typing; she sends, and the line clears as her
    message shows. Her own page never says it."""
    _group_id, (alice, _bob), (alice_page, bob_page) = two_members_open(server, new_page)

    alice_page.get_by_label("Message", exact=True).fill("On my way")
    expect(bob_page.locator("#typing")).to_have_text(f"{alice} is typing…", timeout=5000)
    save_screenshot(bob_page, "typing.png")
    alice_page.get_by_label("Message", exact=True).press("Enter")

    expect(bob_page.locator("#messages")).to_contain_text("On my way", timeout=5000)
    expect(bob_page.locator("#typing")).to_have_text("")
    expect(alice_page.locator("#typing")).to_have_text("")


def test_closing_one_of_two_tabs_leaves_the_member_online(
    server: Server, new_page: OpenPage
) -> None:
    """Alice has the group open in two tabs and closes one: Bob's page keeps her online
    (by the time her other tab's message reaches him, the close has long been handled);
    when she closes the second, his page shows her offline."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    first_tab = open_group_as(new_page(), server, alice, group_id)
    second_tab = first_tab.context.new_page()  # a tab beside it: logged in already
    open_group(second_tab, server, group_id)
    bob_page = open_group_as(new_page(), server, bob, group_id)
    alices_dot = bob_page.locator(f".member[data-username='{alice}']")
    expect(alices_dot).to_have_class("member online", timeout=5000)

    first_tab.close()
    say(second_tab, "Still here in my other tab")

    expect(bob_page.locator("#messages")).to_contain_text("Still here in my other tab")
    expect(alices_dot).to_have_class("member online")
    second_tab.close()
    expect(alices_dot).to_have_class("member", timeout=5000)
