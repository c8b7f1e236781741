"""A chanx 2 suite, as a chanx 2 project writes it.

The import of the testing names is the one line that chooses the harness: .ci/bare-project
runs this suite with chanx_testing, then with the line switched to chanx's own two.
"""

import pytest
from asgiref.sync import sync_to_async
from chanx.constants import EVENT_ACTION_COMPLETE
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage

# from chanx.channels.testing import DjangoWebsocketCommunicator, WebsocketTestCase
# from chanx.core.testing import capture_broadcast_events
from chanx_testing import DjangoWebsocketCommunicator, WebsocketTestCase, capture_broadcast_events
from chanxapp.consumers import (
    GameTopic,
    JoinGame,
    RoomConsumer,
    ScoreUpdate,
    ShoutedMessage,
    ShoutEvent,
    ShoutMessage,
)
from chanxapp.logins import ORIGIN, LoggedIn, user_and_headers


class RoomTestCase(LoggedIn, WebsocketTestCase):
    ws_path = "/ws/room/"
    consumer = RoomConsumer


class ShoutsReachTheRoom:
    """The room's shout test, run by every test case of the room: this module's, on either
    harness, and test_rollback's rolled-back one."""

    async def test_a_shout_reaches_the_room(self):
        alice, bob = await self.connect_with("bob")

        await alice.send_message(ShoutMessage(payload="hello"))

        for communicator in (alice, bob):
            messages = await communicator.receive_all_messages(stop_action=EVENT_ACTION_COMPLETE)
            assert messages == [ShoutedMessage(payload="hello")]


class TestRoomConsumer(ShoutsReachTheRoom, RoomTestCase):
    async def test_ping_pong(self):
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_message(PingMessage())
        assert await self.auth_communicator.receive_all_messages() == [PongMessage()]

    async def test_anonymous_is_refused(self):
        anonymous = self.create_communicator(headers=[ORIGIN])
        await anonymous.connect()
        auth = await anonymous.wait_for_auth(max_auth_time=1)
        assert auth
        assert auth.payload.status_code == 403
        await anonymous.assert_closed()

    async def test_the_shout_is_broadcast_as_an_event(self):
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        with capture_broadcast_events(RoomConsumer) as captured:
            await self.auth_communicator.send_message(ShoutMessage(payload="quiet"))
            assert await self.auth_communicator.receive_all_messages() == []
        assert [record.event for record in captured] == [ShoutEvent(payload="quiet")]

    async def test_a_game_topic(self):
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()

        reply = await self.auth_communicator.subscribe("game:7")
        assert (reply["action"], reply["topic"]) == ("subscribed", "game:7")

        await self.auth_communicator.send_message(JoinGame(), topic="game:7", ref="2")
        joined = await self.auth_communicator.receive_json_from()
        assert (joined["action"], joined["payload"], joined["ref"]) == ("joined_game", "7", "2")
        await self.auth_communicator.receive_json_from()  # the handler's completion

        await GameTopic.broadcast("game:7", ScoreUpdate(payload=3))
        assert await self.auth_communicator.receive_topic_message(GameTopic) == ScoreUpdate(
            payload=3
        )
        await self.auth_communicator.receive_json_from()  # the event's completion

        left = await self.auth_communicator.unsubscribe("game:7", ref="3")
        assert left["action"] == "unsubscribed"

    async def test_receive_all_json_reads_every_frame_until_its_timeout(self):
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_message(PingMessage())
        frames = await self.auth_communicator.receive_all_json(timeout=0.3)
        assert [frame["action"] for frame in frames] == ["pong", "complete"]


@pytest.mark.asyncio
async def test_a_communicator_of_its_own_in_async_with(transactional_db):
    # Imported here, not at the top: AllowedHostsOriginValidator keeps the ALLOWED_HOSTS it
    # finds when the ASGI module is imported, and at collection the test runner has not yet
    # added "testserver" for the other suites.
    from mysite.asgi import application

    _, headers = await sync_to_async(user_and_headers)("carol")
    async with DjangoWebsocketCommunicator(
        application, "/ws/room/", headers=headers, consumer=RoomConsumer
    ) as communicator:
        await communicator.assert_authenticated_status_ok()
        await communicator.send_message(PingMessage())
        assert await communicator.receive_all_messages() == [PongMessage()]
