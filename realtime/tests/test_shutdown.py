"""daphne's shutdown cancels every application instance, even when a connection
has none yet (realtime.shutdown)."""

import asyncio

import pytest
from daphne.server import Server

import config.asgi  # noqa: F401 - installs the shutdown fix, as every server does
from realtime import shutdown


@pytest.mark.asyncio
async def test_shutdown_cancels_every_application_even_beside_a_bare_connection() -> None:
    assert Server.kill_all_applications is shutdown.kill_all_applications
    forever = asyncio.Event()
    running = asyncio.ensure_future(forever.wait())
    finished = asyncio.get_running_loop().create_future()
    finished.set_result(None)
    server = Server.__new__(Server)  # only ``connections`` is read
    server.connections = {
        "http socket, no request read yet": {"connected": 0.0},
        "websocket": {"connected": 0.0, "application_instance": running},
        "finished request": {"connected": 0.0, "application_instance": finished},
    }

    waited = server.kill_all_applications()

    # Twisted's wait for the shutdown ends once every application has stopped.
    await asyncio.wait_for(waited.asFuture(asyncio.get_running_loop()), timeout=3)
    assert running.cancelled()
