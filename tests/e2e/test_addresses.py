"""The addresses a page is opened at: ``bin/dev`` serves the chat at both of its names,
and a page at an address the server's Origin check refuses says so, in words.

A browser is told nothing when a WebSocket handshake is refused (the page sees a close
1006, no status, no reason), so the page has to know it by itself.
"""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import DevServer, OpenPage, create_group, log_in, open_group, say

pytestmark = pytest.mark.e2e

# A production address, set where the app runs locally (a copied .env, say).
PRODUCTION_URL = "https://chat.example.com"


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    """``bin/dev`` with nothing set: the development defaults."""
    with DevServer(tmp_path_factory.mktemp("dev")) as server:
        yield server


@pytest.fixture(scope="module")
def misconfigured_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    """``bin/dev`` with SERVER_URL naming another site: it serves the pages at
    127.0.0.1 (ALLOWED_HOSTS keeps the loopback names) but allows WebSockets only from
    SERVER_URL."""
    with DevServer(tmp_path_factory.mktemp("misconfigured"), SERVER_URL=PRODUCTION_URL) as server:
        yield server


def test_bin_dev_chats_at_127_0_0_1_with_a_member_at_localhost(
    dev_server: DevServer, new_page: OpenPage
) -> None:
    """The address runserver prints and the name bin/dev prints are one server."""
    group_id, (alice, bob) = create_group(dev_server, "alice", ["bob"])
    alice_page, bob_page = new_page(), new_page()
    log_in(alice_page, dev_server, alice)
    log_in(bob_page, dev_server, bob, url=dev_server.localhost_url)
    open_group(alice_page, dev_server, group_id)
    open_group(bob_page, dev_server, group_id, url=dev_server.localhost_url)

    say(alice_page, "Sent from 127.0.0.1")
    expect(bob_page.locator(".message", has_text="Sent from 127.0.0.1")).to_be_visible()
    say(bob_page, "Answered from localhost")
    expect(alice_page.locator(".message", has_text="Answered from localhost")).to_be_visible()
    expect(alice_page.locator("#address-refused")).to_be_hidden()


def expect_refusal_explained(page: Page, *words: str, connection_id: str = "connection") -> None:
    """``connection_id``: the connection line that says it (the open chat's by default;
    the list's is ``list-connection``)."""
    connection = page.locator(f"#{connection_id}")
    expect(connection).to_have_attribute("data-state", "refused")
    explanation = page.locator("#address-refused")
    expect(explanation).to_be_visible()
    for word in words:
        expect(explanation).to_contain_text(word)
    expect(connection).not_to_contain_text("reconnecting")


def test_a_page_at_an_address_the_server_does_not_allow_says_why(
    misconfigured_server: DevServer, new_page: OpenPage
) -> None:
    """The page compares its own origin with the origins the server allows (rendered
    from WEBSOCKET_ALLOWED_ORIGINS) and, refused, opens no socket and names the
    settings, the address that is allowed and a link to this page there."""
    group_id, (alice,) = create_group(misconfigured_server, "alice", [])
    page = new_page()
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    log_in(page, misconfigured_server, alice)
    page_origin = misconfigured_server.url

    expect_refusal_explained(
        page,
        page_origin,
        "WEBSOCKET_ALLOWED_ORIGINS",
        PRODUCTION_URL,
        connection_id="list-connection",
    )
    page.goto(f"{misconfigured_server.url}/groups/{group_id}/")
    expect_refusal_explained(page, page_origin, "SERVER_URL", PRODUCTION_URL)
    link = page.locator("#address-refused a")
    expect(link).to_have_attribute("href", f"{PRODUCTION_URL}/groups/{group_id}/")
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    assert sockets == []


def test_a_socket_refused_at_the_handshake_is_explained_too(
    misconfigured_server: DevServer, new_page: OpenPage
) -> None:
    """Whatever refuses the handshake (an Origin the page did not foresee, a proxy that
    does not pass WebSocket upgrades), the page sees its socket close before it ever
    opened while the server answers HTTP, and says so instead of reconnecting in
    silence. Here the page is told its address is allowed, and the server refuses."""
    group_id, (alice,) = create_group(misconfigured_server, "alice", [])
    page = new_page()
    log_in(page, misconfigured_server, alice)

    def believe_allowed(route: Route) -> None:
        response = route.fetch()
        body, told = re.subn(
            r'data-socket-origins="[^"]*"',
            f'data-socket-origins="{misconfigured_server.url}"',
            response.text(),
        )
        assert told == 1, "the page names the origins it may open sockets from"
        route.fulfill(response=response, body=body)

    page.route(f"{misconfigured_server.url}/groups/{group_id}/", believe_allowed)
    page.goto(f"{misconfigured_server.url}/groups/{group_id}/")
    expect_refusal_explained(page, "refused", "handshake", "WEBSOCKET_ALLOWED_ORIGINS")
