"""Guide: "Testing Custom Apps" and "Mocking in WebSocket Tests", against the
group chat consumer ``/ws/chat/<pk>/``."""

from unittest.mock import patch

from django.utils import timezone

from chat.messages.chat_detail import MessagePayload, NewChatMessage
from chat.models import ChatMember, ChatMessage, GroupChat
from tests.support.testcase import LoggedInRollbackTestCase


class ChatTestCase(LoggedInRollbackTestCase):
    async def setUp(self) -> None:
        await super().setUp()

        # Create a group chat and add the user as a member
        self.group_chat = await GroupChat.objects.acreate(name="Test Group")
        self.member = await ChatMember.objects.acreate(
            user=self.user,
            group_chat=self.group_chat,
            role=ChatMember.Role.ADMIN,
        )

    async def test_connect_and_send_message(self) -> None:
        """Test connection and sending a message to a group chat"""
        # Connect to the chat endpoint
        self.ws_path = f"/ws/chat/{self.group_chat.pk}/"
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()

        # Test sending a chat message
        message_content = "Hello group chat!"
        await self.auth_communicator.send_message(
            NewChatMessage(payload=MessagePayload(content=message_content))
        )

        # Receive the message that was broadcast
        messages = await self.auth_communicator.receive_all_json(wait_group=True)

        # Check the message was received and has the correct content
        assert len(messages) == 1
        assert messages[0]["action"] == "member_message"
        assert messages[0]["payload"]["content"] == message_content

        # Verify the message was stored in the database
        db_messages = await ChatMessage.objects.acount()
        assert db_messages == 1

    async def test_database_integration(self) -> None:
        """Guide, "Mocking in WebSocket Tests".

        Adapted in two places: the mock returns an unsaved ChatMessage (the
        consumer relays the saved row's fields, which an AsyncMock lacks), and
        the mock is checked after the reply arrives, because right after
        send_message the consumer may not have read the frame yet.
        """
        # Mock the database operation
        with patch("chat.services.messages.save_message") as mock_save:
            mock_save.return_value = ChatMessage(
                id=123,
                seq=1,
                content="Test",
                group_chat=self.group_chat,
                sender=self.user,
                created_at=timezone.now(),
            )

            # Connect and send a message
            self.ws_path = f"/ws/chat/{self.group_chat.pk}/"
            await self.auth_communicator.connect()
            await self.auth_communicator.assert_authenticated_status_ok()
            await self.auth_communicator.send_message(
                NewChatMessage(payload=MessagePayload(content="Test message"))
            )

            # Check response
            responses = await self.auth_communicator.receive_all_json(wait_group=True)
            assert len(responses) == 1
            assert responses[0]["payload"]["id"] == 123

            # Verify the mock was called
            mock_save.assert_called_once()
            args, kwargs = mock_save.call_args
            assert kwargs["content"] == "Test message"

        # Nothing reached the database: the mock stood in for it.
        assert await ChatMessage.objects.acount() == 0
