"""The socket assertions (Phoenix's and Rails' forms), passing and failing with what was seen."""

import pytest
from django.test import override_settings

from chanx_testing import FrameNotReceived
from chanx_testing.tests.asgi import router
from chanx_testing.tests.cases import ConnectingTestCase
from chanx_testing.tests.consumers import Broadcast, Echo, Ping

PONG = {"action": "pong", "payload": None}


class AssertionsTestCase(ConnectingTestCase):
    router = router
    ws_path = "/ws/room/assertions/"


class TestAssertPush(AssertionsTestCase):
    async def test_it_matches_the_action_and_part_of_the_payload(self) -> None:
        await self.connected()
        await self.auth_communicator.send_message(Echo(payload={"n": 1, "text": "hi"}))
        frame = await self.auth_communicator.assert_push("echo_response", n=1)
        assert frame == {"action": "echo_response", "payload": {"n": 1, "text": "hi"}}

    async def test_frames_passed_over_are_kept_in_order_for_the_next_read(self) -> None:
        await self.connected()
        await self.auth_communicator.send_message(Ping())
        await self.auth_communicator.send_message(Broadcast(payload={"n": 2}))
        await self.auth_communicator.assert_push("group_message", n=2)
        assert await self.auth_communicator.receive_all_json() == [PONG]
        assert await self.auth_communicator.receive_until_action("group_complete") == []

    async def test_a_push_that_never_comes_fails_listing_what_came(self) -> None:
        await self.connected()
        await self.auth_communicator.send_message(Echo(payload={"n": 1}))
        with pytest.raises(FrameNotReceived) as caught:
            await self.auth_communicator.assert_push("echo_response", timeout=0.1, n=2)
        message = str(caught.value)
        assert "waiting for a frame with action='echo_response' and payload fields {'n': 2}" in (
            message
        )
        assert '{"action": "echo_response", "payload": {"n": 1}}' in message
        # What it passed over is still there.
        assert await self.auth_communicator.receive_all_json() == [
            {"action": "echo_response", "payload": {"n": 1}}
        ]


class TestRefutePush(AssertionsTestCase):
    async def test_it_passes_when_nothing_comes_and_the_consumer_still_answers(self) -> None:
        await self.connected()
        await self.auth_communicator.refute_push()
        await self.auth_communicator.refute_push("group_message", within=0.05)
        await self.auth_communicator.send_message(Ping())
        assert await self.auth_communicator.receive_all_json() == [PONG]

    async def test_other_frames_do_not_fail_it_and_are_kept(self) -> None:
        await self.connected()
        await self.auth_communicator.send_message(Ping())
        await self.auth_communicator.refute_push("group_message")
        assert await self.auth_communicator.receive_all_json() == [PONG]

    async def test_a_matching_push_fails_it_with_the_frame(self) -> None:
        await self.connected()
        await self.auth_communicator.send_message(Broadcast(payload={"n": 3}))
        with pytest.raises(AssertionError) as caught:
            await self.auth_communicator.refute_push("group_message", within=1)
        message = str(caught.value)
        assert "Expected no push of a frame with action='group_message' within 1s" in message
        assert "'payload': {'n': 3}" in message

    async def test_without_an_action_any_frame_fails_it(self) -> None:
        await self.connected()
        await self.auth_communicator.send_message(Ping())
        with pytest.raises(AssertionError, match="Expected no push of any frame"):
            await self.auth_communicator.refute_push(within=1)


class TestAssertReply(AssertionsTestCase):
    async def test_the_reply_is_found_by_the_ref_sent(self) -> None:
        await self.connected()
        await self.auth_communicator.send_message(Echo(payload={"n": 1}), ref="a")
        await self.auth_communicator.send_message(Echo(payload={"n": 2}), ref="b")
        reply = await self.auth_communicator.assert_reply("b", "echo_response")
        assert reply["payload"] == {"n": 2}
        assert (await self.auth_communicator.assert_reply("a"))["payload"] == {"n": 1}

    async def test_a_missing_reply_fails_naming_the_ref(self) -> None:
        await self.connected()
        await self.auth_communicator.send_message(Echo(payload={"n": 1}), ref="a")
        with pytest.raises(FrameNotReceived) as caught:
            await self.auth_communicator.assert_reply("z", timeout=0.1)
        assert "waiting for a reply with ref='z'" in str(caught.value)
        assert '"ref": "a"' in str(caught.value)

    @override_settings(CHANX_TESTING={"REF_KEY": "payload.id"})
    async def test_a_ref_inside_the_payload_is_named_by_a_dotted_key(self) -> None:
        await self.connected()
        await self.auth_communicator.send_message(Echo(payload={"id": 7, "text": "x"}))
        assert (await self.auth_communicator.assert_reply(7))["payload"]["text"] == "x"


class TestAssertRefused(AssertionsTestCase):
    async def test_a_handshake_refused_with_a_code(self) -> None:
        communicator = self.create_communicator(ws_path="/ws/refuse/")
        await communicator.assert_refused(code=4401)
        with pytest.raises(AssertionError, match="Refused with close code 4401, not 4403"):
            await communicator.assert_refused(code=4403)

    async def test_an_authentication_frame_with_a_status_then_a_close(self) -> None:
        communicator = self.create_communicator(ws_path="/ws/status/403/")
        await communicator.assert_refused(code=4403, status=403)
        with pytest.raises(AssertionError, match=r"Refused with status 403 \('Refused'\), not 401"):
            await communicator.assert_refused(status=401)

    async def test_status_cannot_be_checked_on_a_handshake_refusal(self) -> None:
        communicator = self.create_communicator(ws_path="/ws/refuse/")
        with pytest.raises(AssertionError, match="refused at the handshake"):
            await communicator.assert_refused(status=401)

    async def test_a_connection_let_in_fails_it(self) -> None:
        with pytest.raises(FrameNotReceived) as caught:
            await self.auth_communicator.assert_refused(timeout=0.2)
        message = str(caught.value)
        assert "Expected the consumer to refuse the connection" in message
        assert "its authentication frame said status 200" in message

    async def test_after_wait_for_auth_it_uses_the_frame_already_read(self) -> None:
        communicator = self.create_communicator(ws_path="/ws/status/404/")
        await communicator.connect()
        assert (await communicator.wait_for_auth()).payload.status_code == 404
        await communicator.assert_refused(code=4404, status=404)
