"""Reactions from the chat's socket: ``react`` puts an emoji on a message or takes it
off, and every member's socket gets ``reaction_changed``; the same reaction again
changes nothing and is announced to nobody; a refusal is an ``error`` that stores
nothing."""

from typing import Any

from asgiref.sync import sync_to_async

from chat.messages.chat_detail import MessageDeleted, React, ReactionChanged, ReactPayload
from chat.models import Reaction
from chat.services.messages import delete_message
from tests.support.testcase import ChatWithMessageTestCase


class ReactionsTestCase(ChatWithMessageTestCase):
    def react(self, emoji: Any = "👍", *, reacted: bool = True, message_id: int = 0) -> React:
        return React(
            payload=ReactPayload(id=message_id or self.message.pk, emoji=emoji, reacted=reacted)
        )

    async def assert_refused(self, reason: str) -> None:
        """The member's socket got one ``error`` with ``reason``; nothing was stored or
        announced."""
        (error,) = await self.member_socket.receive_all_json()
        assert error["action"] == "error"
        assert error["payload"]["message"] == reason
        assert not await Reaction.objects.aexists()
        await self.assert_nothing_more()


class TestReact(ReactionsTestCase):
    async def test_a_reaction_reaches_every_member(self) -> None:
        """The member reacts: both sockets get ``reaction_changed`` with who and the
        count, ``is_mine`` on the member's; the row is stored."""
        await self.open_sockets()
        await self.member_socket.send_message(self.react("🎉"))

        for socket, mine in ((self.member_socket, True), (self.owner_socket, False)):
            (frame,) = await socket.receive_all_json(wait_group=True)
            changed = ReactionChanged.model_validate(frame)
            assert changed.is_mine is mine
            assert changed.payload.model_dump() == {
                "message_id": self.message.pk,
                "emoji": "🎉",
                "user": {"id": self.member.pk, "username": self.member.username},
                "reacted": True,
                "count": 1,
            }
        stored = await Reaction.objects.aget()
        assert (stored.message_id, stored.user_id, stored.emoji) == (
            self.message.pk,
            self.member.pk,
            "🎉",
        )

    async def test_the_same_reaction_again_is_announced_to_nobody(self) -> None:
        """A second ``react`` with the same emoji (another tab's, a resend) is handled
        (``complete``) and changes nothing."""
        await self.open_sockets()
        await self.member_socket.send_message(self.react())
        await self.member_socket.receive_all_json(wait_group=True)
        await self.owner_socket.receive_all_json(wait_group=True)

        await self.member_socket.send_message(self.react())

        assert await self.member_socket.receive_all_json() == []
        assert await Reaction.objects.acount() == 1
        await self.assert_nothing_more()

    async def test_taking_a_reaction_off_reaches_every_member(self) -> None:
        await self.open_sockets()
        await self.member_socket.send_message(self.react())
        await self.member_socket.receive_all_json(wait_group=True)
        await self.owner_socket.receive_all_json(wait_group=True)

        await self.member_socket.send_message(self.react(reacted=False))

        (frame,) = await self.owner_socket.receive_all_json(wait_group=True)
        changed = ReactionChanged.model_validate(frame).payload
        assert (changed.reacted, changed.count) == (False, 0)
        assert not await Reaction.objects.aexists()

    async def test_a_deleted_message_loses_its_reactions(self) -> None:
        """The owner deletes a message the member reacted to: the tombstone every member
        gets has no reactions, and the rows are gone."""
        await self.open_sockets()
        await self.member_socket.send_message(self.react())
        await self.member_socket.receive_all_json(wait_group=True)
        await self.owner_socket.receive_all_json(wait_group=True)

        await self.owner_socket.send_json_to(
            {"action": "delete_message", "payload": {"id": self.message.pk}}
        )

        (frame,) = await self.member_socket.receive_all_json(wait_group=True)
        assert MessageDeleted.model_validate(frame).payload.reactions == []
        assert not await Reaction.objects.aexists()


class TestRefused(ReactionsTestCase):
    async def test_an_emoji_outside_the_set_is_refused_at_the_edge(self) -> None:
        """Refused before any handler runs, with where and what in ``errors``."""
        await self.open_sockets()
        await self.member_socket.send_json_to(
            {"action": "react", "payload": {"id": self.message.pk, "emoji": "🍕"}}
        )

        (error,) = await self.member_socket.receive_all_json()
        (detail,) = error["payload"]["errors"]
        assert detail["loc"] == ["react", "payload", "emoji"]
        assert "👍" in detail["msg"]
        assert not await Reaction.objects.aexists()
        await self.assert_nothing_more()

    async def test_a_message_of_another_chat_is_not_found(self) -> None:
        await self.open_sockets()
        theirs = await self.message_of_another_chat()
        await self.member_socket.send_message(self.react(message_id=theirs.pk))

        await self.assert_refused("No such message in this chat.")

    async def test_a_missing_message_is_not_found(self) -> None:
        await self.open_sockets()
        await self.member_socket.send_message(self.react(message_id=self.message.pk + 1000))

        await self.assert_refused("No such message in this chat.")

    async def test_a_deleted_message_takes_no_reaction(self) -> None:
        await self.open_sockets()
        await sync_to_async(delete_message)(
            group_chat=self.group_chat, message_id=self.message.pk, actor=self.user
        )
        await self.member_socket.receive_all_json(wait_group=True)
        await self.owner_socket.receive_all_json(wait_group=True)

        await self.member_socket.send_message(self.react())

        await self.assert_refused("This message was deleted.")

    async def test_a_non_member_has_no_socket_to_react_from(self) -> None:
        """Reacting needs the chat's socket, which a non-member never gets (403)."""
        await self.open_sockets()
        _outsider, headers = await self.acreate_user_and_ws_headers()
        outsider_socket = self.create_communicator(headers=headers)
        await outsider_socket.connect()

        auth = await outsider_socket.wait_for_auth()
        assert auth.payload.status_code == 403
        await outsider_socket.assert_closed()
        assert not await Reaction.objects.aexists()
