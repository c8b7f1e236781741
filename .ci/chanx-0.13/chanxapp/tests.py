"""A chanx 0.13 suite, as a chanx 0.13 project writes it (the testing guide's forms).

The import of the test case is the one line that chooses the harness: .ci/bare-project runs
this suite with chanx_testing, then with the line switched to chanx's own.
"""

from chanx.messages.incoming import PingMessage
from chanx.utils.settings import override_chanx_settings

# from chanx.testing import WebsocketTestCase
from chanx_testing import WebsocketTestCase
from chanxapp.consumers import ShoutMessage
from chanxapp.logins import ORIGIN, LoggedIn


class RoomTestCase(LoggedIn, WebsocketTestCase):
    ws_path = "/ws/room/"


class TestRoomConsumer(RoomTestCase):
    async def test_ping_pong(self):
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_message(PingMessage())
        assert await self.auth_communicator.receive_all_json() == [
            {"action": "pong", "payload": None}
        ]

    async def test_the_authentication_message_is_sent_by_default(self):
        # CHANX leaves SEND_AUTHENTICATION_MESSAGE to chanx's default.
        await self.auth_communicator.connect()
        auth = await self.auth_communicator.wait_for_auth()
        assert auth
        assert auth.payload.status_code == 200

    @override_chanx_settings(CAMELIZE=True)
    async def test_camelized_authentication(self):
        await self.auth_communicator.connect()
        auth = await self.auth_communicator.wait_for_auth(max_auth_time=1)
        assert auth.payload.status_code == 200
        await self.auth_communicator.send_message(PingMessage())
        assert await self.auth_communicator.receive_until_action("pong", 5, inclusive=True) == [
            {"action": "pong", "payload": None}
        ]

    async def test_anonymous_is_refused(self):
        anonymous = self.create_communicator(headers=[ORIGIN])
        await anonymous.connect()
        auth = await anonymous.wait_for_auth()
        assert auth.payload.status_code == 403
        await anonymous.assert_closed()

    async def test_a_shout_reaches_the_room(self):
        alice, bob = await self.connect_with("bob")

        await alice.send_message(ShoutMessage(payload="hello"))

        [mine] = await alice.receive_all_json(wait_group=True)
        [theirs] = await bob.receive_all_json(wait_group=True)
        assert (mine["payload"], mine["is_mine"]) == ("hello", True)
        assert (theirs["payload"], theirs["is_mine"]) == ("hello", False)
