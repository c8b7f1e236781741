"""Gives the app's own tests the pytest fixtures.

``-p chanx_testing.pytest_plugin`` in addopts is imported before pytest puts the project on
``sys.path`` (so it fails when pytest runs as ``.venv/bin/pytest``); a project registers the
plugin from its root ``conftest.py`` instead (see README.md).
"""

from chanx_testing.pytest_plugin import (  # noqa: F401
    ws_communicator,
    ws_communicator_factory,
    ws_headers,
    ws_path,
    ws_router,
    ws_subprotocols,
)
