"""The pytest fixtures: the test case's powers for plain async test functions."""

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import override_settings

from chanx_testing import CommunicatorFactory, WebsocketCommunicator
from chanx_testing.auth import aforce_login_headers
from chanx_testing.discovery import ASGIApp
from chanx_testing.protocol import Headers
from chanx_testing.tests.asgi import ORIGIN_HEADER, router
from chanx_testing.tests.consumers import Broadcast, Ping, events
from chanx_testing.tests.users import make_user

PONG = {"action": "pong", "payload": None}


@pytest.fixture
def ws_router() -> ASGIApp:
    return router


@pytest.fixture
def ws_path() -> str:
    return "/ws/echo/"


async def test_ws_communicator_has_the_default_path(ws_communicator: WebsocketCommunicator) -> None:
    await ws_communicator.connect()
    await ws_communicator.assert_authenticated_status_ok()
    await ws_communicator.send_message(Ping())
    assert await ws_communicator.receive_all_json() == [PONG]


async def test_the_factory_makes_communicators_for_several_users(
    ws_communicator_factory: CommunicatorFactory,
) -> None:
    first = ws_communicator_factory("/ws/room/plugin/")
    second = ws_communicator_factory("/ws/room/plugin/")
    for communicator in (first, second):
        await communicator.connect()
        await communicator.assert_authenticated_status_ok()
    await first.send_message(Broadcast(payload={"n": 1}))
    assert [m["is_mine"] for m in await first.receive_all_json(wait_group=True)] == [True]
    assert [m["is_mine"] for m in await second.receive_all_json(wait_group=True)] == [False]


async def test_aclose_disconnects_every_communicator_and_raises_what_a_consumer_raised(
    ws_communicator_factory: CommunicatorFactory,
) -> None:
    calm, crashing = ws_communicator_factory(), ws_communicator_factory()
    for communicator in (calm, crashing):
        await communicator.connect()
        await communicator.assert_authenticated_status_ok()
    await crashing.send_json_to({"action": "crash"})
    events.clear()
    with pytest.raises(RuntimeError, match="exploded on purpose"):
        await ws_communicator_factory.aclose()
    assert events == ["disconnect /ws/echo/"]  # the crashed one never got to disconnect
    assert len(ws_communicator_factory) == 0


@pytest.mark.django_db
async def test_orm_work_shares_the_tests_transaction_with_the_consumer(
    ws_communicator_factory: CommunicatorFactory,
) -> None:
    user = await sync_to_async(make_user)("carol")
    communicator = ws_communicator_factory("/ws/user/", headers=await aforce_login_headers(user))
    await communicator.connect()
    assert (await communicator.wait_for_auth()).payload.data == {"username": "carol@example.com"}


async def test_run_then_close_reports_what_the_test_and_the_consumers_did(
    ws_communicator_factory: CommunicatorFactory,
) -> None:
    """The hook runs each async test through run_then_close; here it is run by hand."""

    async def crashes_the_consumer_and_looks_away() -> None:
        communicator = ws_communicator_factory()
        await communicator.connect()
        await communicator.send_json_to({"action": "crash"})

    async def fails_after_crashing_the_consumer() -> None:
        await crashes_the_consumer_and_looks_away()
        raise AssertionError("the test failed on purpose")

    with pytest.raises(RuntimeError, match="exploded on purpose") as crash:
        await ws_communicator_factory.run_then_close(crashes_the_consumer_and_looks_away)
    assert "raised this after the test" in "".join(crash.value.__notes__)

    with pytest.raises(AssertionError, match="failed on purpose") as failure:
        await ws_communicator_factory.run_then_close(fails_after_crashing_the_consumer)
    assert "Closing the communicators also failed: RuntimeError(" in "".join(
        failure.value.__notes__
    )
    assert len(ws_communicator_factory) == 0


class TestDiscoveredApplication:
    """Overriding fixtures in a class: discovery from the settings, headers from a fixture."""

    @pytest.fixture
    def ws_router(self) -> None:
        return None

    @pytest.fixture
    def ws_headers(self) -> Headers:
        return [ORIGIN_HEADER]

    @pytest.fixture(autouse=True)
    def asgi_application(self) -> Iterator[None]:
        # Not pytest-django's `settings` fixture: its type is named Settings only from 4.13.
        with override_settings(ASGI_APPLICATION="chanx_testing.tests.asgi.application"):
            yield

    async def test_headers_come_from_the_ws_headers_fixture(
        self, ws_communicator: WebsocketCommunicator
    ) -> None:
        assert await ws_communicator.connect() == (True, None)
        await ws_communicator.assert_authenticated_status_ok()


@pytest.mark.asyncio
async def test_a_test_marked_for_pytest_asyncio_works_with_or_without_it(
    ws_communicator: WebsocketCommunicator,
) -> None:
    """pytest-asyncio, where installed, runs it in its own loop; the fixture cleans up after."""
    await ws_communicator.connect()
    await ws_communicator.assert_authenticated_status_ok()
    await ws_communicator.send_message(Ping())
    assert await ws_communicator.receive_all_json() == [PONG]


def test_a_sync_test_may_drive_the_fixtures_through_async_to_sync(
    ws_communicator: WebsocketCommunicator,
) -> None:
    """The test's loop is gone at teardown, as under pytest-asyncio: the fixture checks alone."""

    async def scenario() -> Any:
        await ws_communicator.connect()
        await ws_communicator.assert_authenticated_status_ok()
        await ws_communicator.send_message(Ping())
        return await ws_communicator.receive_all_json()

    assert async_to_sync(scenario)() == [PONG]
