"""The pytest fixtures: the test case's powers for plain async test functions."""

import pytest
from django.contrib.auth import get_user_model
from pytest_django.fixtures import Settings

from chanx_testing import CommunicatorFactory, WebsocketCommunicator
from chanx_testing.auth import aforce_login_headers
from chanx_testing.discovery import ASGIApp
from chanx_testing.protocol import Headers
from chanx_testing.tests.asgi import ORIGIN_HEADER, router
from chanx_testing.tests.consumers import Broadcast, Ping, events

PONG = {"action": "pong", "payload": None}


@pytest.fixture
def ws_router() -> ASGIApp:
    return router


@pytest.fixture
def ws_path() -> str:
    return "/ws/echo/"


@pytest.mark.asyncio
async def test_ws_communicator_has_the_default_path(ws_communicator: WebsocketCommunicator) -> None:
    await ws_communicator.connect()
    await ws_communicator.assert_authenticated_status_ok()
    await ws_communicator.send_message(Ping())
    assert await ws_communicator.receive_all_json() == [PONG]


@pytest.mark.asyncio
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


@pytest.mark.asyncio
async def test_aclose_disconnects_every_communicator_and_raises_what_a_consumer_raised() -> None:
    factory = CommunicatorFactory("/ws/echo/", router=router)
    calm, crashing = factory(), factory()
    for communicator in (calm, crashing):
        await communicator.connect()
        await communicator.assert_authenticated_status_ok()
    await crashing.send_json_to({"action": "crash"})
    events.clear()
    with pytest.raises(RuntimeError, match="exploded on purpose"):
        await factory.aclose()
    assert events == ["disconnect /ws/echo/"]  # the crashed one never got to disconnect
    assert len(factory) == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_force_login_headers_work_under_pytest(
    ws_communicator_factory: CommunicatorFactory,
) -> None:
    user = await get_user_model().objects.acreate(username="carol")
    communicator = ws_communicator_factory("/ws/user/", headers=await aforce_login_headers(user))
    await communicator.connect()
    assert (await communicator.wait_for_auth()).payload.data == {"username": "carol"}


class TestDiscoveredApplication:
    """Overriding fixtures in a class: discovery from the settings, headers from a fixture."""

    @pytest.fixture
    def ws_router(self) -> None:
        return None

    @pytest.fixture
    def ws_headers(self) -> Headers:
        return [ORIGIN_HEADER]

    @pytest.fixture(autouse=True)
    def asgi_application(self, settings: Settings) -> None:
        settings.ASGI_APPLICATION = "chanx_testing.tests.asgi.application"

    @pytest.mark.asyncio
    async def test_headers_come_from_the_ws_headers_fixture(
        self, ws_communicator: WebsocketCommunicator
    ) -> None:
        assert await ws_communicator.connect() == (True, None)
        await ws_communicator.assert_authenticated_status_ok()
