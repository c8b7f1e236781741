"""Guide: "Creating Multiple Communicators" and "Testing Group Messaging",
against the broadcast demo room ``/ws/broadcast/room1/``."""

from chat.tests.guide import demo
from chat.tests.guide.demo import ChatMessage
from tests.support.testcase import LoggedInRollbackTestCase


class TestBroadcastConsumer(LoggedInRollbackTestCase):
    ws_path = "/ws/broadcast/room1/"
    # The guide's demo rooms, routed for the guide's tests only
    router = demo.router

    async def test_multi_user_scenario(self) -> None:
        """Guide, "Creating Multiple Communicators"."""
        # Get the default communicator for the first user
        first_comm = self.auth_communicator

        # Create a second user with different auth headers
        second_user, second_ws_headers = await self.acreate_user_and_ws_headers()

        # Create a communicator for the second user
        second_comm = self.create_communicator(
            headers=second_ws_headers,
        )

        # Connect both communicators
        await first_comm.connect()
        await first_comm.assert_authenticated_status_ok()
        await second_comm.connect()
        await second_comm.assert_authenticated_status_ok()

        # Test interactions between the users: each hears the other.
        await second_comm.send_message(ChatMessage(payload={"content": "hi from two"}))
        heard_by_first = await first_comm.receive_all_json(wait_group=True)
        assert heard_by_first[0]["payload"]["content"] == "hi from two"
        assert heard_by_first[0]["is_mine"] is False
        heard_by_second = await second_comm.receive_all_json(wait_group=True)
        assert heard_by_second[0]["is_mine"] is True
        assert second_user.pk != self.user.pk

    async def test_group_message_broadcast(self) -> None:
        """Guide, "Testing Group Messaging": messages are broadcast to all group members"""
        # Create a second user with different auth headers
        second_user, second_ws_headers = await self.acreate_user_and_ws_headers()

        # Create communicators for both users in the same room
        first_comm = self.auth_communicator
        second_comm = self.create_communicator(headers=second_ws_headers)

        # Connect both communicators
        await first_comm.connect()
        await first_comm.assert_authenticated_status_ok()
        await second_comm.connect()
        await second_comm.assert_authenticated_status_ok()

        # Send a message from the first user
        message_content = "This is a group message"
        await first_comm.send_message(ChatMessage(payload={"content": message_content}))

        # Verify that the first user (sender) receives the message
        first_responses = await first_comm.receive_all_json(wait_group=True)
        assert len(first_responses) == 1
        assert first_responses[0]["action"] == "chat_group"
        assert first_responses[0]["payload"]["content"] == message_content
        assert first_responses[0]["is_mine"] == True  # Sent by this user

        # Verify that the second user receives the same message
        second_responses = await second_comm.receive_all_json(wait_group=True)
        assert len(second_responses) == 1
        assert second_responses[0]["action"] == "chat_group"
        assert second_responses[0]["payload"]["content"] == message_content
        assert second_responses[0]["is_mine"] == False  # Not sent by this user
