"""Editing and deleting a message from the chat's socket: the author edits or deletes
their own, owners and admins delete anyone's; every member's socket gets the message's
new state (``message_edited``, ``message_deleted``), and a refusal is an ``error`` that
changes nothing."""

from asgiref.sync import sync_to_async

from chanx_testing import WebsocketCommunicator
from chat.messages.chat_detail import (
    DeleteChatMessage,
    DeletePayload,
    EditChatMessage,
    EditPayload,
    MessageDeleted,
    MessageEdited,
)
from chat.models import ChatMessage
from chat.services.messages import save_message
from tests.support.testcase import ChatWithMessageTestCase


class EditDeleteTestCase(ChatWithMessageTestCase):
    message_content = "see you at 10"
    said_by_member = True

    def edit(self, content: str, message_id: int | None = None) -> EditChatMessage:
        return EditChatMessage(
            payload=EditPayload(id=message_id or self.message.pk, content=content)
        )

    def delete(self, message_id: int | None = None) -> DeleteChatMessage:
        return DeleteChatMessage(payload=DeletePayload(id=message_id or self.message.pk))

    async def assert_refused(self, socket: WebsocketCommunicator, reason: str) -> None:
        """The socket got one ``error`` with ``reason``, the message is as it was, and the
        other members heard nothing."""
        (error,) = await socket.receive_all_json()
        assert error["action"] == "error"
        assert error["payload"]["message"] == reason
        stored = await ChatMessage.objects.aget(pk=self.message.pk)
        assert (stored.content, stored.edited_at, stored.deleted_at) == (
            "see you at 10",
            None,
            None,
        )
        await self.assert_nothing_more()


class TestEdit(EditDeleteTestCase):
    async def test_the_author_edits_and_every_member_gets_the_new_text(self) -> None:
        """``edit_message`` from the author: both sockets get ``message_edited`` with the
        trimmed text and ``edited_at``; the row says the same."""
        await self.open_sockets()
        await self.member_socket.send_message(self.edit("  see you at 11 "))

        for socket, mine in ((self.member_socket, True), (self.owner_socket, False)):
            (frame,) = await socket.receive_all_json(wait_group=True)
            edited = MessageEdited.model_validate(frame)
            assert edited.is_mine is mine
            assert (edited.payload.id, edited.payload.seq) == (self.message.pk, self.message.seq)
            assert edited.payload.content == "see you at 11"
            assert edited.payload.edited_at is not None
        stored = await ChatMessage.objects.aget(pk=self.message.pk)
        assert (stored.content, stored.edited_at) == ("see you at 11", edited.payload.edited_at)

    async def test_nobody_but_the_author_edits_an_owner_neither(self) -> None:
        """The chat's owner edits a member's message: refused, nothing changes."""
        await self.open_sockets()
        await self.owner_socket.send_message(self.edit("put words in their mouth"))

        await self.assert_refused(self.owner_socket, "Only the author edits a message.")

    async def test_an_edit_follows_the_new_message_rules(self) -> None:
        """Blank text is refused at the edge, as for ``new_message``."""
        await self.open_sockets()
        await self.member_socket.send_json_to(
            {"action": "edit_message", "payload": {"id": self.message.pk, "content": "   "}}
        )

        (error,) = await self.member_socket.receive_all_json()
        assert error["payload"]["errors"][0]["loc"] == ["edit_message", "payload", "content"]
        assert (await ChatMessage.objects.aget(pk=self.message.pk)).edited_at is None

    async def test_a_message_of_another_chat_is_not_found(self) -> None:
        """An id from a chat the socket is not on is answered as a missing one."""
        await self.open_sockets()
        theirs = await self.message_of_another_chat()
        await self.member_socket.send_message(self.edit("changed", message_id=theirs.pk))

        await self.assert_refused(self.member_socket, "No such message in this chat.")
        assert (await ChatMessage.objects.aget(pk=theirs.pk)).content == "private"


class TestDelete(EditDeleteTestCase):
    async def test_the_author_deletes_and_every_member_gets_the_tombstone(self) -> None:
        """``delete_message`` from the author: both sockets get ``message_deleted``, a
        tombstone that keeps the message's id and seq; the row keeps them too."""
        await self.open_sockets()
        await self.member_socket.send_message(self.delete())

        for socket in (self.member_socket, self.owner_socket):
            (frame,) = await socket.receive_all_json(wait_group=True)
            deleted = MessageDeleted.model_validate(frame)
            assert (deleted.payload.id, deleted.payload.seq) == (self.message.pk, 1)
            assert (deleted.payload.deleted, deleted.payload.content) == (True, "")
        stored = await ChatMessage.objects.aget(pk=self.message.pk)
        assert (stored.content, stored.seq) == ("", 1)
        assert stored.deleted_at is not None

    async def test_an_owner_deletes_a_members_message(self) -> None:
        """Owners (and admins) moderate: the owner deletes the member's message."""
        await self.open_sockets()
        await self.owner_socket.send_message(self.delete())

        (frame,) = await self.member_socket.receive_all_json(wait_group=True)
        assert MessageDeleted.model_validate(frame).payload.id == self.message.pk
        assert await ChatMessage.objects.filter(deleted_at__isnull=False).acount() == 1

    async def test_a_member_does_not_delete_someone_elses_message(self) -> None:
        """A plain member deletes the owner's message: refused, nothing changes."""
        await self.open_sockets()
        owners = await sync_to_async(save_message)(
            group_chat=self.group_chat, sender=self.user, content="the owner's"
        )
        await self.member_socket.send_message(self.delete(message_id=owners.pk))

        await self.assert_refused(
            self.member_socket, "Only the author, owners and admins delete a message."
        )
        assert (await ChatMessage.objects.aget(pk=owners.pk)).deleted_at is None

    async def test_a_deleted_message_cannot_be_edited(self) -> None:
        """A tombstone is final: an edit after the delete is refused."""
        await self.open_sockets()
        await self.member_socket.send_message(self.delete())
        await self.member_socket.receive_all_json(wait_group=True)
        await self.owner_socket.receive_all_json(wait_group=True)

        await self.member_socket.send_message(self.edit("undo"))

        (error,) = await self.member_socket.receive_all_json()
        assert error["payload"]["message"] == "This message was deleted."
        assert (await ChatMessage.objects.aget(pk=self.message.pk)).content == ""
