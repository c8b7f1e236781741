"""The pytest fixtures for the app's own tests, wherever the app is copied.

A host project registers chanx_testing.pytest_plugin for its own tests (see README.md);
this makes the app's tests independent of whether it did.
"""

from chanx_testing.pytest_plugin import (  # noqa: F401
    ws_communicator,
    ws_communicator_factory,
    ws_headers,
    ws_path,
    ws_router,
    ws_subprotocols,
)
