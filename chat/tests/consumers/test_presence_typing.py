"""Who is online and who is typing in a chat: ephemeral events, never stored in the
database. ``here`` keeps a socket online for ``PRESENCE_TTL`` seconds in the cache and is
answered with who is online; the others get ``presence`` when a member comes online or
their last socket closes. ``typing`` reaches the other sockets as ``member_typing``, at
most once a second per member. The clock is ``chat.presence.clock``, which the tests
move."""

from typing import Any
from unittest.mock import MagicMock, patch

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.models import User
from chanx_testing import WebsocketCommunicator
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
from tests.support.auth import jwt_cookies, ws_headers
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


# One member's sockets in the per-member tests.
TABS = 5


class TestPerMemberAcrossSockets(LoggedInRollbackTestCase):
    """Presence and typing are a member's, not a socket's: a member with several tabs is
    online until the last closes, and however many sockets they type or flap from, the
    others get one ``member_typing`` a second and a few ``presence`` per window."""

    def setUp(self) -> None:
        cache.clear()
        patcher = patch("chat.presence.clock", return_value=NOW)
        self.clock: MagicMock = patcher.start()
        self.addCleanup(patcher.stop)
        super().setUp()

    async def tab(self, member: User) -> WebsocketCommunicator:
        """One more socket of ``member`` on the chat (``ws_path``), authenticated."""
        headers = await sync_to_async(lambda: ws_headers(jwt_cookies(member)))()
        socket = self.create_communicator(headers=headers)
        await socket.connect()
        await socket.assert_authenticated_status_ok()
        return socket

    async def frames_before_the_next_message(
        self, watcher: WebsocketCommunicator, speaker: WebsocketCommunicator
    ) -> list[str]:
        """The actions ``watcher`` gets before ``speaker``'s next message: everything
        pushed before it (every earlier frame was handled, so its pushes were made)."""
        await speaker.send_message(NewChatMessage(payload=MessagePayload(content="marker")))
        frames = await watcher.receive_until_action("member_message", inclusive=True)
        assert frames[-1]["payload"]["content"] == "marker"
        return [frame["action"] for frame in frames[:-1]]

    async def test_closing_one_of_two_tabs_leaves_the_member_online(self) -> None:
        _, member, owner_socket, first_tab = await self.chat_with_member_sockets()
        second_tab = await self.tab(member)
        for tab in (first_tab, second_tab):
            await tab.send_message(Here())
            await tab.receive_until_action("online_members")

        await first_tab.aclose()

        # One "online" for the first tab's here, nothing for the second or the close.
        assert await self.frames_before_the_next_message(owner_socket, second_tab) == ["presence"]
        await owner_socket.send_message(Here())
        (answer,) = await owner_socket.receive_all_json()
        online = OnlineMembers.model_validate(answer).payload.users
        assert {user.id for user in online} == {self.user.pk, member.pk}
        # The last tab closes: now the member went offline.
        await second_tab.aclose()
        (frame,) = await owner_socket.receive_all_json(wait_group=True)
        went = Presence.model_validate(frame).payload
        assert (went.user.id, went.online) == (member.pk, False)

    async def test_a_members_many_sockets_typing_reach_the_others_once_a_second(self) -> None:
        _, member, owner_socket, member_socket = await self.chat_with_member_sockets()
        tabs = [member_socket, *[await self.tab(member) for _ in range(TABS - 1)]]

        for second in range(2):
            self.clock.return_value = NOW + second * presence.TYPING_INTERVAL
            for tab in tabs:
                await tab.send_message(Typing())
                await tab.receive_all_json()  # handled (its relay, if any, was pushed)
            assert await self.frames_before_the_next_message(owner_socket, member_socket) == [
                "member_typing"
            ]
            for tab in tabs:  # the member's other tabs hear it all too (is_mine)
                await tab.receive_until_action("member_message")

    async def test_a_member_flapping_presence_is_announced_a_few_times_per_window(
        self,
    ) -> None:
        """Six times over, the member opens a tab, says ``here`` and closes it (12
        changes): the owner hears of at most PRESENCE_CHANGES of them."""
        _, member, owner_socket, _ = await self.chat_with_member_sockets()
        for _ in range(6):
            tab = await self.tab(member)
            await tab.send_message(Here())
            await tab.receive_all_json()
            await tab.aclose()

        heard = await self.frames_before_the_next_message(owner_socket, owner_socket)

        assert heard == ["presence"] * presence.PRESENCE_CHANGES

    async def test_typing_and_presence_are_answered_while_the_layer_is_down(self) -> None:
        """The channel layer fails every push: ``typing`` and ``here`` are still answered
        as usual (no error frame); only the relays to the others are lost."""
        _, _, _, member_socket = await self.chat_with_member_sockets()
        layer: Any = get_channel_layer()

        with patch.object(
            type(layer), "group_send", side_effect=RedisConnectionError("Redis is down")
        ):
            await member_socket.send_message(Typing())
            typed = await member_socket.receive_all_json()
            await member_socket.send_message(Here())
            here = await member_socket.receive_all_json()

        assert typed == []
        assert [frame["action"] for frame in here] == ["online_members"]
