"""Every page at a phone's width (375 CSS pixels): nothing wider than the screen,
nothing sticking out of its card."""

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import (
    PHONE,
    OpenPage,
    Server,
    create_group,
    log_in,
    open_group_as,
    save_screenshot,
    say,
)

pytestmark = pytest.mark.e2e

# Usernames may be 150 characters long, without a space where a line could break.
LONG_NAME = "alexandra.konstantinopoulou-papadimitriou"


def assert_fits_the_screen(page: Page) -> None:
    """Nothing scrolls sideways: the document is no wider than the viewport."""
    widths = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > clientWidth {widths[1]}"


CONTENT_BOX = """element => {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    const inset = (side) =>
        parseFloat(style[`border${side}Width`]) + parseFloat(style[`padding${side}`]);
    return [box.left + inset('Left'), box.right - inset('Right')];
}"""


def assert_inside(inner: Locator, outer: Locator) -> None:
    """``inner`` lies across within ``outer``'s content box (its padding kept clear)."""
    box = inner.bounding_box()
    assert box is not None
    left, right = outer.evaluate(CONTENT_BOX)
    # Half a pixel for layout rounding.
    assert left - 0.5 <= box["x"], (box, left, right)
    assert box["x"] + box["width"] <= right + 0.5, (box, left, right)


@pytest.mark.parametrize("path", ["/login/", "/signup/"])
def test_the_entry_pages_fit_a_phone(server: Server, new_page: OpenPage, path: str) -> None:
    page = new_page(PHONE)
    page.goto(f"{server.url}{path}")
    expect(page.locator("form button[type='submit']")).to_be_enabled()
    assert_fits_the_screen(page)
    assert_inside(page.locator("form button[type='submit']"), page.locator(".card"))


def test_the_groups_page_fits_a_phone_and_create_stays_in_its_card(
    server: Server, new_page: OpenPage
) -> None:
    """The Create button next to the group name's field stays inside its card."""
    _, (alice,) = create_group(server, LONG_NAME, [])
    page = new_page(PHONE)
    log_in(page, server, alice)
    expect(page.locator(".group-item")).to_have_count(1)
    assert_fits_the_screen(page)
    create = page.get_by_role("button", name="Create")
    assert_inside(create, page.locator(".card", has=create))
    save_screenshot(page, "groups-phone.png")


def test_the_group_page_fits_a_phone(server: Server, new_page: OpenPage) -> None:
    """A long unbroken word and a long link wrap inside their message; the header's
    name, actions and connection state, the forms and the members panel fit."""
    group_id, (alice, bob) = create_group(server, LONG_NAME, ["bob"])
    page = open_group_as(new_page(PHONE), server, alice, group_id)
    say(page, "https://example.com/" + "a-very-long-path-" * 8 + " and " + "x" * 80)
    expect(page.locator(".message")).to_have_count(1)
    expect(page.locator(f".member[data-username='{bob}']")).to_be_visible()
    assert_fits_the_screen(page)
    for inner in [page.locator(".message"), page.get_by_role("button", name="Send")]:
        assert_inside(inner, page.locator(".conversation"))
    save_screenshot(page, "group-phone.png")

    page.get_by_role("button", name="Rename").click()
    assert_fits_the_screen(page)
    assert_inside(page.get_by_role("button", name="Save"), page.locator(".conversation"))


def test_the_account_page_fits_a_phone(server: Server, new_page: OpenPage) -> None:
    """The top bar's "Signed in as" with a long username wraps within the screen."""
    _, (alice,) = create_group(server, LONG_NAME, [])
    page = new_page(PHONE)
    log_in(page, server, alice)
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("button", name="Change password")).to_be_enabled()
    assert_fits_the_screen(page)
    password_card = page.locator(".card", has=page.locator("#password-form"))
    assert_inside(page.get_by_role("button", name="Change password"), password_card)
