"""post_message: a service, called from anywhere, reaches the chat's open sockets
through the public push API (realtime.groups.push) with a typed message."""

from asgiref.sync import sync_to_async

from chat import services
from chat.messages.chat_detail import MemberMessage, MemberPayload
from chat.models import ChatMessage
from tests.support.testcase import WebsocketTestCase


class TestPostMessage(WebsocketTestCase):
    async def test_every_members_socket_gets_the_typed_message_from_the_service(self) -> None:
        group_chat = await sync_to_async(services.create_group_chat)(creator=self.user, name="T")
        member, member_headers = await self.acreate_user_and_ws_headers()
        await sync_to_async(services.add_member)(
            group_chat=group_chat, actor=self.user, user=member
        )
        self.ws_path = f"/ws/chat/{group_chat.pk}/"
        owner_socket = self.auth_communicator
        member_socket = self.create_communicator(headers=member_headers)
        for socket in (owner_socket, member_socket):
            await socket.connect()
            await socket.assert_authenticated_status_ok()

        # As a view, a signal handler or a management command would: no consumer involved.
        posted = await sync_to_async(services.post_message)(
            group_chat=group_chat, sender=member, content="  from a service  "
        )

        assert (await ChatMessage.objects.aget()).content == "from a service"
        payload = MemberPayload.from_message(posted.message)
        for socket, mine in ((owner_socket, False), (member_socket, True)):
            (frame,) = await socket.receive_all_json(wait_group=True)
            received = MemberMessage.model_validate(frame)
            assert received == MemberMessage(payload=payload, is_mine=mine, is_current=False)
