"""The client address behind a proxy (``config.asgi.with_client_address``).

X-Forwarded-For is believed only when the connection comes from a peer in
``TRUSTED_PROXIES``, and then read from the right, past every trusted proxy: what a
client wrote into the header itself is never its address. HTTP requests and WebSocket
handshakes alike. The throttles (and their log lines) count the address found.

The suite trusts ``SUITE_PROXIES`` (config/settings_test.py), documentation networks
that no real peer has.
"""

import asyncio
import logging
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from config.asgi import application, with_client_address

PROXY = "192.0.2.10"  # in 192.0.2.0/24, trusted by the suite
INNER_PROXY = "198.51.100.20"  # in 198.51.100.0/24, trusted by the suite: a second hop
STRANGER = "203.0.113.99"  # a peer no setting trusts
CLIENT = "203.0.113.7"
FORGED = "203.0.113.66"
SCOPE_TYPES = ["http", "websocket"]


def test_the_suite_trusts_its_documentation_networks_only() -> None:
    assert settings.TRUSTED_PROXIES == ["192.0.2.0/24", "198.51.100.0/24"]


async def client_seen(
    scope_type: str, peer: str, forwarded: list[str] | None, scheme: str = "http"
) -> tuple[str, str]:
    """The client address and scheme the wrapped application gets, for a connection
    from ``peer`` carrying ``X-Forwarded-For: <forwarded>`` and X-Forwarded-Proto https."""
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.update(scope)

    headers = [(b"x-forwarded-proto", b"https")]
    if forwarded is not None:
        headers.append((b"x-forwarded-for", ", ".join(forwarded).encode()))
    scope = {"type": scope_type, "client": (peer, 50123), "scheme": scheme, "headers": headers}
    wrapped: Any = with_client_address(app)  # an ASGI app; uvicorn types its scopes narrowly
    await wrapped(scope, None, None)
    return seen["client"][0], seen["scheme"]


@pytest.mark.asyncio
@pytest.mark.parametrize("scope_type", SCOPE_TYPES)
async def test_a_trusted_proxy_names_the_client(scope_type: str) -> None:
    address, scheme = await client_seen(scope_type, PROXY, [CLIENT])
    assert address == CLIENT
    assert scheme == ("https" if scope_type == "http" else "wss")


@pytest.mark.asyncio
@pytest.mark.parametrize("scope_type", SCOPE_TYPES)
async def test_any_other_peer_is_the_client_whatever_it_sends(scope_type: str) -> None:
    assert await client_seen(scope_type, STRANGER, [CLIENT]) == (STRANGER, "http")


@pytest.mark.asyncio
@pytest.mark.parametrize("scope_type", SCOPE_TYPES)
async def test_an_address_the_client_forged_is_left_of_the_one_the_proxy_saw(
    scope_type: str,
) -> None:
    """The client sent ``X-Forwarded-For: FORGED``; the proxy appended the address the
    connection came from."""
    address, _ = await client_seen(scope_type, PROXY, [FORGED, CLIENT])
    assert address == CLIENT


@pytest.mark.asyncio
@pytest.mark.parametrize("scope_type", SCOPE_TYPES)
async def test_two_trusted_hops_are_walked_past(scope_type: str) -> None:
    """client -> INNER_PROXY (appends CLIENT) -> PROXY (appends INNER_PROXY) -> daphne."""
    address, _ = await client_seen(scope_type, PROXY, [FORGED, CLIENT, INNER_PROXY])
    assert address == CLIENT


@pytest.mark.asyncio
async def test_an_untrusted_hop_is_as_far_as_the_walk_goes() -> None:
    """A proxy not in TRUSTED_PROXIES could have written anything left of it: the
    address it connected from is the client, as far as the app can tell."""
    with override_settings(TRUSTED_PROXIES=["192.0.2.0/24"]):
        address, _ = await client_seen("http", PROXY, [FORGED, CLIENT, INNER_PROXY])
    assert address == INNER_PROXY


@pytest.mark.asyncio
async def test_by_default_nobody_is_trusted() -> None:
    with override_settings(TRUSTED_PROXIES=[]):
        assert await client_seen("http", "127.0.0.1", [CLIENT]) == ("127.0.0.1", "http")


# The production application, end to end: Django's request, DRF's throttle, the log line.

CSRF_TOKEN = "a" * 32  # any 32 letters and digits, the same in the cookie and the header


def new_address() -> str:
    """A client address nothing has counted yet (the cache may be a shared Redis)."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


async def failed_login(peer: str, forwarded: str) -> int:
    """POST a wrong password to /api/auth/login/ through ``config.asgi.application`` from
    ``peer`` with ``X-Forwarded-For: forwarded``; the status answered."""
    body = b'{"username": "nobody-here", "password": "wrong"}'
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/auth/login/",
        "raw_path": b"/api/auth/login/",
        "query_string": b"",
        "headers": [
            (b"host", b"localhost"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"cookie", f"csrftoken={CSRF_TOKEN}".encode()),
            (b"x-csrftoken", CSRF_TOKEN.encode()),
            (b"x-forwarded-for", forwarded.encode()),
        ],
        "client": (peer, 50123),
        "server": ("localhost", 8000),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # no disconnect: Django cancels this once it answers
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async with asyncio.timeout(10):
        await application(scope, receive, send)
    assert sent[0]["type"] == "http.response.start", sent
    status: int = sent[0]["status"]
    return status


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_behind_the_proxy_each_client_has_its_own_login_budget(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limit = 3
    first, second = new_address(), new_address()
    with override_settings(
        AUTH_THROTTLE_RATES={**settings.AUTH_THROTTLE_RATES, "login.address": f"{limit}/min"}
    ):
        for _ in range(limit):
            assert await failed_login(PROXY, first) == 401
        with caplog.at_level(logging.WARNING, logger="accounts.throttles"):
            assert await failed_login(PROXY, first) == 429
        # Through the same proxy, another client is another address.
        assert await failed_login(PROXY, second) == 401
        # The first client's own X-Forwarded-For does not make it someone new.
        assert await failed_login(PROXY, f"{new_address()}, {first}") == 429
    assert f"Throttled login.address ({limit}/min) for client {first}" in caplog.text


def test_http_and_websocket_both_get_the_client_address() -> None:
    for protocol in ("http", "websocket"):
        entry = application.application_mapping[protocol]
        assert isinstance(entry, ProxyHeadersMiddleware), protocol
        assert PROXY in entry.trusted_hosts
        assert STRANGER not in entry.trusted_hosts
