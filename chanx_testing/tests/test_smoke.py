from chanx_testing import WebsocketTestCase
from chanx_testing.tests.asgi import router
from chanx_testing.tests.consumers import Ping


class TestSmoke(WebsocketTestCase):
    router = router
    ws_path = "/ws/echo/"

    async def test_ping(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_message(Ping())
        assert await self.auth_communicator.receive_all_json() == [{"action": "pong", "payload": None}]
