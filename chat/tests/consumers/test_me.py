"""``/ws/me/``: the user's own socket, which the groups page keeps open. It hears of
the user's chats only (a new message, added, removed, renamed, deleted, read), and a
chat socket's ``mark_read`` stores the last-read position and tells it."""

from asgiref.sync import sync_to_async

from accounts.models import User
from chanx_testing import WebsocketCommunicator, assert_in_group, assert_not_in_group
from chat.messages.chat_detail import MarkRead, MembersRead, ReadPayload
from chat.messages.me import (
    ChatActivity,
    ChatAdded,
    ChatDeleted,
    ChatRemoved,
    ChatRenamed,
    inbox_group,
)
from chat.models import ChatMember
from chat.services.chats import create_group_chat, delete_group_chat, rename_group_chat
from chat.services.members import add_member, remove_member
from chat.services.messages import post_message
from tests.support.auth import ws_headers
from tests.support.testcase import LoggedInRollbackTestCase


class MeTestCase(LoggedInRollbackTestCase):
    ws_path = "/ws/me/"

    def setUp(self) -> None:
        super().setUp()
        # The test's user is a member of a chat another user owns.
        self.owner, self.owner_headers = self.create_user_and_ws_headers()
        self.group_chat = create_group_chat(creator=self.owner, name="Team")
        self.membership = add_member(group_chat=self.group_chat, actor=self.owner, user=self.user)

    async def my_socket(self) -> WebsocketCommunicator:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        return self.auth_communicator

    async def say(self, sender: User, content: str) -> None:
        await sync_to_async(post_message)(
            group_chat=self.group_chat, sender=sender, content=content
        )

    async def assert_nothing_else_queued(self, socket: WebsocketCommunicator) -> None:
        # A ping answered alone shows no other frame was on its way.
        await socket.send_json_to({"action": "ping"})
        assert [r["action"] for r in await socket.receive_all_json()] == ["pong"]


class TestWhoHearsWhat(MeTestCase):
    async def test_an_anonymous_socket_is_refused(self) -> None:
        """No user, no inbox: ``authentication`` 401, then close 4401."""
        comm = self.create_communicator(headers=ws_headers({}))
        await comm.assert_refused(code=4401, status=401)

    async def test_my_socket_listens_on_my_inbox_and_not_on_anyone_elses(self) -> None:
        """The inbox is a channel-layer group per user: mine, and only mine."""
        socket = await self.my_socket()
        other, _ = await self.acreate_user_and_ws_headers()
        await assert_in_group(socket, inbox_group(self.user.pk))
        await assert_not_in_group(socket, inbox_group(other.pk))

    async def test_a_new_message_in_my_chat_reaches_me_with_its_preview(self) -> None:
        """``chat_activity``: which chat, the message's seq and the start of its text."""
        socket = await self.my_socket()

        await self.say(self.owner, "lunch? " + "x" * 200)

        (frame,) = await socket.receive_all_json(wait_group=True)
        activity = ChatActivity.model_validate(frame)
        assert activity.is_mine is False
        assert activity.payload.group_chat_id == self.group_chat.pk
        assert activity.payload.last_message.seq == 1
        assert activity.payload.last_message.preview == ("lunch? " + "x" * 200)[:100]

    async def test_a_message_in_a_chat_i_am_not_in_never_reaches_me(self) -> None:
        """Members-only by construction: the socket joins only the user's own group."""
        socket = await self.my_socket()
        elsewhere = await sync_to_async(create_group_chat)(creator=self.owner, name="Elsewhere")

        await sync_to_async(post_message)(
            group_chat=elsewhere, sender=self.owner, content="not for you"
        )

        await self.assert_nothing_else_queued(socket)


class TestMyChatsChange(MeTestCase):
    async def test_being_added_to_a_chat_lists_it(self) -> None:
        """``chat_added`` carries the chat as the groups page lists it."""
        socket = await self.my_socket()
        other = await sync_to_async(create_group_chat)(creator=self.owner, name="New")

        await sync_to_async(add_member)(group_chat=other, actor=self.owner, user=self.user)

        (frame,) = await socket.receive_all_json(wait_group=True)
        added = ChatAdded.model_validate(frame).payload
        assert (added.id, added.name, added.my_role, added.unread_count) == (
            other.pk,
            "New",
            "member",
            0,
        )

    async def test_a_chat_added_while_connected_is_heard_from_then_on(self) -> None:
        """The socket follows its ``chat_added``: the new chat's messages reach it without
        a reconnect (each chat's activity is one group, joined as the user's chats change)."""
        socket = await self.my_socket()
        other = await sync_to_async(create_group_chat)(creator=self.owner, name="New")
        await sync_to_async(add_member)(group_chat=other, actor=self.owner, user=self.user)
        (added,) = await socket.receive_all_json(wait_group=True)
        assert added["action"] == "chat_added"

        await sync_to_async(post_message)(group_chat=other, sender=self.owner, content="welcome")

        (frame,) = await socket.receive_all_json(wait_group=True)
        activity = ChatActivity.model_validate(frame).payload
        assert (activity.group_chat_id, activity.last_message.preview) == (other.pk, "welcome")

    async def test_a_chat_i_left_is_not_heard_from_any_more(self) -> None:
        """After its ``chat_removed`` the socket leaves the chat's activity: the next
        message there reaches the members still in it, not this socket."""
        socket = await self.my_socket()
        await sync_to_async(remove_member)(membership=self.membership, actor=self.owner)
        (removed,) = await socket.receive_all_json(wait_group=True)
        assert removed["action"] == "chat_removed"

        await self.say(self.owner, "after you left")

        await self.assert_nothing_else_queued(socket)

    async def test_being_removed_from_a_chat_drops_it(self) -> None:
        """``chat_removed``, however the membership is deleted (here by the owner)."""
        socket = await self.my_socket()

        await sync_to_async(remove_member)(membership=self.membership, actor=self.owner)

        (frame,) = await socket.receive_all_json(wait_group=True)
        assert ChatRemoved.model_validate(frame).payload.group_chat_id == self.group_chat.pk

    async def test_a_rename_reaches_every_member(self) -> None:
        """``chat_renamed`` with the new name."""
        socket = await self.my_socket()

        await sync_to_async(rename_group_chat)(
            group_chat=self.group_chat, actor=self.owner, name="Renamed"
        )

        (frame,) = await socket.receive_all_json(wait_group=True)
        assert ChatRenamed.model_validate(frame).payload.name == "Renamed"

    async def test_a_deleted_chat_is_dropped(self) -> None:
        """``chat_deleted`` once the chat is gone."""
        socket = await self.my_socket()
        chat_id = self.group_chat.pk

        await sync_to_async(delete_group_chat)(group_chat=self.group_chat, actor=self.owner)

        (frame,) = await socket.receive_all_json(wait_group=True)
        assert ChatDeleted.model_validate(frame).payload.group_chat_id == chat_id


class TestMarkRead(MeTestCase):
    async def chat_socket(self) -> WebsocketCommunicator:
        comm = self.create_communicator(ws_path=f"/ws/chat/{self.group_chat.pk}/")
        await comm.connect()
        await comm.assert_authenticated_status_ok()
        return comm

    async def test_mark_read_stores_the_position_and_tells_my_inbox(self) -> None:
        """Three messages unread; ``mark_read`` up to 2 on the chat's socket leaves one,
        stored on the membership, and ``members_read`` says so on ``/ws/me/``."""
        for content in ("one", "two", "three"):
            await self.say(self.owner, content)
        inbox = await self.my_socket()
        chat = await self.chat_socket()

        await chat.send_message(MarkRead(payload=ReadPayload(seq=2)))

        (frame,) = await inbox.receive_all_json(wait_group=True)
        read = MembersRead.model_validate(frame).payload
        assert read.group_chat_id == self.group_chat.pk
        ((user_id, last_read_seq, unread_count),) = [
            (r.user_id, r.last_read_seq, r.unread_count) for r in read.reads
        ]
        assert (user_id, last_read_seq, unread_count) == (self.user.pk, 2, 1)
        assert (await ChatMember.objects.aget(pk=self.membership.pk)).last_read_seq == 2

    async def test_the_position_never_moves_back_nor_past_the_latest_message(self) -> None:
        """A seq beyond the chat's latest counts as the latest; an older one changes
        nothing and tells nobody."""
        for content in ("one", "two"):
            await self.say(self.owner, content)
        inbox = await self.my_socket()
        chat = await self.chat_socket()

        await chat.send_message(MarkRead(payload=ReadPayload(seq=99)))
        (frame,) = await inbox.receive_all_json(wait_group=True)
        assert MembersRead.model_validate(frame).payload.reads[0].last_read_seq == 2
        await chat.send_message(MarkRead(payload=ReadPayload(seq=1)))
        await chat.receive_all_json()

        # Past the moment the reads of that window are stored and told.
        await inbox.refute_push("members_read", within=0.5)
        assert (await ChatMember.objects.aget(pk=self.membership.pk)).last_read_seq == 2
