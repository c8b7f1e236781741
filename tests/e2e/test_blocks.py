"""Added to a group without being asked: the member leaves it and blocks who added them,
from the members panel; the adder can no longer add them, and the account page lists
the block with a way to lift it."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OpenPage, Server, two_members_open

pytestmark = pytest.mark.e2e


def test_a_member_leaves_and_blocks_the_adder_who_then_cannot_add_them(
    server: Server, new_page: OpenPage
) -> None:
    _group_id, (alice, bob), (alice_page, bob_page) = two_members_open(server, new_page)

    mine = bob_page.locator(f".member[data-username='{bob}']")
    mine.get_by_role("button", name=f"Leave and block {alice}").click()

    expect(bob_page).to_have_url(f"{server.url}/groups/")
    expect(alice_page.locator(f".member[data-username='{bob}']")).to_have_count(0)
    alice_page.get_by_placeholder("Username").fill(bob)
    alice_page.get_by_role("button", name="Add").click()
    expect(alice_page.locator("#member-error")).to_have_text(
        f"{bob} does not accept being added to groups by you."
    )

    bob_page.goto(f"{server.url}/account/")
    blocked = bob_page.locator(".blocked-user")
    expect(blocked).to_contain_text(alice)
    blocked.get_by_role("button", name="Unblock").click()
    expect(bob_page.locator("#blocked-none")).to_be_visible()
    alice_page.get_by_role("button", name="Add").click()
    expect(alice_page.locator(f".member[data-username='{bob}']")).to_have_count(1)


def test_the_groups_creator_and_its_owner_are_offered_no_block(
    server: Server, new_page: OpenPage
) -> None:
    """Nobody added the creator: their own row offers Leave only; a plain member sees
    Leave on their own row and nothing on the others'."""
    _group_id, (alice, bob), (alice_page, bob_page) = two_members_open(server, new_page)

    alice_row = alice_page.locator(f".member[data-username='{alice}']")
    expect(alice_row.get_by_role("button")).to_have_text(["Leave"])
    expect(
        bob_page.locator(f".member[data-username='{alice}']").get_by_role("button")
    ).to_have_count(0)
    expect(bob_page.locator(f".member[data-username='{bob}']").get_by_role("button")).to_have_text(
        ["Leave", f"Leave and block {alice}"]
    )
