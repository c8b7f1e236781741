"""Mentions over the sockets: a message that names a member carries its mentions to
every member's chat socket, the mentioned member's ``/ws/me/`` learns it (one more
mention to count), reading it takes it off, a mute reaches every page of the user, and
a mention of a user that does not exist is an ``error`` that stores nothing."""

from asgiref.sync import sync_to_async

from accounts.models import User
from chanx_testing import WebsocketCommunicator
from chat.messages.chat_detail import (
    MarkRead,
    MemberMessage,
    MembersRead,
    MessagePayload,
    NewChatMessage,
    ReadPayload,
)
from chat.messages.me import ChatActivity, ChatMuted
from chat.models import ChatMessage, GroupChat, Mention
from chat.services import notifications
from chat.services.messages import post_message
from tests.support.testcase import LoggedInRollbackTestCase


class MentionTestCase(LoggedInRollbackTestCase):
    group_chat: GroupChat
    member: User
    owner_socket: WebsocketCommunicator
    member_socket: WebsocketCommunicator

    async def open_sockets(self) -> None:
        """The test's user owns a chat with one more member; each one's chat socket."""
        chat, member, owner_socket, member_socket = await self.chat_with_member_sockets()
        self.group_chat, self.member = chat, member
        self.owner_socket, self.member_socket = owner_socket, member_socket

    def say(self, content: str, mentions: list[int] | None = None) -> NewChatMessage:
        return NewChatMessage(payload=MessagePayload(content=content, mentions=mentions or []))


class TestMentionOnTheWire(MentionTestCase):
    async def test_every_member_gets_the_message_with_whom_it_mentions(self) -> None:
        """``member_message`` carries ``mentions``: the user and the name as written."""
        await self.open_sockets()

        await self.owner_socket.send_message(
            self.say(f"@{self.member.username} lunch?", [self.member.pk])
        )

        for socket in (self.owner_socket, self.member_socket):
            (frame,) = await socket.receive_all_json(wait_group=True)
            (mention,) = MemberMessage.model_validate(frame).payload.mentions
            assert (mention.user.id, mention.user.username, mention.handle) == (
                self.member.pk,
                self.member.username,
                self.member.username,
            )

    async def test_the_mentioned_members_inbox_counts_it_and_reading_takes_it_off(self) -> None:
        """``chat_activity`` names the mentioned ids; ``members_read`` gives the count left."""
        await self.open_sockets()
        inbox = await self.me_socket(self.member)

        await self.owner_socket.send_message(self.say(f"hey @{self.member.username}"))
        activity = ChatActivity.model_validate(
            await inbox.assert_push("chat_activity", group_chat_id=self.group_chat.pk)
        )
        assert activity.payload.mentions == [self.member.pk]

        await self.member_socket.send_message(MarkRead(payload=ReadPayload(seq=1)))
        read = MembersRead.model_validate(await inbox.assert_push("members_read"))
        (mine,) = read.payload.reads
        assert (mine.user_id, mine.unread_count, mine.mention_count) == (self.member.pk, 0, 0)

    async def test_a_mention_of_a_missing_user_is_an_error_and_stores_nothing(self) -> None:
        await self.open_sockets()
        missing = self.member.pk + 1000

        await self.owner_socket.send_message(self.say("hi", [missing]))

        (error,) = await self.owner_socket.receive_all_json()
        assert error["action"] == "error"
        assert error["payload"]["message"] == f"No user with id {missing} to mention."
        assert not await ChatMessage.objects.aexists()
        await self.member_socket.refute_push("member_message")

    async def test_a_mention_of_a_non_member_does_nothing(self) -> None:
        """The message is said; nobody is mentioned."""
        await self.open_sockets()
        outsider, _ = await self.acreate_user_and_ws_headers()

        await self.owner_socket.send_message(self.say(f"@{outsider.username} hi", [outsider.pk]))

        frame = await self.member_socket.assert_push("member_message")
        assert MemberMessage.model_validate(frame).payload.mentions == []
        assert not await Mention.objects.aexists()

    async def test_too_many_mention_ids_are_refused_at_the_edge(self) -> None:
        await self.open_sockets()

        await self.owner_socket.send_json_to(
            {"action": "new_message", "payload": {"content": "hi", "mentions": list(range(1, 52))}}
        )

        (error,) = await self.owner_socket.receive_all_json()
        assert error["action"] == "error"
        assert not await ChatMessage.objects.aexists()


class TestMute(MentionTestCase):
    async def test_muting_tells_every_page_of_the_user_and_nobody_else(self) -> None:
        await self.open_sockets()
        inbox = await self.me_socket(self.member)

        await sync_to_async(notifications.set_muted)(
            group_chat=self.group_chat, user=self.member, muted=True
        )

        muted = ChatMuted.model_validate(await inbox.assert_push("chat_muted"))
        assert (muted.payload.group_chat_id, muted.payload.muted) == (self.group_chat.pk, True)
        await self.owner_socket.refute_push()

    async def test_a_muted_chat_still_counts_mentions(self) -> None:
        """Muting changes what is notified (the page's decision), not what is counted."""
        await self.open_sockets()
        await sync_to_async(notifications.set_muted)(
            group_chat=self.group_chat, user=self.member, muted=True
        )
        inbox = await self.me_socket(self.member)

        await sync_to_async(post_message)(
            group_chat=self.group_chat,
            sender=self.user,
            content=f"@{self.member.username} still counted",
        )

        activity = ChatActivity.model_validate(await inbox.assert_push("chat_activity"))
        assert activity.payload.mentions == [self.member.pk]
