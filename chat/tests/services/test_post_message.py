"""post_message: a service, called from anywhere, reaches the chat's open sockets
through the public push API (realtime.groups.push) with a typed message."""

from asgiref.sync import sync_to_async

from chat.messages.chat_detail import MemberMessage, MemberPayload
from chat.models import ChatMessage
from chat.services.messages import post_message
from tests.support.testcase import LoggedInRollbackTestCase


class TestPostMessage(LoggedInRollbackTestCase):
    async def test_every_members_socket_gets_the_typed_message_from_the_service(self) -> None:
        group_chat, member, owner_socket, member_socket = await self.chat_with_member_sockets()

        # As a view, a signal handler or a management command would: no consumer involved.
        posted = await sync_to_async(post_message)(
            group_chat=group_chat, sender=member, content="  from a service  "
        )

        assert (await ChatMessage.objects.aget()).content == "from a service"
        payload = MemberPayload.from_message(posted.message)
        for socket, mine in ((owner_socket, False), (member_socket, True)):
            (frame,) = await socket.receive_all_json(wait_group=True)
            received = MemberMessage.model_validate(frame)
            assert received == MemberMessage(payload=payload, is_mine=mine, is_current=False)
