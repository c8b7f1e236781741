"""The group page's header: renaming the group (owners and admins) and deleting it
(owners), with the server's refusals shown."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    OpenPage,
    Server,
    create_group,
    log_in,
    open_group,
    open_group_as,
    save_screenshot,
)

pytestmark = pytest.mark.e2e


def set_role(server: Server, group_id: int, username: str, role: str) -> None:
    """Change a role behind the page's back, as another owner would."""
    server.run_django(
        "from chat.models import ChatMember; "
        f"ChatMember.objects.filter(group_chat_id={group_id}, user__username={username!r})"
        f".update(role={role!r}); print('null')"
    )


def group_names(server: Server, group_id: int) -> list[str]:
    names: list[str] = server.run_django(
        "import json; from chat.models import GroupChat; print(json.dumps(list("
        f"GroupChat.objects.filter(pk={group_id}).values_list('name', flat=True))))"
    )
    return names


def rename(page: Page, name: str) -> None:
    page.get_by_role("button", name="Rename").click()
    page.get_by_label("New group name").fill(name)
    page.get_by_role("button", name="Save").click()


@pytest.mark.parametrize(
    ("role", "can_rename", "can_delete"),
    [("owner", True, True), ("admin", True, False)],
)
def test_the_header_offers_what_the_role_allows(
    server: Server, new_page: OpenPage, role: str, can_rename: bool, can_delete: bool
) -> None:
    """Owners rename and delete, admins only rename."""
    group_id, (_, bob) = create_group(server, "alice", ["bob"])
    set_role(server, group_id, bob, role)
    page = open_group_as(new_page(), server, bob, group_id)
    expect(page.get_by_role("button", name="Rename")).to_be_visible(visible=can_rename)
    expect(page.get_by_role("button", name="Delete group")).to_be_visible(visible=can_delete)


def test_the_owner_renames_the_group(server: Server, new_page: OpenPage) -> None:
    group_id, (alice,) = create_group(server, "alice", [])
    page = open_group_as(new_page(), server, alice, group_id)

    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_label("New group name")).to_have_value("Release planning")
    save_screenshot(page, "group-rename.png")
    page.get_by_label("New group name").fill("  Q3 launch ")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#group-title")).to_have_text("Q3 launch")
    expect(page).to_have_title("Q3 launch · Channels chat")
    expect(page.get_by_label("New group name")).to_be_hidden()
    assert group_names(server, group_id) == ["Q3 launch"]


def test_a_refused_rename_shows_the_servers_reason(server: Server, new_page: OpenPage) -> None:
    """An empty name is refused by the server (the field's reason shown), and so is a
    rename by someone no longer an owner or admin; the name stays."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    page = open_group_as(new_page(), server, alice, group_id)

    rename(page, "   ")
    expect(page.locator("#group-error")).to_have_text("A group needs a name.")

    set_role(server, group_id, bob, "owner")
    set_role(server, group_id, alice, "member")
    page.get_by_label("New group name").fill("Taken over")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#group-error")).to_have_text("Only owners and admins rename.")
    expect(page.locator("#group-title")).to_have_text("Release planning")
    assert group_names(server, group_id) == ["Release planning"]


def test_the_owner_deletes_the_group_and_a_member_with_it_open_loses_it(
    server: Server, new_page: OpenPage
) -> None:
    """Alice confirms the deletion and is taken to her groups, where it is gone; Bob,
    who has the group open, sees at once that it no longer exists."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    alice_page, bob_page = new_page(), new_page()
    log_in(alice_page, server, alice)
    log_in(bob_page, server, bob)
    open_group(alice_page, server, group_id)
    open_group(bob_page, server, group_id)

    alice_page.get_by_role("button", name="Delete group").click()
    expect(alice_page.locator("#delete-confirm")).to_contain_text("for every member")
    alice_page.get_by_role("button", name="Delete for everyone").click()

    expect(alice_page).to_have_url(f"{server.url}/groups/")
    expect(alice_page.locator("#groups-empty")).to_be_visible()
    expect(bob_page.locator("#access-denied")).to_be_visible()
    assert group_names(server, group_id) == []


def test_cancelling_the_deletion_keeps_the_group(server: Server, new_page: OpenPage) -> None:
    group_id, (alice,) = create_group(server, "alice", [])
    page = open_group_as(new_page(), server, alice, group_id)

    page.get_by_role("button", name="Delete group").click()
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#delete-confirm")).to_be_hidden()
    expect(page.get_by_role("button", name="Delete group")).to_be_visible()
    assert group_names(server, group_id) == ["Release planning"]


def test_a_refused_deletion_shows_the_servers_reason(server: Server, new_page: OpenPage) -> None:
    """Alice was made an admin after her page loaded: the server refuses, the page says
    why and stays on the group."""
    group_id, (alice, bob) = create_group(server, "alice", ["bob"])
    page = open_group_as(new_page(), server, alice, group_id)
    set_role(server, group_id, bob, "owner")
    set_role(server, group_id, alice, "admin")

    page.get_by_role("button", name="Delete group").click()
    page.get_by_role("button", name="Delete for everyone").click()

    expect(page.locator("#group-error")).to_have_text("Only owners delete a group chat.")
    expect(page).to_have_url(f"{server.url}/groups/{group_id}/")
    expect(page.locator("#chat")).to_be_visible()
    assert group_names(server, group_id) == ["Release planning"]
