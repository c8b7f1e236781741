"""Sending uploaded files with a message on the chat's socket: the frame carries only
the upload's ids (the bytes went over HTTP); every member gets the message with its
attachments, and an id that is not the sender's own unsent upload refuses the message."""

from asgiref.sync import sync_to_async

from chat.messages.chat_detail import MemberMessage, MessagePayload, NewChatMessage
from chat.models import ChatMessage
from chat.services.attachments import upload_attachment
from tests.support.files import png_bytes, uploaded
from tests.support.testcase import LoggedInRollbackTestCase


class TestSendingAttachments(LoggedInRollbackTestCase):
    async def test_every_member_gets_the_message_with_its_attachments(self) -> None:
        group_chat, member, owner_socket, member_socket = await self.chat_with_member_sockets()
        image = await sync_to_async(upload_attachment)(
            group_chat=group_chat, uploader=member, file=uploaded("cat.png", png_bytes(64, 48))
        )

        await member_socket.send_message(
            NewChatMessage(payload=MessagePayload(attachment_ids=[image.pk]))
        )

        for socket, mine in ((member_socket, True), (owner_socket, False)):
            (frame,) = await socket.receive_all_json(wait_group=True)
            message = MemberMessage.model_validate(frame)
            assert message.is_mine is mine
            assert message.payload.content == ""
            (sent,) = message.payload.attachments
            assert (sent.id, sent.name, sent.content_type) == (image.pk, "cat.png", "image/png")
            assert (sent.width, sent.height) == (64, 48)
            assert sent.url == image.get_absolute_url()
            assert sent.thumbnail_url == image.get_thumbnail_url()

    async def test_someone_elses_upload_refuses_the_message(self) -> None:
        group_chat, _, owner_socket, member_socket = await self.chat_with_member_sockets()
        owners = await sync_to_async(upload_attachment)(
            group_chat=group_chat, uploader=self.user, file=uploaded("a.txt", b"mine\n")
        )

        await member_socket.send_json_to(
            {"action": "new_message", "payload": {"content": "hi", "attachment_ids": [owners.pk]}}
        )

        (error,) = await member_socket.receive_all_json()
        assert error["action"] == "error"
        assert "No unsent upload of yours" in error["payload"]["message"]
        assert not await ChatMessage.objects.filter(group_chat=group_chat).aexists()
        await owner_socket.send_json_to({"action": "ping"})
        assert [r["action"] for r in await owner_socket.receive_all_json()] == ["pong"]

    async def test_a_message_without_text_needs_files(self) -> None:
        _, _, _, member_socket = await self.chat_with_member_sockets()

        await member_socket.send_json_to({"action": "new_message", "payload": {"content": " "}})

        (error,) = await member_socket.receive_all_json()
        assert error["action"] == "error"
        assert "at least 1 character" in str(error["payload"])
