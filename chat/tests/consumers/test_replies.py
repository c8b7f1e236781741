"""Replies from the chat's socket: ``new_message`` with ``reply_to`` answers an earlier
message of the chat, and every member's ``member_message`` quotes it; an edit or a
delete of the original reaches the pages as the original's own ``message_edited`` /
``message_deleted`` (the pages redraw its quotes); a reply to a message the chat does
not have is an ``error`` that stores nothing."""

from chat.messages.chat_detail import MemberMessage, MessagePayload, NewChatMessage
from chat.models import ChatMessage
from tests.support.testcase import ChatWithMessageTestCase


class TestReplies(ChatWithMessageTestCase):
    message_content = "Who brings the cake?\nNot me."

    def reply(self, reply_to: int, content: str = "I will") -> NewChatMessage:
        return NewChatMessage(payload=MessagePayload(content=content, reply_to=reply_to))

    async def test_a_reply_reaches_every_member_quoting_the_original(self) -> None:
        await self.open_sockets()
        await self.member_socket.send_message(self.reply(self.message.pk))

        for socket in (self.member_socket, self.owner_socket):
            (frame,) = await socket.receive_all_json(wait_group=True)
            said = MemberMessage.model_validate(frame).payload
            assert said.content == "I will"
            assert said.reply_to is not None
            assert said.reply_to.model_dump() == {
                "id": self.message.pk,
                "seq": self.message.seq,
                "sender": {"id": self.user.pk, "username": self.user.username},
                "snippet": "Who brings the cake?",
                "deleted": False,
            }
        stored = await ChatMessage.objects.aget(pk=said.id)
        assert stored.reply_to_id == self.message.pk

    async def test_a_reply_with_a_client_id_is_answered_with_its_quote(self) -> None:
        """``message_saved`` carries the whole message, the quote included."""
        await self.open_sockets()
        await self.member_socket.send_message(
            NewChatMessage(
                payload=MessagePayload(content="I will", client_id="r-1", reply_to=self.message.pk)
            )
        )

        frames = await self.member_socket.receive_all_json(wait_group=True)
        saved = next(frame for frame in frames if frame["action"] == "message_saved")
        assert saved["payload"]["message"]["reply_to"]["id"] == self.message.pk

    async def test_a_reply_to_a_message_of_another_chat_is_refused(self) -> None:
        await self.open_sockets()
        theirs = await self.message_of_another_chat()
        await self.member_socket.send_message(self.reply(theirs.pk))

        (error,) = await self.member_socket.receive_all_json()
        assert error["action"] == "error"
        assert error["payload"]["message"] == "No such message in this chat to reply to."
        assert await ChatMessage.objects.filter(group_chat=self.group_chat).acount() == 1
        await self.assert_nothing_more()

    async def test_a_reply_to_id_that_is_not_a_number_is_refused_at_the_edge(self) -> None:
        await self.open_sockets()
        await self.member_socket.send_json_to(
            {"action": "new_message", "payload": {"content": "hi", "reply_to": "first"}}
        )

        (error,) = await self.member_socket.receive_all_json()
        (detail,) = error["payload"]["errors"]
        assert detail["loc"] == ["new_message", "payload", "reply_to"]
        assert await ChatMessage.objects.acount() == 1
