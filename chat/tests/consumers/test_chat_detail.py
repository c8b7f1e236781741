"""The group chat consumer beyond the guide's happy paths: who may connect,
what is refused, and that a message is stored before anyone hears of it."""

import json
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import AccessToken

from chanx_testing import assert_group_send, capture_group_sends
from chat.messages.chat_detail import MessagePayload, NewChatMessage
from chat.messages.me import inbox_group
from chat.models import ChatMember, ChatMessage, GroupChat
from chat.models.chat_message import MAX_MESSAGE_LENGTH
from chat.services.chats import create_group_chat, delete_group_chat
from chat.services.members import add_member, remove_member
from realtime.settings import realtime_settings
from tests.support.auth import ws_headers
from tests.support.testcase import LoggedInRollbackTestCase


class ChatDetailTestCase(LoggedInRollbackTestCase):
    async def setUp(self) -> None:
        await super().setUp()
        self.group_chat = await sync_to_async(create_group_chat)(creator=self.user, name="Team")
        self.ws_path = f"/ws/chat/{self.group_chat.pk}/"


class TestWhoMayConnect(ChatDetailTestCase):
    async def assert_refused(self, status: int, **communicator: Any) -> None:
        """Accepted, told ``status`` in the authentication frame, closed with 4000 + status."""
        comm = self.create_communicator(**communicator)
        await comm.assert_refused(code=4000 + status, status=status)

    async def test_unauthenticated_is_401(self) -> None:
        await self.assert_refused(401, headers=ws_headers({}))

    async def test_expired_token_is_401(self) -> None:
        token = await sync_to_async(AccessToken.for_user)(self.user)
        token.set_exp(lifetime=-timedelta(seconds=1))
        await self.assert_refused(
            401, headers=ws_headers({settings.AUTH_COOKIE_ACCESS: str(token)})
        )

    async def test_missing_group_is_403(self) -> None:
        await self.assert_refused(403, ws_path=f"/ws/chat/{self.group_chat.pk + 1000}/")

    async def test_a_non_member_is_answered_exactly_as_for_a_missing_chat(self) -> None:
        """No existence oracle: the same frame, the same close code, the same queries."""
        _, stranger_headers = await self.acreate_user_and_ws_headers()
        answers = []
        queries = []
        for path in (self.ws_path, f"/ws/chat/{self.group_chat.pk + 1000}/"):
            comm = self.create_communicator(headers=stranger_headers, ws_path=path)
            # The consumers' queries run on the test's own thread (realtime.database).
            captured = CaptureQueriesContext(connection)
            await sync_to_async(captured.__enter__)()
            await comm.connect()
            (answer,) = await comm.receive_until_action("authentication", inclusive=True)
            await sync_to_async(captured.__exit__)(None, None, None)
            answers.append(answer)
            queries.append(len(captured))
            await comm.assert_closed(code=4403)
        assert answers[0] == answers[1]
        assert answers[0]["payload"]["status_code"] == 403
        assert queries[0] == queries[1], (
            f"{queries[0]} queries for someone else's chat, {queries[1]} for a missing one"
        )

    async def test_a_foreign_origin_is_refused_even_with_the_victims_cookie(self) -> None:
        """Cross-site WebSocket hijacking: a page elsewhere opens a socket and
        the browser attaches the user's cookies; only the Origin check stops it."""
        hijack = [
            (name, b"https://evil.example" if name == b"origin" else value)
            for name, value in self.ws_headers
        ]
        hijacked = self.create_communicator(headers=hijack)
        await hijacked.assert_refused()
        assert hijacked.handshake == "refused"  # before any consumer ran

    async def test_removed_member_is_closed_at_once_and_refused_after(self) -> None:
        member, member_headers = await self.acreate_user_and_ws_headers()
        membership = await sync_to_async(add_member)(
            group_chat=self.group_chat, actor=self.user, user=member
        )
        owner = self.auth_communicator  # the first communicator of the test
        comm = self.create_communicator(headers=member_headers)
        await comm.connect()
        await comm.assert_authenticated_status_ok()
        await owner.connect()
        await owner.assert_authenticated_status_ok()

        await sync_to_async(remove_member)(membership=membership, actor=self.user)

        # The open socket is told at once and closed...
        (*_, ended) = await comm.receive_until_action("authentication", inclusive=True)
        assert ended["payload"] == {
            "status_code": 403,
            "status_text": "Forbidden",
            "data": "You left or were removed.",
        }
        await comm.assert_closed(code=4403)
        # ...a new one is refused as for a missing chat, and the owner's socket is open,
        # told only that the member left.
        await self.assert_refused(403, headers=member_headers)
        told = await owner.receive_all_json(wait_group=True)
        assert [r["action"] for r in told] == ["member_removed"]
        await owner.send_json_to({"action": "ping"})
        assert [r["action"] for r in await owner.receive_all_json()] == ["pong"]

    async def test_deleting_the_group_closes_every_members_socket(self) -> None:
        member, member_headers = await self.acreate_user_and_ws_headers()
        await sync_to_async(add_member)(group_chat=self.group_chat, actor=self.user, user=member)
        sockets = [self.auth_communicator, self.create_communicator(headers=member_headers)]
        for comm in sockets:
            await comm.connect()
            await comm.assert_authenticated_status_ok()

        group = self.group_chat.group_name
        with capture_group_sends() as sends:
            await sync_to_async(delete_group_chat)(group_chat=self.group_chat, actor=self.user)

            for comm in sockets:
                (*_, ended) = await comm.receive_until_action("authentication", inclusive=True)
                assert ended["payload"]["data"] == "This group chat was deleted."
                await comm.assert_closed(code=4404)
        # One event to the chat's group, however many members it had (and one to each
        # member's inbox, for their groups pages).
        sent_to = sorted(send.group for send in sends)
        assert sent_to == sorted([group, inbox_group(self.user.pk), inbox_group(member.pk)])
        await assert_group_send(group, event_type="realtime.end_session", status_code=404)
        for user_pk in (self.user.pk, member.pk):
            await assert_group_send(inbox_group(user_pk), "chat_deleted")


class TestMessages(ChatDetailTestCase):
    async def test_an_error_frame_lists_a_few_problems_and_echoes_no_long_keys(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        # Under the frame limit (32 Ki characters): 20 unknown keys of 1,000 characters.
        flood = {f"{n}{'k' * 1000}": n for n in range(20)}
        await self.auth_communicator.send_to(
            text_data=json.dumps({"action": "new_message", "payload": flood})
        )
        (reply,) = await self.auth_communicator.receive_all_json()
        assert reply["action"] == "error"
        assert len(reply["payload"]["errors"]) == 5
        assert "the first 5 are listed" in reply["payload"]["message"]
        assert len(json.dumps(reply)) < 2000

    async def test_a_nul_character_is_refused_with_its_reason(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to(
            {"action": "new_message", "payload": {"content": "a\x00b"}}
        )
        (reply,) = await self.auth_communicator.receive_all_json()
        assert reply["payload"]["errors"][0]["msg"] == (
            "Text must not contain NUL (\\x00) characters"
        )
        assert await ChatMessage.objects.acount() == 0

    async def test_invalid_payloads_get_an_error_and_write_nothing(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        bad_payloads: dict[str, Any] = {
            "empty": {"content": ""},
            "only whitespace": {"content": "   \n "},
            "too long": {"content": "x" * (MAX_MESSAGE_LENGTH + 1)},
            "wrong type": {"content": 42},
            "missing content": {},
            "not an object": "hello",
            # PostgreSQL cannot store it: refused with a reason, never a 500.
            "a NUL character": {"content": "before\x00after"},
        }
        for case, payload in bad_payloads.items():
            with self.subTest(case):
                await self.auth_communicator.send_json_to(
                    {"action": "new_message", "payload": payload}
                )
                responses = await self.auth_communicator.receive_all_json()
                assert [r["action"] for r in responses] == ["error"]
                assert responses[0]["payload"]["errors"][0]["loc"][:2] == [
                    "new_message",
                    "payload",
                ]
        assert await ChatMessage.objects.acount() == 0
        # The socket is still open and a good message still goes through.
        await self.auth_communicator.send_message(
            NewChatMessage(payload=MessagePayload(content="  fine  "))
        )
        (relayed,) = await self.auth_communicator.receive_all_json(wait_group=True)
        assert relayed["payload"]["content"] == "fine"
        assert await ChatMessage.objects.acount() == 1

    async def test_a_padded_message_is_refused_on_what_was_sent_and_nothing_is_saved(
        self,
    ) -> None:
        """60,000 spaces and one letter strip to a one-character message: refused on the
        raw frame (the frame limit), and padding under it on the content as sent."""
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        limit = realtime_settings().max_frame_chars
        padded_frame = {"action": "new_message", "payload": {"content": " " * 60_000 + "x"}}
        await self.auth_communicator.send_json_to(padded_frame)
        (error,) = await self.auth_communicator.receive_all_json()
        assert error["action"] == "error"
        assert error["payload"]["message"] == f"Frame too large: at most {limit} characters."

        padded_content = " " * MAX_MESSAGE_LENGTH + "x"  # a frame well under the limit
        await self.auth_communicator.send_json_to(
            {"action": "new_message", "payload": {"content": padded_content}}
        )
        (error,) = await self.auth_communicator.receive_all_json()
        assert error["action"] == "error"
        assert error["payload"]["errors"][0]["loc"] == ["new_message", "payload", "content"]
        assert error["payload"]["errors"][0]["type"] == "string_too_long"
        assert await ChatMessage.objects.acount() == 0

    async def test_the_message_is_stored_before_any_member_receives_it(self) -> None:
        """At the moment of the group send (before any socket can receive the
        message) the row is already committed."""
        other, other_headers = await self.acreate_user_and_ws_headers()
        await sync_to_async(add_member)(group_chat=self.group_chat, actor=self.user, user=other)
        layer = get_channel_layer()
        stored_at_send: list[bool] = []
        real_group_send = layer.group_send

        async def group_send_checking_the_row(group: str, event: dict[str, Any]) -> None:
            row = ChatMessage.objects.filter(pk=json.loads(event["text"])["payload"]["id"])
            stored_at_send.append(await row.aexists())
            await real_group_send(group, event)

        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        other_comm = self.create_communicator(headers=other_headers)
        await other_comm.connect()
        await other_comm.assert_authenticated_status_ok()
        with patch.object(layer, "group_send", group_send_checking_the_row):
            await self.auth_communicator.send_message(
                NewChatMessage(payload=MessagePayload(content="persisted first"))
            )
            (received,) = await other_comm.receive_all_json(wait_group=True)
        assert stored_at_send == [True]
        assert received["is_mine"] is False
        assert received["payload"]["sender"] == {"id": self.user.pk, "username": self.user.username}
        stored = await ChatMessage.objects.aget(pk=received["payload"]["id"])
        assert stored.content == "persisted first"

    async def test_a_failing_save_is_an_error_and_nothing_is_relayed(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        with (
            patch("chat.services.messages.save_message", side_effect=RuntimeError("db down")),
            self.assertLogs("realtime.consumers", level="ERROR"),
        ):
            await self.auth_communicator.send_message(
                NewChatMessage(payload=MessagePayload(content="lost?"))
            )
            responses = await self.auth_communicator.receive_all_json()
        assert [r["action"] for r in responses] == ["error"]
        assert "db down" not in str(responses)
        assert await ChatMessage.objects.acount() == 0

    async def test_members_of_other_groups_hear_nothing(self) -> None:
        other_group = await GroupChat.objects.acreate(name="Elsewhere")
        outsider, outsider_headers = await self.acreate_user_and_ws_headers()
        await ChatMember.objects.acreate(group_chat=other_group, user=outsider)
        outsider_comm = self.create_communicator(
            headers=outsider_headers, ws_path=f"/ws/chat/{other_group.pk}/"
        )
        await outsider_comm.connect()
        await outsider_comm.assert_authenticated_status_ok()
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_message(
            NewChatMessage(payload=MessagePayload(content="team only"))
        )
        await self.auth_communicator.receive_all_json(wait_group=True)
        # A ping answered after the broadcast shows nothing else was queued.
        await outsider_comm.send_json_to({"action": "ping"})
        assert [r["action"] for r in await outsider_comm.receive_all_json()] == ["pong"]
