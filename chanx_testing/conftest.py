"""What the app's own tests need from pytest, wherever the app is copied.

A host project registers chanx_testing.pytest_plugin for its own tests (see README.md); the
fixtures and the hook imported here make the app's tests independent of whether it did (a
hook found twice runs once: the first to answer wins). The ``asyncio`` marker is declared
when pytest-asyncio is absent, so that the one test marked for it is collected under
``--strict-markers`` too (the plugin then runs it like any other async test).
"""

import pytest

from chanx_testing.pytest_plugin import (  # noqa: F401
    pytest_pyfunc_call,
    ws_communicator,
    ws_communicator_factory,
    ws_headers,
    ws_path,
    ws_router,
    ws_subprotocols,
)


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.hasplugin("asyncio"):
        config.addinivalue_line("markers", "asyncio: run by pytest-asyncio where installed")
