"""Every public method of the communicator, and what each failure message says."""

import asyncio
import time
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from chanx_testing import AuthenticationMessage, FrameNotReceived, WebsocketTestCase
from chanx_testing.tests.asgi import router
from chanx_testing.tests.consumers import Broadcast, Echo, Ping

PONG = {"action": "pong", "payload": None}
COMPLETE = {"action": "complete", "payload": None}


class CommunicatorTestCase(WebsocketTestCase):
    router = router
    ws_path = "/ws/echo/"


class TestConnect(CommunicatorTestCase):
    async def test_connect_accepts_and_returns_the_chosen_subprotocol(self) -> None:
        communicator = self.create_communicator(subprotocols=["chat.v1", "chat.v0"])
        assert await communicator.connect(timeout=3) == (True, "chat.v1")

    async def test_connect_returns_the_close_code_when_refused(self) -> None:
        assert await self.auth_communicator.connect(ws_path="/ws/refuse/") == (False, 4401)
        assert self.auth_communicator.close_code == 4401

    async def test_connect_ws_path_is_the_path_the_consumer_sees(self) -> None:
        communicator = self.create_communicator(ws_path="")
        connected, _ = await communicator.connect(ws_path="/ws/status/403/?x=1")
        assert connected
        assert communicator.scope["path"] == "/ws/status/403/"
        assert communicator.scope["query_string"] == b"x=1"
        assert (await communicator.wait_for_auth()).payload.status_code == 403
        await communicator.assert_closed()

    async def test_connect_ws_path_after_the_start_is_refused(self) -> None:
        await self.auth_communicator.connect()
        with pytest.raises(RuntimeError, match="create another communicator"):
            await self.auth_communicator.connect(ws_path="/ws/room/a/")

    async def test_connect_without_any_path_says_what_to_set(self) -> None:
        communicator = self.create_communicator(ws_path="")
        with pytest.raises(ValueError, match=r"set ws_path on the test case.*connect\(ws_path"):
            await communicator.connect()

    async def test_connect_reports_a_consumer_crash_with_its_traceback(self) -> None:
        with pytest.raises(RuntimeError, match="connect exploded on purpose") as caught:
            await self.auth_communicator.connect(ws_path="/ws/crash-on-connect/")
        assert "'/ws/crash-on-connect/' raised this" in "".join(caught.value.__notes__)
        assert caught.traceback[-1].name == "connect"  # the consumer's own frame

    async def test_connect_timeout_says_the_consumer_did_not_answer(self) -> None:
        communicator = self.create_communicator(ws_path="/ws/echo/", router=_never_answers)
        with pytest.raises(FrameNotReceived, match="neither accepted nor refused"):
            await communicator.connect(timeout=0.1)


async def _accepts_then_returns(scope: Any, receive: Any, send: Any) -> None:
    """An application that ends right after the handshake, as a buggy one might."""
    await receive()
    await send({"type": "websocket.accept"})


async def _never_answers(scope: Any, receive: Any, send: Any) -> None:
    """An application that ignores the handshake until the client goes away."""
    while (await receive())["type"] != "websocket.disconnect":
        pass


class TestAuthentication(CommunicatorTestCase):
    async def test_wait_for_auth_returns_the_typed_message_once_read(self) -> None:
        await self.auth_communicator.connect()
        message = await self.auth_communicator.wait_for_auth()
        assert isinstance(message, AuthenticationMessage)
        assert message.action == "authentication"
        assert (message.payload.status_code, message.payload.status_text) == (200, "OK")
        assert message.payload.data is None
        assert await self.auth_communicator.wait_for_auth() is message

    async def test_assert_authenticated_status_ok_passes_on_200(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()

    async def test_assert_authenticated_status_ok_fails_with_the_status(self) -> None:
        await self.auth_communicator.connect(ws_path="/ws/status/401/")
        with pytest.raises(AssertionError, match="Authentication failed: status 401 'Refused'"):
            await self.auth_communicator.assert_authenticated_status_ok()

    async def test_wait_for_auth_timeout_suspects_disabled_authentication_messages(self) -> None:
        await self.auth_communicator.connect(ws_path="/ws/mute/")
        with pytest.raises(FrameNotReceived) as caught:
            await self.auth_communicator.wait_for_auth(max_auth_time=0.1)
        message = str(caught.value)
        assert "waiting for a frame with action='authentication'" in message
        assert "Frames received meanwhile: none." in message
        assert "authentication messages are off" in message

    async def test_wait_for_auth_fails_when_another_frame_comes_first(self) -> None:
        await self.auth_communicator.connect(ws_path="/ws/renamed/")
        with pytest.raises(FrameNotReceived) as caught:
            await self.auth_communicator.wait_for_auth()
        message = str(caught.value)
        assert "Expected the 'authentication' frame first" in message
        assert '"type": "auth"' in message
        assert "CHANX_TESTING['AUTHENTICATION_ACTION']" in message


class TestMessages(CommunicatorTestCase):
    async def test_send_message_sends_the_models_json(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_message(Echo(payload={"content": "hi", "n": 1}))
        assert await self.auth_communicator.receive_all_json() == [
            {"action": "echo_response", "payload": {"content": "hi", "n": 1}}
        ]

    async def test_receive_until_action_leaves_markers_out_and_the_stop_unless_inclusive(
        self,
    ) -> None:
        communicator = self.auth_communicator
        await communicator.connect()
        assert await communicator.receive_until_action("authentication") == []
        await communicator.send_message(Ping())
        assert await communicator.receive_until_action("complete", inclusive=True) == [PONG]
        await communicator.send_message(Ping())
        await communicator.send_message(Ping())
        assert await communicator.receive_until_action("complete", inclusive=False) == [PONG]
        assert await communicator.receive_until_action("pong", inclusive=True) == [PONG]
        assert await communicator.receive_until_action("complete") == []

    async def test_receive_output_timeout_leaves_the_consumer_alive(self) -> None:
        communicator = self.auth_communicator
        await communicator.connect()
        await communicator.assert_authenticated_status_ok()
        with pytest.raises(TimeoutError):
            await communicator.receive_json_from(timeout=0.05)  # channels' own API
        await communicator.send_json_to({"action": "ping"})
        assert await communicator.receive_json_from() == PONG


class TestGroups(CommunicatorTestCase):
    ws_path = "/ws/room/blue/"

    async def test_wait_group_gives_the_sender_its_own_copy(self) -> None:
        first = self.auth_communicator
        second = self.create_communicator()
        for communicator in (first, second):
            await communicator.connect()
            await communicator.assert_authenticated_status_ok()

        await first.send_message(Broadcast(payload={"content": "hello room"}))

        mine = await first.receive_all_json(wait_group=True)
        theirs = await second.receive_all_json(wait_group=True)
        assert mine == [
            {
                "action": "group_message",
                "payload": {"content": "hello room"},
                "is_mine": True,
                "is_current": True,
            }
        ]
        assert len(theirs) == 1
        assert theirs[0]["payload"] == {"content": "hello room"}
        assert theirs[0]["is_mine"] is False

    async def test_without_wait_group_the_sender_stops_at_complete(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_message(Broadcast(payload={}))
        assert await self.auth_communicator.receive_all_json() == []
        group = await self.auth_communicator.receive_all_json(wait_group=True)
        assert [frame["action"] for frame in group] == ["group_message"]

    async def test_wait_group_without_a_group_message_says_so(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_message(Ping())
        with pytest.raises(FrameNotReceived) as caught:
            await self.auth_communicator.receive_all_json(timeout=0.1, wait_group=True)
        message = str(caught.value)
        assert "'complete' came but no 'group_complete'" in message
        assert '{"action": "pong", "payload": null}' in message


class TestFailures(CommunicatorTestCase):
    async def test_timed_out_receive_all_json_lists_frames_and_leaves_the_consumer_alive(
        self,
    ) -> None:
        communicator = self.auth_communicator
        await communicator.connect(ws_path="/ws/quiet/")
        await communicator.assert_authenticated_status_ok()
        await communicator.send_message(Echo(payload={"n": 1}))
        await communicator.send_message(Echo(payload={"n": 2}))

        started = time.monotonic()
        with pytest.raises(FrameNotReceived) as caught:
            await communicator.receive_all_json(timeout=0.3)
        elapsed = time.monotonic() - started

        assert 0.3 <= elapsed < 0.6
        message = str(caught.value)
        assert "Timed out after 0.3" in message
        assert "waiting for a frame with action='complete'" in message
        assert "Frames received meanwhile (2):" in message
        assert '{"action": "echo_response", "payload": {"n": 2}}' in message
        assert "no marker has come on this connection yet" in message
        # The consumer survived the timeout and still answers.
        await communicator.send_message(Ping())
        assert await communicator.receive_until_action("pong", inclusive=True) == [PONG]

    async def test_nothing_at_all_arriving_is_reported_with_no_frames(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to({"action": "silent"})
        with pytest.raises(FrameNotReceived, match="Frames received meanwhile: none"):
            await self.auth_communicator.receive_all_json(timeout=0.05)

    async def test_a_closed_connection_fails_a_wait_at_once_with_the_close_code(self) -> None:
        communicator = self.auth_communicator
        await communicator.connect(ws_path="/ws/status/403/")
        await communicator.wait_for_auth()
        started = time.monotonic()
        with pytest.raises(FrameNotReceived) as caught:
            await communicator.receive_all_json(timeout=5)
        assert time.monotonic() - started < 1
        assert "The connection closed while waiting for a frame with action='complete'" in str(
            caught.value
        )
        assert "closed the connection with code 4403 (4000 + status 403" in str(caught.value)
        with pytest.raises(FrameNotReceived, match="already closed"):
            await communicator.receive_all_json(timeout=5)

    async def test_a_consumer_crash_is_reported_at_once_with_its_traceback(self) -> None:
        communicator = self.auth_communicator
        await communicator.connect(ws_path="/ws/quiet/")
        await communicator.assert_authenticated_status_ok()
        await communicator.send_message(Ping())  # answered, but without a completion marker
        await communicator.send_json_to({"action": "crash"})
        started = time.monotonic()
        with pytest.raises(RuntimeError, match="exploded on purpose") as caught:
            await communicator.receive_all_json(timeout=5)
        assert time.monotonic() - started < 1
        assert caught.traceback[-1].name == "receive_json"
        notes = "".join(caught.value.__notes__)
        assert "'/ws/quiet/' raised this while the test waited for a frame" in notes
        assert '{"action": "pong", "payload": null}' in notes
        with pytest.raises(RuntimeError, match="exploded on purpose"):
            await communicator.send_message(Ping())

    async def test_an_application_that_returns_is_reported_at_once(self) -> None:
        communicator = self.create_communicator(router=_accepts_then_returns)
        await communicator.connect()
        with pytest.raises(FrameNotReceived, match="'/ws/echo/' returned while the test waited"):
            await communicator.receive_all_json(timeout=5)

    async def test_a_binary_frame_is_reported_as_not_json(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to({"action": "binary"})
        with pytest.raises(FrameNotReceived, match="Expected a JSON text frame"):
            await self.auth_communicator.receive_all_json()

    async def test_receive_before_connect_says_to_connect(self) -> None:
        with pytest.raises(RuntimeError, match=r"Call connect\(\) before"):
            await self.auth_communicator.receive_all_json()


class TestAssertClosed(CommunicatorTestCase):
    async def test_assert_closed_passes_and_checks_the_code(self) -> None:
        await self.auth_communicator.connect(ws_path="/ws/status/404/")
        await self.auth_communicator.wait_for_auth()
        await self.auth_communicator.assert_closed(code=4404)
        with pytest.raises(AssertionError, match="closed with code 4404, not 4403"):
            await self.auth_communicator.assert_closed(code=4403)

    async def test_assert_closed_fails_on_an_open_connection(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.wait_for_auth()
        with pytest.raises(FrameNotReceived, match="kept the connection open"):
            await self.auth_communicator.assert_closed(timeout=0.05)

    async def test_assert_closed_fails_when_a_frame_comes_first(self) -> None:
        await self.auth_communicator.connect()
        with pytest.raises(FrameNotReceived) as caught:
            await self.auth_communicator.assert_closed()
        assert "Expected the connection to close, but a frame came first." in str(caught.value)
        assert '"action": "authentication"' in str(caught.value)


class TestProtocolSettings(CommunicatorTestCase):
    @override_settings(
        CHANX_TESTING={
            "ACTION_KEY": "type",
            "PAYLOAD_KEY": "data",
            "AUTHENTICATION_ACTION": "auth",
            "COMPLETE_ACTION": "done",
            "GROUP_COMPLETE_ACTION": "group_done",
            "TIMEOUT": 0.1,
        }
    )
    async def test_other_protocol_names_come_from_the_settings(self) -> None:
        communicator = self.auth_communicator
        # The waits meant to succeed get 5 s: on a Redis layer, joining a group or relaying
        # a group message can take longer than the 0.1 s default set here.
        await communicator.connect(timeout=5, ws_path="/ws/renamed/")
        await communicator.assert_authenticated_status_ok(5)
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_all_json(timeout=5) == [{"type": "pong", "data": None}]
        await communicator.send_json_to({"type": "broadcast", "data": "x"})
        group = await communicator.receive_all_json(timeout=5, wait_group=True)
        assert [frame["type"] for frame in group] == ["group_message"]
        started = time.monotonic()
        with pytest.raises(FrameNotReceived, match=r"Timed out after 0\.1"):
            await communicator.receive_all_json()  # the default timeout, from the settings
        assert time.monotonic() - started < 0.5

    @override_settings(CHANX_TESTING={"TIMEOUTS": 1})
    async def test_an_unknown_settings_key_is_refused(self) -> None:
        with pytest.raises(ImproperlyConfigured, match=r"unknown keys \['TIMEOUTS'\]"):
            await self.create_communicator().connect()


async def _waits_for_a_future(scope: Any, receive: Any, send: Any) -> None:
    """Accepts, then awaits ``scope["future"]`` under asyncio.wait_for, as redis-py's sends do."""
    await receive()
    await send({"type": "websocket.accept"})
    scope["waiting"].set()
    await asyncio.wait_for(scope["future"], 10)
    await receive()


class TestCancellation(CommunicatorTestCase):
    async def test_a_cancellation_arriving_as_wait_for_completes_is_not_lost(self) -> None:
        """Python 3.11's wait_for drops a cancellation that comes as its future completes
        (fixed in 3.12); in an application under test it is kept, so a channels_redis receive
        cancelled at disconnect stops instead of blocking in Redis until a second cancel."""
        communicator = self.create_communicator(router=_waits_for_a_future)
        communicator.scope["waiting"] = waiting = asyncio.Event()
        communicator.scope["future"] = future = asyncio.get_running_loop().create_future()
        await communicator.connect()
        await waiting.wait()
        future.set_result(None)
        communicator.future.cancel()
        await asyncio.wait({communicator.future}, timeout=5)
        assert communicator.future.cancelled(), "the application did not stop on its cancel"
