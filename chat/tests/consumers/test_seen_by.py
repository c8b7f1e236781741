"""Seen by over the sockets: a member's ``mark_read`` reaches the chat's sockets as
``members_read``, the reads of one window gathered, stored in one go and told in one
message with each reader's latest position, and a read that moves nothing tells
nobody; a reader's ``/ws/me/`` hears of their own read alone."""

from unittest import mock

from asgiref.sync import sync_to_async
from django.test import override_settings

from accounts.models import User
from chanx_testing import WebsocketCommunicator
from chat.messages.chat_detail import MarkRead, MembersRead, ReadPayload
from chat.models import GroupChat
from chat.services import read_positions
from chat.services.chats import create_group_chat
from chat.services.members import add_member
from chat.services.messages import save_message
from tests.support.auth import jwt_cookies, ws_headers
from tests.support.testcase import LoggedInRollbackTestCase


class SeenByTestCase(LoggedInRollbackTestCase):
    group_chat: GroupChat
    member: User
    owner_socket: WebsocketCommunicator
    member_socket: WebsocketCommunicator

    async def open_sockets(self, messages: int = 3) -> None:
        """The test's user owns a chat with one more member and has said ``messages``
        messages; each one's chat socket."""
        chat, member, owner_socket, member_socket = await self.chat_with_member_sockets()
        self.group_chat, self.member = chat, member
        self.owner_socket, self.member_socket = owner_socket, member_socket
        await self.say(messages)

    async def say(self, messages: int = 3) -> None:
        """The test's user says ``messages`` messages in the chat."""
        for number in range(messages):
            await sync_to_async(save_message)(
                group_chat=self.group_chat, sender=self.user, content=f"message {number + 1}"
            )

    async def third_member_socket(self) -> tuple[User, WebsocketCommunicator]:
        third, headers = await self.acreate_user_and_ws_headers()
        await sync_to_async(add_member)(group_chat=self.group_chat, actor=self.user, user=third)
        socket = self.create_communicator(headers=headers)
        await socket.connect()
        await socket.assert_authenticated_status_ok()
        return third, socket

    @staticmethod
    def read(seq: int) -> MarkRead:
        return MarkRead(payload=ReadPayload(seq=seq))


class TestMembersRead(SeenByTestCase):
    async def test_a_read_reaches_the_senders_socket_as_members_read(self) -> None:
        await self.open_sockets()

        await self.member_socket.send_message(self.read(2))

        frame = await self.owner_socket.assert_push("members_read")
        reads = MembersRead.model_validate(frame).payload.reads
        assert [(r.user_id, r.last_read_seq) for r in reads] == [(self.member.pk, 2)]

    @override_settings(READ_GATHER_SECONDS=1.0)
    async def test_the_reads_of_one_window_are_one_message_with_each_latest(self) -> None:
        """Two members read, one of them twice, within the window: the owner's socket gets
        one ``members_read`` with two positions, the later of the reader's two."""
        await self.open_sockets(messages=0)
        third, third_socket = await self.third_member_socket()
        await self.say()

        await self.member_socket.send_message(self.read(1))
        await third_socket.send_message(self.read(3))
        await self.member_socket.send_message(self.read(2))

        frame = await self.owner_socket.assert_push("members_read", timeout=5)
        reads = MembersRead.model_validate(frame).payload.reads
        assert sorted((r.user_id, r.last_read_seq) for r in reads) == sorted(
            [(self.member.pk, 2), (third.pk, 3)]
        )
        await self.owner_socket.refute_push("members_read", within=1.5)

    @override_settings(READ_GATHER_SECONDS=1.0)
    async def test_the_reads_of_one_window_are_stored_in_one_go(self) -> None:
        """Three reports from two sockets within the window: one transaction stores them,
        with each reader's latest."""
        await self.open_sockets()
        stored = mock.Mock(wraps=read_positions.store_read_positions)

        with mock.patch.object(read_positions, "store_read_positions", stored):
            for socket, seq in ((self.member_socket, 1), (self.owner_socket, 3)):
                await socket.send_message(self.read(seq))
            await self.member_socket.send_message(self.read(2))
            await self.owner_socket.assert_push("members_read", timeout=5)

        stored.assert_called_once_with(
            group_chat_id=self.group_chat.pk, positions={self.member.pk: 2, self.user.pk: 3}
        )

    async def test_a_read_that_moves_nothing_tells_nobody(self) -> None:
        """Back to an earlier message, or to where the member already is: no message."""
        await self.open_sockets()
        await self.member_socket.send_message(self.read(2))
        await self.owner_socket.assert_push("members_read")

        await self.member_socket.send_message(self.read(1))
        await self.member_socket.send_message(self.read(2))

        await self.owner_socket.refute_push("members_read", within=0.5)

    async def test_a_socket_of_another_chat_hears_nothing(self) -> None:
        await self.open_sockets()
        elsewhere = await sync_to_async(create_group_chat)(creator=self.user, name="Elsewhere")
        cookies = await sync_to_async(jwt_cookies)(self.user)
        other = self.create_communicator(
            ws_path=f"/ws/chat/{elsewhere.pk}/", headers=ws_headers(cookies)
        )
        await other.connect()
        await other.assert_authenticated_status_ok()

        await self.member_socket.send_message(self.read(2))

        await self.owner_socket.assert_push("members_read")
        await other.refute_push("members_read", within=0.3)


class TestMembersReadOnMe(SeenByTestCase):
    async def test_a_me_socket_hears_of_its_own_users_read_only(self) -> None:
        """``/ws/me/`` shows the user's own counts: each reader's gets their entry alone,
        and a member who read nothing hears nothing of the others' reads (the chat's
        sockets, which show "seen by", get them all)."""
        await self.open_sockets(messages=0)
        third, third_socket = await self.third_member_socket()
        await self.say()
        owner_me = await self.me_socket(self.user)
        member_me = await self.me_socket(self.member)
        third_me = await self.me_socket(third)

        await self.member_socket.send_message(self.read(2))
        await third_socket.send_message(self.read(3))

        for inbox, reader, seq in ((member_me, self.member, 2), (third_me, third, 3)):
            frame = await inbox.assert_push("members_read", timeout=5)
            reads = MembersRead.model_validate(frame).payload.reads
            assert [(r.user_id, r.last_read_seq) for r in reads] == [(reader.pk, seq)]
        for inbox in (owner_me, member_me, third_me):
            await inbox.refute_push("members_read", within=0.3)
