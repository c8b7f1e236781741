"""Who is online and who is typing in a chat: ephemeral events, never stored in the
database. ``here`` keeps a member online for ``PRESENCE_TTL`` seconds in the cache and is
answered with who is online; the others get ``presence`` when a member comes online or
their socket closes. ``typing`` reaches the other sockets as ``member_typing``, at most
once a second per socket. The clock is ``chat.presence.clock``, which the tests move."""

from unittest.mock import MagicMock, patch

from django.core.cache import cache

from chat import presence
from chat.messages.chat_detail import (
    Here,
    MemberMessage,
    MemberTyping,
    MessagePayload,
    NewChatMessage,
    OnlineMembers,
    Presence,
    Typing,
)
from tests.support.testcase import LoggedInRollbackTestCase

NOW = 1_800_000_000.0


class TestPresenceAndTyping(LoggedInRollbackTestCase):
    def setUp(self) -> None:
        # Presence outlives a test's rolled-back rows: each test starts with nobody online.
        cache.clear()
        patcher = patch("chat.presence.clock", return_value=NOW)
        self.clock: MagicMock = patcher.start()
        self.addCleanup(patcher.stop)
        super().setUp()

    async def test_typing_reaches_the_others_not_the_typist(self) -> None:
        """The owner types: the member's socket gets ``member_typing`` naming the owner,
        with how long to show it; the owner's own socket gets nothing back."""
        _, _, owner_socket, member_socket = await self.chat_with_member_sockets()

        await owner_socket.send_message(Typing())

        assert await owner_socket.receive_all_json() == []
        (frame,) = await member_socket.receive_all_json(wait_group=True)
        typing = MemberTyping.model_validate(frame).payload
        assert (typing.user.id, typing.user.username) == (self.user.pk, self.user.username)
        assert typing.seconds == presence.TYPING_SECONDS

    async def test_typing_more_than_once_a_second_is_relayed_once(self) -> None:
        """Two ``typing`` frames in the same second: the second is ignored without an
        error, so the member's next frame after the first ``member_typing`` is the
        owner's message."""
        _, _, owner_socket, member_socket = await self.chat_with_member_sockets()

        await owner_socket.send_message(Typing())
        assert await owner_socket.receive_all_json() == []
        self.clock.return_value = NOW + presence.TYPING_INTERVAL / 2
        await owner_socket.send_message(Typing())
        assert await owner_socket.receive_all_json() == []
        await owner_socket.send_message(NewChatMessage(payload=MessagePayload(content="hi")))

        (first,) = await member_socket.receive_all_json(wait_group=True)
        assert first["action"] == "member_typing"
        (second,) = await member_socket.receive_all_json(wait_group=True)
        assert MemberMessage.model_validate(second).payload.content == "hi"

    async def test_typing_again_a_second_later_is_relayed(self) -> None:
        """A second ``typing`` a full second after the first reaches the member too."""
        _, _, owner_socket, member_socket = await self.chat_with_member_sockets()

        await owner_socket.send_message(Typing())
        await member_socket.receive_all_json(wait_group=True)
        self.clock.return_value = NOW + presence.TYPING_INTERVAL
        await owner_socket.send_message(Typing())

        (frame,) = await member_socket.receive_all_json(wait_group=True)
        assert frame["action"] == "member_typing"

    async def test_here_tells_the_others_the_member_came_online(self) -> None:
        """The member's page says ``here``: the owner's socket gets ``presence`` online
        for the member; the member's own socket is answered ``online_members``."""
        _, member, owner_socket, member_socket = await self.chat_with_member_sockets()

        await member_socket.send_message(Here())

        (frame,) = await owner_socket.receive_all_json(wait_group=True)
        came = Presence.model_validate(frame).payload
        assert (came.user.id, came.online) == (member.pk, True)
        (answer,) = await member_socket.receive_all_json()
        assert [user.id for user in OnlineMembers.model_validate(answer).payload.users] == [
            member.pk
        ]

    async def test_here_again_while_online_tells_nobody(self) -> None:
        """A heartbeat of a member already online is answered, and not relayed: the
        owner's next frame is the member's message, not another ``presence``."""
        _, _, owner_socket, member_socket = await self.chat_with_member_sockets()
        await member_socket.send_message(Here())
        await owner_socket.receive_all_json(wait_group=True)
        await member_socket.receive_all_json()

        await member_socket.send_message(Here())
        assert [frame["action"] for frame in await member_socket.receive_all_json()] == [
            "online_members"
        ]
        await member_socket.send_message(NewChatMessage(payload=MessagePayload(content="hi")))

        (frame,) = await owner_socket.receive_all_json(wait_group=True)
        assert frame["action"] == "member_message"

    async def test_a_closed_socket_tells_the_others_the_member_went_offline(self) -> None:
        """The member's socket closes: the owner's gets ``presence`` offline for them,
        and the owner's next ``here`` lists only the owner."""
        _, member, owner_socket, member_socket = await self.chat_with_member_sockets()
        await member_socket.send_message(Here())
        await owner_socket.receive_all_json(wait_group=True)

        await member_socket.aclose()

        (frame,) = await owner_socket.receive_all_json(wait_group=True)
        went = Presence.model_validate(frame).payload
        assert (went.user.id, went.online) == (member.pk, False)
        await owner_socket.send_message(Here())
        (answer,) = await owner_socket.receive_all_json()
        assert [user.id for user in OnlineMembers.model_validate(answer).payload.users] == [
            self.user.pk
        ]

    async def test_a_newcomer_learns_who_is_online(self) -> None:
        """The owner is online; the member's page opens and says ``here``: the answer
        lists both, ordered by username."""
        _, member, owner_socket, member_socket = await self.chat_with_member_sockets()
        await owner_socket.send_message(Here())
        await owner_socket.receive_all_json()
        await member_socket.receive_all_json(wait_group=True)  # the owner came online

        await member_socket.send_message(Here())

        (answer,) = await member_socket.receive_all_json()
        users = OnlineMembers.model_validate(answer).payload.users
        assert [user.username for user in users] == sorted([self.user.username, member.username])

    async def test_a_member_whose_heartbeat_stopped_drops_out(self) -> None:
        """The owner said ``here`` and then nothing (their worker died, say: the socket
        never closes here). Once ``PRESENCE_TTL`` has passed, the member's ``here``
        lists only the member."""
        _, member, owner_socket, member_socket = await self.chat_with_member_sockets()
        await owner_socket.send_message(Here())
        await owner_socket.receive_all_json()
        await member_socket.receive_all_json(wait_group=True)  # the owner came online

        self.clock.return_value = NOW + presence.PRESENCE_TTL
        await member_socket.send_message(Here())

        (answer,) = await member_socket.receive_all_json()
        assert [user.id for user in OnlineMembers.model_validate(answer).payload.users] == [
            member.pk
        ]
