"""chanx 0.13's testing API, name by name: each test shows one name or behaviour of
``chanx.testing`` that a chanx suite relies on, as this harness provides it.

The consumer under test (``chanx_style``) behaves as chanx's do: it sends its authentication
frame before it has finished connecting.
"""

import asyncio
import unittest
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.models import Group
from django.db import connection
from django.test import TransactionTestCase, override_settings

from chanx_testing import (
    FrameNotReceived,
    RollbackWebsocketTestCase,
    WebsocketCommunicator,
    WebsocketTestCase,
    protocol,
)
from chanx_testing.tests.asgi import ORIGIN_HEADER
from chanx_testing.tests.chanx_style import checked_router, router

PONG = {"action": "pong", "payload": None}
MARKERS_ON = {"SEND_COMPLETION": True}


async def _relay_to(room: str, payload: Any) -> None:
    """A group message sent from outside any consumer, as a service or another user would."""
    await get_channel_layer().group_send(f"room-{room}", {"type": "relay", "payload": payload})


class WithoutChanx:
    """Where chanx is installed, its own settings object is what counts; these tests show the
    harness reading Django's ``CHANX`` as chanx does, so they hide chanx from it (the real
    chanx runs in .ci/bare-project's chanx variants)."""

    def run(self, result: Any = None) -> Any:
        with mock.patch.object(protocol, "_chanx_settings_module", return_value=None):
            return super().run(result)  # type: ignore[misc]


@override_settings(CHANX=MARKERS_ON)
class ChanxTestCase(WithoutChanx, WebsocketTestCase):
    router = router
    ws_path = "/ws/chanx/lobby/"


class TestCommunicatorConstruction(ChanxTestCase):
    def test_a_communicator_made_outside_any_event_loop_starts_at_connect(self) -> None:
        """asgiref before 3.9 starts the application in __init__ and assigns ``future``;
        here it starts at ``connect()`` on every asgiref, so a communicator may be made in a
        synchronous setUp."""
        communicator = WebsocketCommunicator(router, "/ws/chanx/lobby/")
        assert communicator._future is None

        async def scenario() -> Any:
            connected = await communicator.connect()
            await communicator.wait_for_auth()
            await communicator.disconnect()
            return connected

        assert async_to_sync(scenario)() == (True, None)


class TestConnect(ChanxTestCase):
    async def test_connect_takes_chanx_positional_timeout(self) -> None:
        """chanx: ``connect(timeout=1)``."""
        assert await self.auth_communicator.connect(1) == (True, None)


class TestWaitForAuth(ChanxTestCase):
    async def test_it_returns_once_the_consumer_has_finished_connecting(self) -> None:
        """A group message sent right after ``wait_for_auth()`` reaches the consumer, which
        joined its group after sending the frame (chanx's harness sleeps 0.1 s for this)."""
        await self.auth_communicator.connect()
        auth = await self.auth_communicator.wait_for_auth()
        assert auth.payload.status_code == 200
        await _relay_to("lobby", "right after auth")
        assert await self.auth_communicator.receive_all_json(wait_group=True) == [
            {"action": "group_message", "payload": "right after auth"}
        ]

    async def test_false_positional_returns_none_once_the_consumer_has_settled(self) -> None:
        """chanx: ``wait_for_auth(False, 0.2)`` expects no frame and returns None."""
        await self.auth_communicator.connect()
        assert await self.auth_communicator.receive_until_action("authentication") == []
        assert await self.auth_communicator.wait_for_auth(False, 0.2) is None
        await _relay_to("lobby", "settled")
        frames = await self.auth_communicator.receive_all_json(wait_group=True)
        assert frames == [{"action": "group_message", "payload": "settled"}]

    @override_settings(CHANX={**MARKERS_ON, "SEND_AUTHENTICATION_MESSAGE": False})
    async def test_it_follows_the_send_authentication_message_setting(self) -> None:
        """chanx: with ``SEND_AUTHENTICATION_MESSAGE`` off, ``wait_for_auth()`` is None."""
        await self.auth_communicator.connect()
        assert await self.auth_communicator.wait_for_auth() is None
        await self.auth_communicator.send_json_to({"action": "ping"})
        assert await self.auth_communicator.receive_all_json() == [PONG]

    async def test_max_auth_time_and_after_auth_time_are_accepted_as_keywords(self) -> None:
        """chanx's names for the two waits; here both are deadlines."""
        await self.auth_communicator.connect()
        auth = await self.auth_communicator.wait_for_auth(max_auth_time=0.5, after_auth_time=0.1)
        assert (auth.payload.status_code, auth.payload.status_text) == (200, "OK")

    async def test_a_consumer_still_busy_at_after_auth_time_is_named(self) -> None:
        communicator = self.auth_communicator
        hold = asyncio.Event()
        communicator.scope["hold_connect"] = hold
        await communicator.connect()
        with pytest.raises(FrameNotReceived) as caught:
            await communicator.wait_for_auth(after_auth_time=0.05)
        message = str(caught.value)
        assert "waiting for the consumer to finish connecting after its authentication" in message
        assert "the consumer is still busy" in message
        hold.set()
        assert await communicator.wait_for_auth() is not None


class TestAssertAuthenticatedStatusOk(ChanxTestCase):
    async def test_it_takes_max_auth_time(self) -> None:
        """chanx: ``assert_authenticated_status_ok(max_auth_time=...)``."""
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok(max_auth_time=0.5)


class TestReceiveUntilAction(ChanxTestCase):
    async def test_the_second_positional_argument_is_the_timeout(self) -> None:
        """chanx: ``receive_until_action("pong", 5, inclusive=True)``."""
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to({"action": "ping"})
        assert await self.auth_communicator.receive_until_action("pong", 5, inclusive=True) == [
            PONG
        ]

    async def test_markers_are_left_out_even_when_inclusive(self) -> None:
        """chanx drops ``complete`` and ``group_complete`` from every result."""
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to({"action": "ping"})
        await _relay_to("lobby", "x")
        assert await self.auth_communicator.receive_until_action("complete", inclusive=True) == [
            PONG
        ]
        assert await self.auth_communicator.receive_until_action("group_complete") == [
            {"action": "group_message", "payload": "x"}
        ]

    async def test_the_stop_frame_is_left_out_unless_inclusive(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to({"action": "ping"})
        assert await self.auth_communicator.receive_until_action("pong") == []
        assert await self.auth_communicator.receive_until_action("complete") == []


class TestReceiveAllJson(ChanxTestCase):
    async def test_the_timeout_may_be_positional_and_wait_group_a_keyword(self) -> None:
        """chanx: ``receive_all_json(timeout=5, *, wait_group=False)``."""
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to({"action": "ping"})
        assert await self.auth_communicator.receive_all_json(5) == [PONG]
        await _relay_to("lobby", "y")
        assert await self.auth_communicator.receive_all_json(5, wait_group=True) == [
            {"action": "group_message", "payload": "y"}
        ]


class TestChanxSettings(ChanxTestCase):
    @override_settings(CHANX={**MARKERS_ON, "CAMELIZE": True})
    async def test_camelize_is_read_back_in_the_authentication_frame(self) -> None:
        """chanx's ``CAMELIZE`` sends ``statusCode``; the message reads as ``status_code``."""
        await self.auth_communicator.connect()
        assert (await self.auth_communicator.receive_output())["text"].count("statusCode") == 1
        self.auth_communicator.output_queue.put_nowait(
            {
                "type": "websocket.send",
                "text": '{"action": "authentication", '
                '"payload": {"statusCode": 200, "statusText": "OK"}}',
            }
        )
        auth = await self.auth_communicator.wait_for_auth()
        assert (auth.payload.status_code, auth.payload.status_text) == (200, "OK")
        await self.auth_communicator.assert_authenticated_status_ok()

    @override_settings(CHANX={**MARKERS_ON, "MESSAGE_ACTION_KEY": "type"})
    async def test_message_action_key_names_the_action(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to({"type": "ping"})
        assert await self.auth_communicator.receive_all_json() == [
            {"type": "pong", "payload": None}
        ]


class _ChanxSettingsStandIn:
    """chanx's live settings object, as ``override_chanx_settings`` leaves it: the values
    chanx's code reads now, whatever Django's ``CHANX`` says."""

    def __init__(self, **overrides: Any) -> None:
        defaults = {
            "MESSAGE_ACTION_KEY": "action",
            "SEND_AUTHENTICATION_MESSAGE": True,
            "SEND_COMPLETION": False,
            "CAMELIZE": False,
        }
        self.chanx_settings = SimpleNamespace(**{**defaults, **overrides})


def chanx_installed_with(**overrides: Any) -> Any:
    """chanx installed, its settings changed by ``override_chanx_settings(**overrides)``."""
    return mock.patch.object(
        protocol, "_chanx_settings_module", return_value=_ChanxSettingsStandIn(**overrides)
    )


class TestChanxLiveSettings(ChanxTestCase):
    """Where chanx is installed, its own settings object is what the consumer obeys."""

    async def test_override_chanx_settings_camelize_is_seen_by_wait_for_auth(self) -> None:
        """Without it, ``statusCode`` fails validation: ``payload.status_code`` missing."""
        with chanx_installed_with(CAMELIZE=True, SEND_COMPLETION=True):
            await self.auth_communicator.connect()
            auth = await self.auth_communicator.wait_for_auth()
            assert (auth.payload.status_code, auth.payload.status_text) == (200, "OK")
            await self.auth_communicator.send_json_to({"action": "ping"})
            assert await self.auth_communicator.receive_all_json() == [PONG]

    async def test_chanx_default_send_authentication_message_true_applies(self) -> None:
        with chanx_installed_with(SEND_COMPLETION=True):
            await self.auth_communicator.connect()
            auth = await self.auth_communicator.wait_for_auth()
            assert auth is not None
            assert auth.payload.status_code == 200

    async def test_override_chanx_settings_send_authentication_message_off(self) -> None:
        with chanx_installed_with(SEND_AUTHENTICATION_MESSAGE=False, SEND_COMPLETION=True):
            await self.auth_communicator.connect()
            assert await self.auth_communicator.wait_for_auth() is None


@override_settings(CHANX={"SEND_COMPLETION": True})
class TestChanxDefaultsWithoutChanx(ChanxTestCase):
    """Without chanx installed, ``CHANX`` keys it does not name take chanx's defaults."""

    async def test_an_absent_send_authentication_message_means_a_frame_comes(self) -> None:
        await self.auth_communicator.connect()
        assert await self.auth_communicator.wait_for_auth() is not None

    @override_settings(CHANX={"CAMELIZE": False})
    async def test_an_absent_send_completion_means_markers_are_off(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to({"action": "ping"})
        with pytest.raises(FrameNotReceived, match=r"markers are off in the settings"):
            await self.auth_communicator.receive_all_json(0.05)


class TestTestCaseAttributes(ChanxTestCase):
    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        return [ORIGIN_HEADER]

    def get_subprotocols(self) -> list[str]:
        return ["chat.v1"]

    async def test_ws_headers_and_subprotocols_are_read_from_the_hooks_in_setup(self) -> None:
        assert self.ws_headers == [ORIGIN_HEADER]
        assert self.subprotocols == ["chat.v1"]
        assert self.auth_communicator.scope["subprotocols"] == ["chat.v1"]

    async def test_create_communicator_defaults_to_self_ws_headers_as_they_are_then(self) -> None:
        self.ws_headers = [(b"origin", b"http://other.example")]
        communicator = self.create_communicator()
        assert communicator.scope["headers"] == [(b"origin", b"http://other.example")]

    async def test_auth_communicator_is_the_first_communicator_created(self) -> None:
        first = self.create_communicator(ws_path="/ws/chanx/first/")
        self.create_communicator()
        assert self.auth_communicator is first

    def test_create_communicator_takes_keywords_only(self) -> None:
        with pytest.raises(TypeError):
            self.create_communicator(router)  # type: ignore[call-arg]


class TestDiagnostics(ChanxTestCase):
    async def test_a_missed_event_is_not_blamed_on_markers_that_are_on(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to({"action": "ping"})
        assert await self.auth_communicator.receive_all_json() == [PONG]
        with pytest.raises(FrameNotReceived) as caught:
            await self.auth_communicator.receive_all_json(0.05, wait_group=True)
        message = str(caught.value)
        assert "markers are on (this connection received ['complete'] before)" in message
        assert "off" not in message

    @override_settings(CHANX={"SEND_COMPLETION": False})
    async def test_markers_switched_off_in_the_settings_are_named(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to({"action": "ping"})
        with pytest.raises(FrameNotReceived, match=r"markers are off in the settings"):
            await self.auth_communicator.receive_all_json(0.05)

    async def test_a_handshake_refused_by_the_origin_check_is_named(self) -> None:
        communicator = self.create_communicator(
            router=checked_router, headers=[(b"origin", b"http://evil.example")]
        )
        assert await communicator.connect() == (False, 1000)
        with pytest.raises(FrameNotReceived) as caught:
            await communicator.wait_for_auth()
        message = str(caught.value)
        assert "the handshake was refused before the connection was accepted" in message
        assert "OriginValidator" in message
        assert "origin 'http://evil.example'" in message
        assert "ALLOWED_HOSTS is" in message
        assert "the consumer closed" not in message

    async def test_a_wait_on_a_communicator_never_connected_says_so(self) -> None:
        await self.auth_communicator.send_json_to({"action": "ping"})
        with pytest.raises(RuntimeError) as caught:
            await self.auth_communicator.receive_all_json()
        assert "this communicator was never connected" in str(caught.value)
        assert "frames were sent to it, but no websocket.connect" in str(caught.value)


class TestRollbackWebsocketTestCase(TransactionTestCase):
    def test_consumers_share_the_tests_transaction_and_it_is_rolled_back(self) -> None:
        """The fast form: consumers see the test's uncommitted rows, the test sees theirs,
        on_commit callbacks run when the consumer's own transaction commits (not when one
        rolls back), and nothing is left after the tests, without a table flush."""

        @override_settings(CHANX=MARKERS_ON)
        class Inner(WithoutChanx, RollbackWebsocketTestCase):
            router = router
            ws_path = "/ws/chanx/lobby/"

            async def test_it(self) -> None:
                assert await sync_to_async(lambda: connection.in_atomic_block)()
                await Group.objects.acreate(name="made by the test")
                await self.auth_communicator.connect()
                await self.auth_communicator.assert_authenticated_status_ok()
                await self.auth_communicator.send_json_to(
                    {"action": "create_group", "payload": "made by the consumer"}
                )
                await self.auth_communicator.send_json_to({"action": "count_groups"})
                frames = await self.auth_communicator.receive_until_action(
                    "group_count", inclusive=True
                )
                assert frames[-1]["payload"] == 2
                assert await Group.objects.filter(name="made by the consumer").aexists()

            async def test_on_commit_runs_when_the_codes_transaction_ends(self) -> None:
                communicator = self.auth_communicator
                await communicator.connect()
                await communicator.assert_authenticated_status_ok()
                for name in ("fail", "kept"):
                    await communicator.send_json_to(
                        {"action": "save_then_announce", "payload": name}
                    )
                assert await communicator.receive_all_json() == [
                    {"action": "error", "payload": "rolled back on purpose"}
                ]
                assert await communicator.receive_all_json(wait_group=True) == [
                    {"action": "group_message", "payload": "kept committed"}
                ]
                assert not await Group.objects.filter(name="fail").aexists()

        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(Inner).run(result)
        assert (result.errors, result.failures, result.testsRun) == ([], [], 2), result.failures
        assert Group.objects.count() == 0
