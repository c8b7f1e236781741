"""Every relayed message says its place in the chat (``seq``), so a member whose
socket missed one sees the hole at the next and fetches it (``?after=``)."""

from chat.messages.chat_detail import MemberMessage, MessagePayload, NewChatMessage
from tests.support.testcase import LoggedInRollbackTestCase


class TestMessageSeq(LoggedInRollbackTestCase):
    async def test_a_member_gets_each_message_with_the_chats_next_seq(self) -> None:
        """Messages said one after the other reach another member as seq 1, 2, 3."""
        _, _, sender, listener = await self.chat_with_member_sockets()

        seqs = []
        for content in ("one", "two", "three"):
            await sender.send_message(NewChatMessage(payload=MessagePayload(content=content)))
            (frame,) = await listener.receive_all_json(wait_group=True)
            seqs.append(MemberMessage.model_validate(frame).payload.seq)

        assert seqs == [1, 2, 3]
