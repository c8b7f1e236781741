"""daphne's shutdown cancels every application instance, even when a connection
has none yet, and waits for every one to end (realtime.shutdown)."""

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


@pytest.mark.asyncio
async def test_shutdown_waits_for_every_application_not_only_the_first_to_end() -> None:
    """Two consumers are cancelled; one ends at once, the other leaves its groups first
    (a layer call after the cancellation): the wait ends only once both have."""
    leave_done = asyncio.Event()

    async def quick() -> None:
        await asyncio.Event().wait()

    async def leaving_its_groups() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await leave_done.wait()  # what RealtimeConsumer.__call__'s finally awaits

    server = Server.__new__(Server)
    tasks = [asyncio.ensure_future(quick()), asyncio.ensure_future(leaving_its_groups())]
    await asyncio.sleep(0)  # both started
    server.connections = {
        name: {"connected": 0.0, "application_instance": task}
        for name, task in zip(["first", "second"], tasks, strict=True)
    }

    waited = server.kill_all_applications()
    await asyncio.wait([tasks[0]], timeout=3)
    assert tasks[0].cancelled()
    assert not waited.called  # still waiting for the one leaving its groups
    leave_done.set()
    await asyncio.wait_for(waited.asFuture(asyncio.get_running_loop()), timeout=3)
    assert tasks[1].cancelled()
