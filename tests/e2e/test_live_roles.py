"""An open chat follows what others change: its name, the viewer's own role (and with it
the actions offered, only those the role allows), and who is online only while the
page's socket can tell."""

import re

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.e2e.conftest import OpenPage, Server, create_group, open_group_as, two_members_open

pytestmark = pytest.mark.e2e


def test_a_rename_by_another_member_reaches_an_open_page(
    server: Server, new_page: OpenPage
) -> None:
    _group_id, (_alice, _bob), (alice_page, bob_page) = two_members_open(server, new_page)

    alice_page.get_by_role("button", name="Rename").click()
    alice_page.get_by_label("New group name").fill("Q3 launch")
    alice_page.get_by_role("button", name="Save").click()

    expect(bob_page.locator("#group-title")).to_have_text("Q3 launch", timeout=2000)
    expect(bob_page).to_have_title("Q3 launch · Channels chat")
    expect(bob_page.locator(".group-link")).to_have_text("Q3 launch")


def offered(page: Page, username: str) -> list[str]:
    """What the page offers on a member's row: its buttons and role menu."""
    row = page.locator(f".member[data-username='{username}']")
    expect(row).to_be_visible()
    buttons = row.get_by_role("button").all_text_contents()
    return buttons + ["role menu"] * row.get_by_role("combobox").count()


def test_a_role_change_reaches_an_open_page_which_offers_only_what_the_role_allows(
    server: Server, new_page: OpenPage
) -> None:
    """Bob, a plain member, has the chat open while Alice (owner) makes him an admin,
    then an owner. His page follows each change without a reload: as a member he may
    only leave; as an admin he renames, adds plain members and removes plain members,
    and is offered nothing on the owner (the server would refuse it); as an owner he
    also deletes the group and changes roles."""
    group_id, (alice, bob, carol) = create_group(server, "alice", ["bob", "carol"])
    alice_page = open_group_as(new_page(), server, alice, group_id)
    bob_page = open_group_as(new_page(), server, bob, group_id)
    rename = bob_page.get_by_role("button", name="Rename")
    delete = bob_page.get_by_role("button", name="Delete group")
    add_form = bob_page.locator("#add-member-form")

    expect(rename).to_be_hidden()
    expect(delete).to_be_hidden()
    expect(add_form).to_be_hidden()
    assert offered(bob_page, alice) == []
    assert offered(bob_page, carol) == []

    alice_page.get_by_label(f"Role of {bob}").select_option("admin")
    expect(rename).to_be_visible(timeout=2000)
    expect(delete).to_be_hidden()
    expect(add_form).to_be_visible()
    expect(bob_page.get_by_label("Role", exact=True)).to_be_hidden()
    assert offered(bob_page, alice) == []
    assert offered(bob_page, carol) == ["Remove"]
    assert offered(bob_page, bob) == ["Leave", f"Leave and block {alice}"]

    alice_page.get_by_label(f"Role of {bob}").select_option("owner")
    expect(delete).to_be_visible(timeout=2000)
    expect(bob_page.get_by_label("Role", exact=True)).to_be_visible()
    assert offered(bob_page, alice) == ["Remove", "role menu"]
    assert offered(bob_page, carol) == ["Remove", "role menu"]


def test_others_are_not_shown_online_while_the_pages_socket_is_down(
    server: Server, new_page: OpenPage
) -> None:
    """Bob sees Alice online; his page's socket is cut and cannot come back: his page
    no longer claims she is online (it cannot know)."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    open_group_as(new_page(), server, alice, group_id)
    bob_page = new_page()
    cut = False
    routes: list[WebSocketRoute] = []

    def route(ws: WebSocketRoute) -> None:
        if cut:
            ws.close(code=4000, reason="cut")
            return
        routes.append(ws)
        upstream = ws.connect_to_server()
        ws.on_message(upstream.send)
        upstream.on_message(ws.send)

    bob_page.route_web_socket(re.compile(r"/ws/chat/"), route)
    open_group_as(bob_page, server, bob, group_id)
    alices_row = bob_page.locator(f".member[data-username='{alice}']")
    expect(alices_row).to_have_class("member online", timeout=5000)

    cut = True
    routes[-1].close(code=4000, reason="cut")
    expect(bob_page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
    expect(alices_row).to_have_class("member")
