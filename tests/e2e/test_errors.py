"""What went wrong, said as people say it: one sentence per field, under the field; the
password rules shown before the first try; names the user typed, not field names."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, OpenPage, Server, create_group, open_group_as

pytestmark = pytest.mark.e2e


def test_sign_up_errors_read_as_sentences_under_their_fields_after_the_rules_were_shown(
    server: Server, new_page: OpenPage
) -> None:
    page = new_page()
    page.goto(f"{server.url}/signup/")
    rules = page.locator("#password-rules")
    expect(rules).to_be_visible()
    expect(rules).to_contain_text("at least 8 characters")
    expect(page.get_by_label("Password")).to_have_attribute("aria-describedby", "password-rules")

    page.get_by_label("Username").fill("not a name!")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    username_problem = page.locator("#username-problem")
    expect(username_problem).to_have_text(
        "Enter a valid username. This value may contain only letters, numbers, and "
        "@/./+/-/_ characters."
    )
    expect(page.get_by_label("Username")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password-problem")).to_have_count(0)
    expect(page.locator("#signup-error")).to_be_hidden()

    page.get_by_label("Username").fill("fine-name-for-errors")
    page.get_by_label("Password").fill("12345")
    page.get_by_role("button", name="Sign up").click()
    password_problem = page.locator("#password-problem")
    expect(password_problem).to_contain_text("This password is too short.")
    expect(password_problem).to_contain_text("This password is entirely numeric.")
    expect(page.locator(".field-error")).to_have_count(1)
    expect(username_problem).to_have_count(0)
    expect(page.locator("#signup-error")).to_be_hidden()
    expect(page).to_have_url(f"{server.url}/signup/")


def test_adding_a_missing_user_says_there_is_no_user_by_that_name(
    server: Server, new_page: OpenPage
) -> None:
    group_id, (alice,) = create_group(server, "alice", [])
    page = open_group_as(new_page(), server, alice, group_id)
    page.get_by_placeholder("Username").fill("bobby-nobody")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#member-username-problem")).to_have_text("No user named bobby-nobody.")
    expect(page.locator("#member-error")).to_be_hidden()
