"""WebsocketTestCase: the lazy auth_communicator, its hooks, and every setUp form of the guide."""

import asyncio
from typing import Any, cast

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.routing import URLRouter
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import path

from chanx_testing import WebsocketTestCase
from chanx_testing.auth import aforce_login_headers
from chanx_testing.protocol import Headers
from chanx_testing.tests.asgi import router
from chanx_testing.tests.consumers import Ping, ProtocolConsumer
from chanx_testing.tests.users import make_user


def _event_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _groups_seen_by_the_consumer(case: WebsocketTestCase) -> int:
    """Count auth groups from inside a consumer, i.e. from another thread than the test's."""
    communicator = case.create_communicator(ws_path="/ws/echo/")
    await communicator.connect()
    await communicator.assert_authenticated_status_ok()
    await communicator.send_json_to({"action": "count_groups"})
    [reply] = await communicator.receive_all_json()
    count: int = reply["payload"]
    return count


class TestAuthCommunicator(WebsocketTestCase):
    router = router

    async def test_it_is_created_on_first_access_with_the_ws_path_of_then(self) -> None:
        self.ws_path = "/ws/status/404/"
        assert self.auth_communicator is self.auth_communicator
        await self.auth_communicator.connect()
        assert (await self.auth_communicator.wait_for_auth()).payload.status_code == 404

    async def test_create_communicator_takes_its_own_router(self) -> None:
        other = URLRouter([path("ws/other/", ProtocolConsumer.as_asgi())])
        communicator = self.create_communicator(ws_path="/ws/other/", router=other)
        assert await communicator.connect() == (True, None)
        with pytest.raises(ValueError, match="No route found for path 'ws/other/'"):
            await self.create_communicator(ws_path="/ws/other/").connect()


class TestHooks(WebsocketTestCase):
    router = router
    ws_path = "/ws/user/"

    def setUp(self) -> None:
        self.user = make_user("testuser")
        super().setUp()

    def get_ws_headers(self) -> Headers:
        # The guide's session example: it uses the ORM, so it runs off the event loop.
        # Django's stubs expect the configured user model, which this app cannot name.
        self.client.force_login(cast(Any, self.user))
        session = self.client.cookies[settings.SESSION_COOKIE_NAME]
        return [(b"cookie", f"{session.key}={session.value}".encode())]

    def get_subprotocols(self) -> list[str]:
        return ["chat.v2"]

    async def test_the_default_communicator_uses_both_hooks(self) -> None:
        assert await self.auth_communicator.connect() == (True, "chat.v2")
        auth = await self.auth_communicator.wait_for_auth()
        assert auth.payload.data == {"username": "testuser@example.com"}

    async def test_explicit_headers_replace_the_hook(self) -> None:
        anonymous = self.create_communicator(headers=[])
        await anonymous.connect()
        assert (await anonymous.wait_for_auth()).payload.status_code == 401
        await anonymous.assert_closed(code=4401)

    async def test_force_login_headers_log_a_user_in_without_building_cookies(self) -> None:
        user = await sync_to_async(make_user)("bob")
        communicator = self.create_communicator(headers=await aforce_login_headers(user))
        await communicator.connect()
        assert (await communicator.wait_for_auth()).payload.data == {"username": "bob@example.com"}


class GuideStyleBase(WebsocketTestCase):
    """Like the guide's JWT base: a sync setUp doing ORM work, then super().setUp()."""

    router = router

    def setUp(self) -> None:
        self.calls = ["sync setUp"]
        self.loop_running_in_sync_setup = _event_loop_running()
        self.first = Group.objects.create(name="made in the sync setUp")
        super().setUp()


class TestSyncSetUp(GuideStyleBase):
    async def test_the_sync_setup_ran_outside_any_event_loop(self) -> None:
        assert self.calls == ["sync setUp"]
        assert self.loop_running_in_sync_setup is False
        assert await _groups_seen_by_the_consumer(self) == 1


class TestAsyncSetUpOverSyncSetUp(GuideStyleBase):
    """The guide's ChatTestCase form, on top of the guide's JWT base."""

    # mypy cannot know that the harness makes the parent's sync setUp awaitable.
    async def setUp(self) -> None:  # type: ignore[override]
        await super().setUp()  # type: ignore[misc]
        self.calls.append("async setUp")
        self.second = await Group.objects.acreate(name="made in the async setUp")

    async def test_both_setups_ran_once_in_order_and_the_orm_work_off_the_loop(self) -> None:
        assert self.calls == ["sync setUp", "async setUp"]
        assert self.loop_running_in_sync_setup is False
        assert await _groups_seen_by_the_consumer(self) == 2

    async def test_ws_path_may_be_set_after_setup(self) -> None:
        self.ws_path = f"/ws/room/{self.second.pk}/"
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        assert self.auth_communicator.scope["path"] == f"/ws/room/{self.second.pk}/"


class TestAsyncSetUpDirectly(WebsocketTestCase):
    router = router

    async def setUp(self) -> None:  # type: ignore[override]
        await super().setUp()
        self.group = await Group.objects.acreate(name="async only")

    async def test_the_async_setup_ran(self) -> None:
        assert await _groups_seen_by_the_consumer(self) == 1


class TestSyncTestMethods(WebsocketTestCase):
    router = router
    ws_path = "/ws/echo/"

    def test_a_sync_test_may_drive_a_communicator_through_async_to_sync(self) -> None:
        async def scenario() -> Any:
            await self.auth_communicator.connect()
            await self.auth_communicator.assert_authenticated_status_ok()
            await self.auth_communicator.send_message(Ping())
            return await self.auth_communicator.receive_all_json()

        assert async_to_sync(scenario)() == [{"action": "pong", "payload": None}]
