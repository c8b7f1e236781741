"""The account pages in a real browser: sign up and chat, a refused login, a
password change, and the attacks on login (CSRF, an off-site ``next``)."""

import itertools

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, OpenPage, Server, open_group, say

pytestmark = pytest.mark.e2e

_names = itertools.count()


def sign_up(page: Page, server: Server, name: str) -> str:
    username = f"{name}-signup{next(_names)}"
    page.goto(f"{server.url}/login/")
    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(f"{server.url}/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail (optional)").fill(f"{username}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(f"{server.url}/groups/")
    expect(page.locator("#whoami")).to_have_text(f"Signed in as {username}")
    return username


def test_sign_up_create_a_group_and_chat(server: Server, new_page: OpenPage) -> None:
    erin_page, frank_page = new_page(), new_page()
    sign_up(erin_page, server, "erin")
    frank = sign_up(frank_page, server, "frank")

    erin_page.get_by_label("Group name").fill("Signed-up group")
    erin_page.get_by_role("button", name="Create").click()
    erin_page.get_by_role("link", name="Signed-up group").click()
    expect(erin_page.locator("#connection")).to_have_attribute("data-state", "live")
    group_id = int(erin_page.url.rstrip("/").rsplit("/", 1)[1])
    erin_page.get_by_placeholder("Username").fill(frank)
    erin_page.get_by_role("button", name="Add").click()
    expect(erin_page.locator(f".member[data-username='{frank}']")).to_be_visible()

    open_group(frank_page, server, group_id)
    say(erin_page, "Welcome aboard")
    expect(frank_page.locator(".message", has_text="Welcome aboard")).to_be_visible(timeout=1000)
    say(frank_page, "Glad to be here")
    expect(erin_page.locator(".message", has_text="Glad to be here")).to_be_visible(timeout=1000)


def test_a_wrong_password_shows_an_error(server: Server, new_page: OpenPage) -> None:
    page = new_page()
    username = sign_up(page, server, "grace")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{server.url}/login/")

    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#login-error")).to_have_text("Wrong username or password.")
    expect(page).to_have_url(f"{server.url}/login/")


def test_a_password_change_from_the_account_page(server: Server, new_page: OpenPage) -> None:
    """A wrong current password is explained and changes nothing; the right one
    changes it, the page stays logged in, and the next login needs the new one."""
    page = new_page()
    username = sign_up(page, server, "ivan")
    page.get_by_role("link", name="Account").click()
    expect(page).to_have_url(f"{server.url}/account/")
    new_password = f"{PASSWORD}-renewed"

    page.get_by_label("Current password").fill("not-the-password")
    page.get_by_label("New password").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#old-password-problem")).to_be_visible()
    expect(page.locator("#password-done")).to_be_hidden()

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#password-done")).to_be_visible()
    expect(page.locator(".field-error")).to_have_count(0)
    page.goto(f"{server.url}/groups/")
    expect(page.locator("#whoami")).to_have_text(f"Signed in as {username}")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-error")).to_be_visible()
    page.get_by_label("Password").fill(new_password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server.url}/groups/")


EVIL = "http://evil.example/"


def test_a_login_form_on_another_site_cannot_log_the_victim_in(
    server: Server, new_page: OpenPage
) -> None:
    """Login CSRF: a foreign page auto-posts the attacker's credentials to the login
    endpoint from the victim's browser, which has been to the site (it holds a
    csrftoken cookie, but the foreign page can neither read it nor send it)."""
    attacker = sign_up(new_page(), server, "mallory")
    victim = new_page()
    victim.goto(f"{server.url}/login/")
    form = (
        f'<form id="f" method="post" action="{server.url}/api/auth/login/">'
        f'<input name="username" value="{attacker}">'
        f'<input name="password" value="{PASSWORD}"></form>'
        "<script>document.getElementById('f').submit()</script>"
    )
    victim.route(EVIL, lambda route: route.fulfill(content_type="text/html", body=form))
    with victim.expect_response(f"{server.url}/api/auth/login/") as posted:
        victim.goto(EVIL)
    assert posted.value.status == 403
    assert all(cookie["name"] != "jwt_auth_cookie" for cookie in victim.context.cookies(server.url))
    victim.goto(f"{server.url}/groups/")
    expect(victim).to_have_url(f"{server.url}/login/?next=%2Fgroups%2F")


def test_next_that_leads_off_site_stays_on_the_site(server: Server, new_page: OpenPage) -> None:
    page = new_page()
    # Should the page ever follow it, the foreign site answers at once (no DNS wait).
    page.route(f"{EVIL}**", lambda route: route.fulfill(body="evil"))
    username = sign_up(page, server, "heidi")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{server.url}/login/")

    page.goto(f"{server.url}/login/?next=/%09/evil.example/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server.url}/groups/")
    expect(page.locator("#whoami")).to_have_text(f"Signed in as {username}")


def test_a_name_that_differs_only_in_case_or_width_is_refused_as_taken(
    server: Server, new_page: OpenPage
) -> None:
    """Hank signed up; someone tries his name in capitals, then in fullwidth letters: the
    page says each is taken, as a sentence under the field, and nobody is signed in."""
    hank = sign_up(new_page(), server, "hank")
    page = new_page()
    page.goto(f"{server.url}/signup/")
    fullwidth = "".join(chr(ord(char) + 0xFEE0) for char in hank)  # stored as NFKC makes it
    for look_alike, told in (
        (hank.upper(), f"The username {hank.upper()} is taken: {hank} already exists"),
        (fullwidth, f"The username {hank} is already taken."),
    ):
        page.get_by_label("Username").fill(look_alike)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page.locator("#username-problem")).to_contain_text(told)
        expect(page).to_have_url(f"{server.url}/signup/")
