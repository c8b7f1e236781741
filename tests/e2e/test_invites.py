"""Invite links in the browser, two users: the owner makes a link in the members panel;
someone not logged in opens it, logs in, comes back to it and joins with one click; the
owner's panel shows them at once, and the link's count. A revoked link gets a page that
says so."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    PASSWORD,
    OpenPage,
    Server,
    create_group,
    create_user,
    log_in,
    open_group_as,
)

pytestmark = pytest.mark.e2e


def make_link(page: Page, *, most: str = "") -> str:
    """A link made in the open chat's members panel; its address."""
    panel = page.locator(".invite-links")
    before = panel.locator(".invite-link").count()
    panel.get_by_label("Expires after").select_option("1 day")
    panel.get_by_label("At most").fill(most)
    panel.get_by_role("button", name="Create link").click()
    expect(panel.locator(".invite-link")).to_have_count(before + 1)
    return panel.get_by_label("Invite link", exact=True).first.input_value()


def test_a_visitor_logs_in_through_the_link_and_joins_with_one_click(
    server: Server, new_page: OpenPage
) -> None:
    group_id, (alice,) = create_group(server, "alice", [])
    dave = create_user(server, "dave")
    alice_page = open_group_as(new_page(), server, alice, group_id)
    link = make_link(alice_page, most="2")
    assert link.startswith(f"{server.url}/invite/")

    dave_page = new_page()
    dave_page.goto(link)
    expect(dave_page.get_by_role("heading")).to_have_text("You are invited to Release planning")
    dave_page.get_by_role("link", name="Log in").click()
    dave_page.get_by_label("Username").fill(dave)
    dave_page.get_by_label("Password").fill(PASSWORD)
    dave_page.get_by_role("button", name="Log in").click()
    expect(dave_page).to_have_url(link)
    dave_page.get_by_role("button", name="Join Release planning").click()

    expect(dave_page).to_have_url(f"{server.url}/groups/{group_id}/")
    expect(dave_page.locator("#connection")).to_have_attribute("data-state", "live")
    expect(alice_page.locator(f".member[data-username='{dave}']")).to_have_count(1)
    expect(alice_page.locator(".invite-link")).to_contain_text("used 1 of 2")


def test_a_revoked_link_says_so_and_joins_nobody(server: Server, new_page: OpenPage) -> None:
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    erin = create_user(server, "erin")
    alice_page = open_group_as(new_page(), server, alice, group_id)
    link = make_link(alice_page)
    erin_page = new_page()
    log_in(erin_page, server, erin)
    erin_page.goto(link)
    expect(erin_page.get_by_role("button", name="Join Release planning")).to_be_enabled()

    alice_page.locator(".invite-link").get_by_role("button", name="Revoke").click()
    expect(alice_page.locator(".invite-link")).to_have_count(0)
    erin_page.get_by_role("button", name="Join Release planning").click()

    expect(erin_page.locator("#invite-error")).to_contain_text("revoked")
    erin_page.goto(link)
    expect(erin_page.locator("#invite-problem")).to_contain_text("revoked")
    bob_page = open_group_as(new_page(), server, bob, group_id)
    expect(bob_page.locator(".member")).to_have_count(2)
    expect(bob_page.locator(".invite-links")).to_be_hidden()
