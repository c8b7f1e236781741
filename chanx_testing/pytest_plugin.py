"""pytest fixtures that give plain test functions what WebsocketTestCase gives subclasses.

Register with ``-p chanx_testing.pytest_plugin``. Async tests run under pytest-asyncio
(``@pytest.mark.asyncio``); the communicator factory is an async fixture so that it closes
its communicators inside the test's own event loop, before that loop goes away.
Override ``ws_path``, ``ws_headers``, ``ws_subprotocols`` or ``ws_router`` to change defaults.
"""

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections

from chanx_testing.communicator import CommunicatorFactory, WebsocketCommunicator
from chanx_testing.discovery import ASGIApp
from chanx_testing.protocol import Headers


@pytest.fixture
def ws_path() -> str:
    """Path of communicators created without one."""
    return ""


@pytest.fixture
def ws_headers() -> Headers:
    """Handshake headers of communicators created without any (e.g. origin and cookie)."""
    return []


@pytest.fixture
def ws_subprotocols() -> list[str]:
    """Subprotocols offered by communicators created without any."""
    return []


@pytest.fixture
def ws_router() -> ASGIApp | None:
    """The application under test; None discovers it from settings.ASGI_APPLICATION."""
    return None


@pytest_asyncio.fixture
async def ws_communicator_factory(
    ws_path: str, ws_headers: Headers, ws_subprotocols: list[str], ws_router: ASGIApp | None
) -> AsyncIterator[CommunicatorFactory]:
    """Call it for a communicator; all of them are disconnected and checked after the test."""
    factory = CommunicatorFactory(ws_path, ws_headers, ws_subprotocols, ws_router)
    yield factory
    try:
        await factory.aclose()
    finally:
        # With the loop in pytest's own thread, consumers query the database from
        # sync_to_async's worker thread; left open, those connections keep the test
        # database from being dropped at the end of the session.
        await sync_to_async(connections.close_all)()


@pytest.fixture
def ws_communicator(ws_communicator_factory: CommunicatorFactory) -> WebsocketCommunicator:
    """One communicator with the default path, headers and subprotocols."""
    return ws_communicator_factory()
