"""The members panel updates live for the other members."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OpenPage, Server, create_group, create_user, log_in, open_group

pytestmark = pytest.mark.e2e


def test_a_member_added_changed_and_removed_shows_on_another_members_page(
    server: Server, new_page: OpenPage
) -> None:
    """Alice (owner) adds Dave, makes him admin, then removes him: Bob's panel follows
    each change without a reload."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    dave = create_user(server, "dave")
    alice_page, bob_page = new_page(), new_page()
    log_in(alice_page, server, alice)
    log_in(bob_page, server, bob)
    open_group(alice_page, server, group_id)
    open_group(bob_page, server, group_id)

    alice_page.get_by_placeholder("Username").fill(dave)
    alice_page.get_by_role("button", name="Add").click()
    row = bob_page.locator(f".member[data-username='{dave}']")
    expect(row).to_contain_text("member", timeout=2000)

    alice_page.get_by_label(f"Role of {dave}").select_option("admin")
    expect(row).to_contain_text("admin", timeout=2000)

    alice_page.locator(f".member[data-username='{dave}']").get_by_role(
        "button", name="Remove"
    ).click()
    expect(row).to_have_count(0, timeout=2000)
