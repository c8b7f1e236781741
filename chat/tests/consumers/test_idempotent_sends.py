"""Idempotent sends and the acknowledgement: a client's own id for a message
(``client_id``) makes a resend store nothing new, and the sending socket is told
``message_saved`` (saved, and separately whether it was relayed), never an error
for a message that was saved."""

from typing import Any
from unittest.mock import patch

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from chanx_testing import WebsocketCommunicator
from chat.messages.chat_detail import MessagePayload, MessageSaved, NewChatMessage
from chat.models import ChatMessage, GroupChat
from chat.services.chats import create_group_chat
from chat.services.members import add_member
from tests.support.auth import Headers
from tests.support.testcase import LoggedInRollbackTestCase

CLIENT_ID = "0b7e6c1e-3f0e-4a43-9a57-2f7b1f1c9d10"


def new_message(content: str, client_id: str | None = None) -> NewChatMessage:
    return NewChatMessage(payload=MessagePayload(content=content, client_id=client_id))


class IdempotentSendTestCase(LoggedInRollbackTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.group_chat = create_group_chat(creator=self.user, name="Team")
        self.ws_path = f"/ws/chat/{self.group_chat.pk}/"
        self.member, self.member_headers = self.create_user_and_ws_headers()
        add_member(group_chat=self.group_chat, actor=self.user, user=self.member)

    async def connected(
        self, headers: Headers | None = None, ws_path: str | None = None
    ) -> WebsocketCommunicator:
        """A new socket (the owner's in the test's chat by default), authenticated."""
        comm = self.create_communicator(headers=headers, ws_path=ws_path)
        await comm.connect()
        await comm.assert_authenticated_status_ok()
        return comm

    async def send_and_relay(self, comm: WebsocketCommunicator, message: NewChatMessage) -> Any:
        """Send a message that is saved and relayed; its ``message_saved`` payload."""
        await comm.send_message(message)
        saved, relayed = await comm.receive_all_json(wait_group=True)
        assert relayed["action"] == "member_message"
        return MessageSaved.model_validate(saved).payload

    async def assert_nothing_else_queued(self, comm: WebsocketCommunicator) -> None:
        # A ping answered alone shows no other frame was on its way.
        await comm.send_json_to({"action": "ping"})
        assert [r["action"] for r in await comm.receive_all_json()] == ["pong"]


class TestAcknowledgement(IdempotentSendTestCase):
    async def test_the_sender_is_told_saved_with_the_id_and_its_client_id(self) -> None:
        """``message_saved`` names the stored row and echoes the client's id, and
        says the message was relayed live."""
        comm = await self.connected()

        ack = await self.send_and_relay(comm, new_message("hello", CLIENT_ID))

        stored = await ChatMessage.objects.aget()
        assert (ack.message.id, ack.message.client_id) == (stored.pk, CLIENT_ID)
        assert stored.client_id == CLIENT_ID
        assert (ack.relayed, ack.duplicate) == (True, False)

    async def test_a_saved_message_the_layer_failed_to_relay_is_acknowledged_not_failed(
        self,
    ) -> None:
        """The channel layer raises on the group send: the sender gets
        ``message_saved`` with ``relayed: false`` and no error, and the row exists."""
        comm = await self.connected()
        layer = get_channel_layer()

        async def failing_group_send(group: str, event: dict[str, Any]) -> None:
            raise ConnectionError("redis is restarting")

        with (
            patch.object(layer, "group_send", failing_group_send),
            self.assertLogs("chat.services.messages", level="ERROR"),
        ):
            await comm.send_message(new_message("saved anyway", CLIENT_ID))
            responses = await comm.receive_all_json()

        assert [r["action"] for r in responses] == ["message_saved"]
        ack = MessageSaved.model_validate(responses[0]).payload
        assert (ack.relayed, ack.duplicate, ack.message.client_id) == (False, False, CLIENT_ID)
        stored = await ChatMessage.objects.aget()
        assert (stored.pk, stored.content) == (ack.message.id, "saved anyway")


class TestResend(IdempotentSendTestCase):
    async def test_a_resend_stores_one_row_and_answers_the_original(self) -> None:
        """The same client id again (say after a reconnect): nothing new is stored
        and the sender is answered with the message first saved."""
        comm = await self.connected()
        first = await self.send_and_relay(comm, new_message("once", CLIENT_ID))

        await comm.send_message(new_message("once", CLIENT_ID))
        (again,) = await comm.receive_all_json()

        resent = MessageSaved.model_validate(again).payload
        assert resent.message == first.message
        assert (resent.duplicate, resent.relayed) == (True, False)
        assert await ChatMessage.objects.acount() == 1

    async def test_a_resend_from_a_new_socket_is_not_relayed_again(self) -> None:
        """The members heard the original once; the resend reaches nobody else."""
        member_comm = await self.connected(headers=self.member_headers)
        first_socket = await self.connected()
        await self.send_and_relay(first_socket, new_message("once", CLIENT_ID))
        (heard,) = await member_comm.receive_all_json(wait_group=True)
        await first_socket.disconnect()

        second_socket = await self.connected()
        await second_socket.send_message(new_message("once", CLIENT_ID))
        (again,) = await second_socket.receive_all_json()

        assert again["payload"]["message"]["id"] == heard["payload"]["id"]
        await self.assert_nothing_else_queued(member_comm)

    async def test_two_client_ids_store_two_messages(self) -> None:
        comm = await self.connected()

        first = await self.send_and_relay(comm, new_message("same words", "first"))
        second = await self.send_and_relay(comm, new_message("same words", "second"))

        assert first.message.id != second.message.id
        assert await ChatMessage.objects.acount() == 2

    async def test_another_users_client_id_does_not_collide(self) -> None:
        """Client ids are the sender's own: another member using the same one
        says something new."""
        owner_comm = await self.connected()
        member_comm = await self.connected(headers=self.member_headers)

        owners = await self.send_and_relay(owner_comm, new_message("mine", CLIENT_ID))
        await member_comm.receive_all_json(wait_group=True)
        members = await self.send_and_relay(member_comm, new_message("theirs", CLIENT_ID))

        assert owners.message.id != members.message.id
        assert (members.duplicate, members.message.content) == (False, "theirs")
        assert await ChatMessage.objects.acount() == 2

    async def test_a_client_id_used_in_another_chat_is_refused(self) -> None:
        """An id names one message: reused in another chat it is an error, and
        nothing is stored there."""
        elsewhere: GroupChat = await sync_to_async(create_group_chat)(
            creator=self.user, name="Elsewhere"
        )
        comm = await self.connected()
        await self.send_and_relay(comm, new_message("here", CLIENT_ID))
        other = await self.connected(headers=self.ws_headers, ws_path=f"/ws/chat/{elsewhere.pk}/")

        await other.send_message(new_message("there", CLIENT_ID))
        (error,) = await other.receive_all_json()

        assert error["action"] == "error"
        assert error["payload"]["message"] == "This client id names a message in another chat."
        assert not await ChatMessage.objects.filter(group_chat=elsewhere).aexists()

    async def test_a_malformed_client_id_is_refused_and_nothing_is_saved(self) -> None:
        comm = await self.connected()
        for client_id in ["", "has space", "x" * 65, 42]:
            with self.subTest(client_id=client_id):
                await comm.send_json_to(
                    {"action": "new_message", "payload": {"content": "hi", "client_id": client_id}}
                )
                (error,) = await comm.receive_all_json()
                assert error["action"] == "error"
                assert error["payload"]["errors"][0]["loc"][:3] == [
                    "new_message",
                    "payload",
                    "client_id",
                ]
        assert await ChatMessage.objects.acount() == 0


class TestWithoutClientId(IdempotentSendTestCase):
    async def test_messages_without_a_client_id_never_collide(self) -> None:
        """A client that sends no id gets the guide's behaviour: every send is a new
        message, and its answer is its own copy of the broadcast (no ``message_saved``)."""
        comm = await self.connected()

        ids = []
        for _ in range(2):
            await comm.send_message(new_message("again"))
            (relayed,) = await comm.receive_all_json(wait_group=True)
            assert (relayed["action"], relayed["is_mine"]) == ("member_message", True)
            assert relayed["payload"]["client_id"] is None
            ids.append(relayed["payload"]["id"])

        assert ids[0] != ids[1]
