"""Guide: "Testing Message Exchange" and "WebsocketCommunicator Features",
against the demo room ``/ws/chat/room1/`` (``chat.tests.guide.demo``)."""

from django.conf import settings

from chat.tests.guide import demo
from chat.tests.guide.demo import ChatMessage
from realtime.messages import PingMessage, PongMessage
from tests.support.testcase import LoggedInRollbackTestCase


class TestChatConsumer(LoggedInRollbackTestCase):
    ws_path = "/ws/chat/room1/"
    # The guide's demo rooms, routed for the guide's tests only
    router = demo.router

    async def test_ping_pong(self) -> None:
        """Guide, "Testing Message Exchange": ping gets pong."""
        # Connect and authenticate
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()

        # Send ping message
        await self.auth_communicator.send_message(PingMessage())

        # Receive all messages until completion
        responses = await self.auth_communicator.receive_all_json()

        # Check for pong response
        assert len(responses) == 1

        # You can either check raw JSON
        assert responses[0]["action"] == "pong"

        # Or validate with the message model
        pong_message = PongMessage.model_validate(responses[0])
        assert isinstance(pong_message, PongMessage)

    async def test_chat_message(self) -> None:
        """Guide, "Testing Message Exchange": a chat message is echoed to the sender."""
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()

        # Send chat message
        message_content = "Test message"
        await self.auth_communicator.send_message(ChatMessage(payload={"content": message_content}))

        # Get responses up to completion marker
        responses = await self.auth_communicator.receive_all_json()

        # Verify the response
        assert len(responses) == 1
        response = responses[0]
        assert response["action"] == "chat_response"
        assert response["payload"]["content"] == f"Echo: {message_content}"


class TestCommunicatorFeatures(LoggedInRollbackTestCase):
    """Guide, "WebsocketCommunicator Features", one feature after another."""

    ws_path = "/ws/broadcast/features/"
    # The guide's demo rooms, routed for the guide's tests only
    router = demo.router

    async def test_features(self) -> None:
        communicator = self.auth_communicator

        # Connect with timeout
        connected, _ = await communicator.connect(timeout=3)
        assert connected

        # Wait for authentication message
        auth_message = await communicator.wait_for_auth()
        assert auth_message.payload.status_code == 200

        # Send message objects directly (a bare string is the message's content)
        await communicator.send_message(ChatMessage(payload="Hello"))

        # Receive all messages until completion: the broadcast room answers
        # through the group, so nothing comes before ``complete``...
        messages = await communicator.receive_all_json()
        assert messages == []

        # ...and the group message arrives before ``group_complete``.
        messages = await communicator.receive_all_json(wait_group=True)
        assert [m["action"] for m in messages] == ["chat_group"]
        assert messages[0]["payload"] == {"content": "Hello"}

    async def test_assert_closed_after_a_refused_connection(self) -> None:
        """Verify connection closed properly: without credentials the server
        answers 401 and closes."""
        communicator = self.create_communicator(headers=[(b"origin", settings.SERVER_URL.encode())])
        await communicator.connect(timeout=3)
        auth_message = await communicator.wait_for_auth()
        assert auth_message.payload.status_code == 401
        await communicator.assert_closed()
