"""pytest fixtures that give plain test functions what WebsocketTestCase gives subclasses.

Register with ``-p chanx_testing.pytest_plugin`` (the project root must be on ``sys.path``:
``pythonpath = .`` in pytest.ini) or ``pytest_plugins = ["chanx_testing.pytest_plugin"]`` in
the root conftest.py. Override ``ws_path``, ``ws_headers``, ``ws_subprotocols`` or
``ws_router`` to change the defaults.

An ``async def`` test that uses ``ws_communicator_factory`` (or ``ws_communicator``) is run by
this plugin the way Django runs an async TestCase method: through ``async_to_sync``, so its
event loop lives in a worker thread and ORM calls go back to the test's own thread (and its
database transaction, so the ``db`` fixture is enough). Its communicators are closed inside
that loop when the test ends. It needs no pytest-asyncio, and works beside anything that
leaves an event loop running in the main thread (Playwright's sync API does).
"""

import functools
import inspect
from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction

from chanx_testing.communicator import WebsocketCommunicator
from chanx_testing.discovery import ASGIApp
from chanx_testing.factory import CommunicatorFactory
from chanx_testing.protocol import Headers
from chanx_testing.transactions import commits_emulated
from chanx_testing.transport import connections_kept_open


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


@pytest.fixture
def ws_communicator_factory(
    ws_path: str, ws_headers: Headers, ws_subprotocols: list[str], ws_router: ASGIApp | None
) -> Iterator[CommunicatorFactory]:
    """Call it for a communicator; all of them are disconnected and checked after the test."""
    factory = CommunicatorFactory(ws_path, ws_headers, ws_subprotocols, ws_router)
    yield factory
    if len(factory):
        # A test this plugin did not run itself (say, under pytest-asyncio): its loop is
        # gone, so only a consumer's exception is left to report, and the layers to flush.
        async_to_sync(factory.aclose)()


@pytest.fixture
def ws_communicator(ws_communicator_factory: CommunicatorFactory) -> WebsocketCommunicator:
    """One communicator with the default path, headers and subprotocols."""
    return ws_communicator_factory()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run an async test that uses the communicator factory, closing it in the test's loop."""
    test = pyfuncitem.obj
    if not iscoroutinefunction(test) or "ws_communicator_factory" not in pyfuncitem.fixturenames:
        return None
    factory = pyfuncitem.funcargs["ws_communicator_factory"]
    assert isinstance(factory, CommunicatorFactory)
    arguments = {name: pyfuncitem.funcargs[name] for name in inspect.signature(test).parameters}
    with connections_kept_open(), commits_emulated():
        async_to_sync(factory.run_then_close)(functools.partial(test, **arguments))
    return True
