"""Ids on the chat socket beyond what the database holds (a bigint) name no row: the
frame is refused at the edge with an ``error`` naming the limit, and nothing is stored,
as for any other id that names nothing (never the internal error of a failed query)."""

from chat.models import ChatMessage
from tests.support.testcase import LoggedInRollbackTestCase

BEYOND_BIGINT = 2**63


class TestIdsBeyondTheDatabase(LoggedInRollbackTestCase):
    async def assert_new_message_refused(self, field: str) -> None:
        group_chat, _, owner_socket, _ = await self.chat_with_member_sockets()

        await owner_socket.send_json_to(
            {"action": "new_message", "payload": {"content": "hi", field: [BEYOND_BIGINT]}}
        )

        (error,) = await owner_socket.receive_all_json()
        assert error["action"] == "error"
        assert f"less than or equal to {BEYOND_BIGINT - 1}" in str(error["payload"])
        assert not await ChatMessage.objects.filter(group_chat=group_chat).aexists()

    async def test_a_mention_of_such_a_user_is_refused(self) -> None:
        await self.assert_new_message_refused("mentions")

    async def test_such_an_upload_is_refused(self) -> None:
        await self.assert_new_message_refused("attachment_ids")
