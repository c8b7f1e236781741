"""The base consumer, through the same Origin check and middleware as production,
driven by plain ``channels.testing.WebsocketCommunicator``."""

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from unittest import mock

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import TransactionTestCase, override_settings
from django.urls import path
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from realtime import handshake
from realtime.asgi import websocket_application
from realtime.groups import Sender, group_message_event, push
from realtime.settings import realtime_settings
from realtime.tests.consumers import (
    EchoConsumer,
    EchoPayload,
    GatedConsumer,
    ShoutMessage,
    application,
)
from tests.support.auth import Headers, jwt_cookies, ws_headers
from tests.support.factories import UserFactory

TIMEOUT = 3
PONG = {"action": "pong", "payload": None}
COMPLETE = {"action": "complete", "payload": None}
GROUP_COMPLETE = {"action": "group_complete", "payload": None}


def ok(status: int = 200) -> dict[str, Any]:
    texts = {200: "OK", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
    return {"status_code": status, "status_text": texts[status]}


class ConsumerTestCase(TransactionTestCase):
    async def asetup_user(self) -> tuple[User, Headers]:
        user = await sync_to_async(UserFactory.create)()
        return user, ws_headers(await sync_to_async(jwt_cookies)(user))

    @asynccontextmanager
    async def socket(
        self, headers: Headers, path: str = "/ws/echo/"
    ) -> AsyncIterator[WebsocketCommunicator]:
        communicator = WebsocketCommunicator(application, path, headers=headers)
        try:
            connected, _ = await communicator.connect(timeout=TIMEOUT)
            assert connected, "the handshake was refused"
            yield communicator
        finally:
            await communicator.disconnect()

    async def auth(self, communicator: WebsocketCommunicator) -> dict[str, Any]:
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        assert message["action"] == "authentication"
        payload: dict[str, Any] = message["payload"]
        return payload

    async def assert_refused_and_closed(
        self, communicator: WebsocketCommunicator, status: int
    ) -> None:
        payload = await self.auth(communicator)
        assert payload["status_code"] == status
        closed = await communicator.receive_output(timeout=TIMEOUT)
        assert closed == {"type": "websocket.close", "code": 4000 + status}


class AuthenticationTests(ConsumerTestCase):
    async def test_valid_jwt_cookie_is_accepted(self) -> None:
        _, headers = await self.asetup_user()
        async with self.socket(headers) as ws:
            assert (await self.auth(ws)).items() >= ok(200).items()

    async def test_no_cookie_is_refused_with_401_and_closed(self) -> None:
        async with self.socket(ws_headers({})) as ws:
            await self.assert_refused_and_closed(ws, 401)

    async def test_expired_token_is_refused_with_401_and_closed(self) -> None:
        user, _ = await self.asetup_user()
        token = await sync_to_async(AccessToken.for_user)(user)
        token.set_exp(lifetime=-timedelta(seconds=1))
        async with self.socket(ws_headers({settings.AUTH_COOKIE_ACCESS: str(token)})) as ws:
            await self.assert_refused_and_closed(ws, 401)

    async def test_tampered_token_is_refused_with_401_and_closed(self) -> None:
        user, _ = await self.asetup_user()
        token = str(await sync_to_async(AccessToken.for_user)(user))
        header, claims, signature = token.split(".")
        forged = ".".join([header, claims, signature[::-1]])
        async with self.socket(ws_headers({settings.AUTH_COOKIE_ACCESS: forged})) as ws:
            await self.assert_refused_and_closed(ws, 401)

    async def test_session_cookie_is_accepted(self) -> None:
        user = await sync_to_async(UserFactory.create)()
        await self.async_client.aforce_login(user)
        session_id = self.async_client.cookies[settings.SESSION_COOKIE_NAME].value
        async with self.socket(ws_headers({settings.SESSION_COOKIE_NAME: session_id})) as ws:
            assert (await self.auth(ws))["status_code"] == 200

    async def test_foreign_origin_is_refused_before_the_handshake(self) -> None:
        _, headers = await self.asetup_user()
        foreign = [
            (name, b"https://evil.example") if name == b"origin" else (name, value)
            for name, value in headers
        ]
        communicator = WebsocketCommunicator(application, "/ws/echo/", headers=foreign)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert not connected

    async def test_missing_origin_is_refused(self) -> None:
        _, headers = await self.asetup_user()
        without_origin = [(name, value) for name, value in headers if name != b"origin"]
        communicator = WebsocketCommunicator(application, "/ws/echo/", headers=without_origin)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert not connected


class ObjectPermissionTests(ConsumerTestCase):
    async def test_the_named_object_must_pass_the_object_permission(self) -> None:
        user, headers = await self.asetup_user()
        other = await sync_to_async(UserFactory.create)()
        async with self.socket(headers, f"/ws/profile/{user.pk}/") as ws:
            assert (await self.auth(ws))["status_code"] == 200
        async with self.socket(headers, f"/ws/profile/{other.pk}/") as ws:
            await self.assert_refused_and_closed(ws, 403)
        async with self.socket(headers, f"/ws/profile/{other.pk + 1000}/") as ws:
            await self.assert_refused_and_closed(ws, 404)

    async def test_anonymous_gets_401_before_the_object_is_looked_up(self) -> None:
        async with self.socket(ws_headers({}), "/ws/profile/999999/") as ws:
            await self.assert_refused_and_closed(ws, 401)


class MessageTests(ConsumerTestCase):
    async def test_ping_gets_pong_then_complete(self) -> None:
        _, headers = await self.asetup_user()
        async with self.socket(headers) as ws:
            await self.auth(ws)
            await ws.send_json_to({"action": "ping"})
            assert await ws.receive_json_from(timeout=TIMEOUT) == PONG
            assert await ws.receive_json_from(timeout=TIMEOUT) == COMPLETE

    async def test_a_valid_message_reaches_receive_message(self) -> None:
        _, headers = await self.asetup_user()
        async with self.socket(headers) as ws:
            await self.auth(ws)
            echo = {"action": "echo", "payload": {"text": "hi", "times": 2}}
            await ws.send_json_to(echo)
            assert await ws.receive_json_from(timeout=TIMEOUT) == echo
            assert await ws.receive_json_from(timeout=TIMEOUT) == echo
            assert await ws.receive_json_from(timeout=TIMEOUT) == COMPLETE

    async def test_each_kind_of_invalid_input_gets_an_error_and_the_socket_stays_open(
        self,
    ) -> None:
        limit = realtime_settings().max_frame_chars
        cases: list[tuple[str, str, str]] = [
            ("not json", "{oops", "Malformed JSON."),
            ("a list", "[1, 2]", "A message must be a JSON object with an 'action' key."),
            ("a number", "42", "A message must be a JSON object with an 'action' key."),
            ("no action", json.dumps({"payload": {}}), "The message has no 'action'."),
            ("unknown action", json.dumps({"action": "dance"}), "Unknown action."),
            (
                "wrong type",
                json.dumps({"action": "echo", "payload": {"text": "x", "times": "many"}}),
                "Invalid message.",
            ),
            (
                "too long a field",
                json.dumps({"action": "echo", "payload": {"text": "x" * 101}}),
                "Invalid message.",
            ),
            (
                "unknown key",
                json.dumps({"action": "ping", "payload": None, "extra": 1}),
                "Invalid message.",
            ),
            (
                "oversized frame",
                "x" * (limit + 1),
                f"Frame too large: at most {limit} characters.",
            ),
        ]
        _, headers = await self.asetup_user()
        async with self.socket(headers) as ws:
            await self.auth(ws)
            for case, frame, summary in cases:
                with self.subTest(case):
                    await ws.send_to(text_data=frame)
                    error = await ws.receive_json_from(timeout=TIMEOUT)
                    assert error["action"] == "error"
                    assert error["payload"]["message"] == summary
                    assert await ws.receive_json_from(timeout=TIMEOUT) == COMPLETE
            await ws.send_to(bytes_data=b"\x00\x01")
            error = await ws.receive_json_from(timeout=TIMEOUT)
            assert error["payload"]["message"] == "Binary frames are not accepted; send JSON text."
            assert await ws.receive_json_from(timeout=TIMEOUT) == COMPLETE
            # Still open and serving.
            await ws.send_json_to({"action": "ping"})
            assert await ws.receive_json_from(timeout=TIMEOUT) == PONG

    async def test_errors_say_where_the_problem_is(self) -> None:
        _, headers = await self.asetup_user()
        async with self.socket(headers) as ws:
            await self.auth(ws)
            await ws.send_json_to({"action": "echo", "payload": {"text": 5}})
            error = await ws.receive_json_from(timeout=TIMEOUT)
            assert error["payload"]["errors"] == [
                {
                    "loc": ["echo", "payload", "text"],
                    "msg": "Input should be a valid string",
                    "type": "string_type",
                }
            ]

    async def test_a_failing_handler_is_logged_and_answered_without_leaking(self) -> None:
        _, headers = await self.asetup_user()
        async with self.socket(headers) as ws:
            await self.auth(ws)
            with self.assertLogs("realtime.consumers", level="ERROR") as logs:
                await ws.send_json_to({"action": "break"})
                error = await ws.receive_json_from(timeout=TIMEOUT)
            assert error == {
                "action": "error",
                "payload": {"message": "Internal error while handling the message.", "errors": []},
            }
            assert "secret internal detail" not in json.dumps(error)
            assert "RuntimeError: secret internal detail" in logs.output[0]
            assert await ws.receive_json_from(timeout=TIMEOUT) == COMPLETE
            await ws.send_json_to({"action": "ping"})
            assert await ws.receive_json_from(timeout=TIMEOUT) == PONG

    @override_settings(REALTIME={"SEND_COMPLETION": False})
    async def test_no_completion_markers_when_disabled(self) -> None:
        _, headers = await self.asetup_user()
        async with self.socket(headers) as ws:
            await self.auth(ws)
            await ws.send_json_to({"action": "ping"})
            await ws.send_to(text_data="{oops")
            await ws.send_json_to({"action": "ping"})
            assert await ws.receive_json_from(timeout=TIMEOUT) == PONG
            assert (await ws.receive_json_from(timeout=TIMEOUT))["action"] == "error"
            assert await ws.receive_json_from(timeout=TIMEOUT) == PONG


class GroupMessageTests(ConsumerTestCase):
    async def test_a_group_message_reaches_every_member_with_is_mine_and_is_current(
        self,
    ) -> None:
        _, alice_headers = await self.asetup_user()
        _, bob_headers = await self.asetup_user()
        shout = {
            "action": "shout",
            "payload": {"text": "hello", "times": 1},
            "exclude_current": False,
        }
        async with (
            self.socket(alice_headers, "/ws/room/") as alice,
            self.socket(alice_headers, "/ws/room/") as alice_phone,
            self.socket(bob_headers, "/ws/room/") as bob,
        ):
            for ws in (alice, alice_phone, bob):
                assert (await self.auth(ws))["status_code"] == 200
            await alice.send_json_to(shout)

            sender_frames = [await alice.receive_json_from(timeout=TIMEOUT) for _ in range(3)]
            assert COMPLETE in sender_frames
            assert sender_frames[-1] == GROUP_COMPLETE
            assert {**shout, "is_mine": True, "is_current": True} in sender_frames
            assert await alice_phone.receive_json_from(timeout=TIMEOUT) == {
                **shout,
                "is_mine": True,
                "is_current": False,
            }
            assert await alice_phone.receive_json_from(timeout=TIMEOUT) == GROUP_COMPLETE
            assert await bob.receive_json_from(timeout=TIMEOUT) == {
                **shout,
                "is_mine": False,
                "is_current": False,
            }
            assert await bob.receive_json_from(timeout=TIMEOUT) == GROUP_COMPLETE

    async def test_exclude_current_skips_the_sending_socket_only(self) -> None:
        _, alice_headers = await self.asetup_user()
        _, bob_headers = await self.asetup_user()
        shout = {
            "action": "shout",
            "payload": {"text": "psst", "times": 1},
            "exclude_current": True,
        }
        async with (
            self.socket(alice_headers, "/ws/room/") as alice,
            self.socket(bob_headers, "/ws/room/") as bob,
        ):
            await self.auth(alice)
            await self.auth(bob)
            await alice.send_json_to(shout)
            assert await bob.receive_json_from(timeout=TIMEOUT) == {
                **shout,
                "is_mine": False,
                "is_current": False,
            }
            assert await alice.receive_json_from(timeout=TIMEOUT) == COMPLETE
            # Bob's copy has arrived, so Alice's would have too: none came.
            await alice.send_json_to({"action": "ping"})
            assert await alice.receive_json_from(timeout=TIMEOUT) == PONG

    async def test_a_ready_socket_takes_its_group_messages_from_the_layer_at_once(
        self,
    ) -> None:
        """On a layer that can hand group messages over at once (the project's Redis
        layer: worker-local fan-out), a socket asks for it once its client is told 200,
        relays what it is handed with its flags, and stops asking as it closes."""
        _, headers = await self.asetup_user()
        layer = get_channel_layer()
        with mock.patch.object(type(layer), "deliver_locally", create=True) as deliver:
            async with self.socket(headers, "/ws/room/") as bob:
                assert (await self.auth(bob))["status_code"] == 200
                assert len(deliver.call_args_list) == 1
                channel, handler = deliver.call_args.args
                event = group_message_event(
                    ShoutMessage(payload=EchoPayload(text="at once")), Sender(user_pk=-1)
                )
                await handler(event)
                assert await bob.receive_json_from(timeout=TIMEOUT) == {
                    "action": "shout",
                    "payload": {"text": "at once", "times": 1},
                    "exclude_current": False,
                    "is_mine": False,
                    "is_current": False,
                }
                assert await bob.receive_json_from(timeout=TIMEOUT) == GROUP_COMPLETE
            assert deliver.call_args == mock.call(channel, None)

    async def test_push_from_sync_code_reaches_every_socket_in_the_group(self) -> None:
        """The public push API, as a service or a management command calls it."""
        _, alice_headers = await self.asetup_user()
        _, bob_headers = await self.asetup_user()
        async with (
            self.socket(alice_headers, "/ws/room/") as alice,
            self.socket(bob_headers, "/ws/room/") as bob,
        ):
            await self.auth(alice)
            await self.auth(bob)
            message = ShoutMessage(payload=EchoPayload(text="from a service"))
            await sync_to_async(push)("test-room", message)
            for ws in (alice, bob):
                received = ShoutMessage.model_validate(await ws.receive_json_from(timeout=TIMEOUT))
                assert received == message  # from nobody: not mine, not current
                assert await ws.receive_json_from(timeout=TIMEOUT) == GROUP_COMPLETE


def echo(text: str) -> dict[str, Any]:
    return {"action": "echo", "payload": {"text": text, "times": 1}}


class BoundedWorkTests(ConsumerTestCase):
    """Frames are counted when they arrive, so a flood is answered however slow the
    handler is; a socket's frames in flight and a user's open sockets are capped (at the
    first cap the socket is read no more until its answers catch up)."""

    def setUp(self) -> None:
        super().setUp()
        GatedConsumer.entered = asyncio.Event()
        GatedConsumer.release = asyncio.Event()

    async def until_closed(self, ws: WebsocketCommunicator) -> tuple[list[Any], int]:
        """Every frame up to the close, and the close code."""
        frames: list[Any] = []
        while True:
            event = await ws.receive_output(timeout=TIMEOUT)
            if event["type"] == "websocket.close":
                return frames, event["code"]
            frames.append(json.loads(event["text"]))

    async def blocked_socket(self, ws: WebsocketCommunicator) -> None:
        """Authenticated, with its first echo stuck in the handler."""
        await self.auth(ws)
        await ws.send_json_to(echo("first"))
        await GatedConsumer.entered.wait()

    @override_settings(
        REALTIME={
            "SEND_COMPLETION": True,
            "RATE_BURST": 2,
            "RATE_PER_SECOND": 0.001,
            "MAX_VIOLATIONS": 3,
            "MAX_IN_FLIGHT": 100,
        }
    )
    async def test_a_flood_is_answered_with_errors_then_4429_while_the_handler_is_blocked(
        self,
    ) -> None:
        _, headers = await self.asetup_user()
        async with self.socket(headers, "/ws/gated/") as ws:
            await self.blocked_socket(ws)
            for n in range(5):  # one more within the burst, then three over the rate
                await ws.send_json_to(echo(f"flood {n}"))
            frames, code = await self.until_closed(ws)
            assert code == 4429
            errors = [f["payload"]["message"] for f in frames if f["action"] == "error"]
            assert errors == ["Too many messages: at most 0.001 per second."] * 3
            assert frames[-1]["action"] == "authentication"
            assert frames[-1]["payload"]["status_code"] == 429
            # Answered while the first frame was still in its handler.
            assert not GatedConsumer.release.is_set()
            assert "echo" not in [f["action"] for f in frames]

    @override_settings(
        REALTIME={"SEND_COMPLETION": True, "MAX_FRAME_CHARS": 100, "MAX_VIOLATIONS": 3}
    )
    async def test_frames_over_the_size_limit_count_as_violations_and_close_with_4429(
        self,
    ) -> None:
        """No client of the protocol sends a frame over the limit: each one is answered
        on arrival, never queued, and counts towards the close like one over the rate
        (otherwise a padded flood within the rate would be answered for ever)."""
        _, headers = await self.asetup_user()
        async with self.socket(headers, "/ws/gated/") as ws:
            await self.blocked_socket(ws)
            for _ in range(3):
                await ws.send_to(text_data=json.dumps(echo(" " * 100 + "x")))
            frames, code = await self.until_closed(ws)
            assert code == 4429
            errors = [f["payload"]["message"] for f in frames if f["action"] == "error"]
            assert errors == ["Frame too large: at most 100 characters."] * 3
            assert frames[-1]["payload"]["status_code"] == 429
            assert not GatedConsumer.release.is_set()

    @override_settings(REALTIME={"SEND_COMPLETION": True, "MAX_IN_FLIGHT": 2})
    async def test_at_the_in_flight_cap_the_socket_is_read_no_more_until_answers_catch_up(
        self,
    ) -> None:
        """A client within the rate that the server is slow to answer is slowed down,
        not closed: its frame over the cap waits with the server (daphne then stops
        reading the socket), and is read and answered, in order, once the handler is
        free. Before, that frame closed the socket (error, then 4429)."""
        _, headers = await self.asetup_user()
        async with self.socket(headers, "/ws/gated/") as ws:
            await self.blocked_socket(ws)
            await ws.send_json_to(echo("queued"))  # two in flight: the cap
            await ws.send_json_to(echo("waits"))
            for _ in range(1000):  # "queued" is taken; "waits" is left with the server
                if ws.input_queue.qsize() == 1:
                    break
                await asyncio.sleep(0)
            for _ in range(100):  # turns of the loop in which it could be taken: none is
                await asyncio.sleep(0)
            assert ws.input_queue.qsize() == 1, "the frame over the cap was read"
            GatedConsumer.release.set()
            received = [await ws.receive_json_from(timeout=TIMEOUT) for _ in range(6)]
            assert received == [
                echo("first"),
                COMPLETE,
                echo("queued"),
                COMPLETE,
                echo("waits"),
                COMPLETE,
            ]

    @override_settings(REALTIME={"SEND_COMPLETION": True, "MAX_IN_FLIGHT": 3})
    async def test_frames_within_the_cap_are_all_handled_in_order(self) -> None:
        _, headers = await self.asetup_user()
        async with self.socket(headers, "/ws/gated/") as ws:
            await self.blocked_socket(ws)
            await ws.send_json_to(echo("second"))
            await ws.send_json_to({"action": "ping"})
            GatedConsumer.release.set()
            received = [await ws.receive_json_from(timeout=TIMEOUT) for _ in range(6)]
            assert received == [echo("first"), COMPLETE, echo("second"), COMPLETE, PONG, COMPLETE]
            # The frames were handled: the count went down, the socket takes more.
            await ws.send_json_to({"action": "ping"})
            assert await ws.receive_json_from(timeout=TIMEOUT) == PONG

    @override_settings(REALTIME={"SEND_COMPLETION": True, "MAX_SOCKETS_PER_USER": 2})
    async def test_a_user_over_the_socket_cap_is_refused_with_4429(self) -> None:
        _, headers = await self.asetup_user()
        _, other_headers = await self.asetup_user()
        async with self.socket(headers) as first, self.socket(headers) as second:
            assert (await self.auth(first))["status_code"] == 200
            assert (await self.auth(second))["status_code"] == 200
            async with self.socket(headers) as third:
                refused = await self.auth(third)
                assert refused["status_code"] == 429
                assert refused["data"] == "Too many open connections: at most 2 per user."
                closed = await third.receive_output(timeout=TIMEOUT)
                assert closed == {"type": "websocket.close", "code": 4429}
            # Another user is not counted against this one.
            async with self.socket(other_headers) as other:
                assert (await self.auth(other))["status_code"] == 200
            await second.disconnect()
        # Closed sockets give their slots back.
        async with self.socket(headers) as again, self.socket(headers) as and_again:
            assert (await self.auth(again))["status_code"] == 200
            assert (await self.auth(and_again))["status_code"] == 200


# How long a handshake check waits for a second one to meet it: what the test with
# one slot spends per socket, and more than two concurrent connects take to start.
HANDSHAKE_MEETING_SECONDS = 1.0


class HandshakeSlotsTests(ConsumerTestCase):
    """Sockets that connect together have their handshakes checked at most
    ``HANDSHAKES_AT_ONCE`` at a time (on database threads that could run more), so a
    wave of reconnecting clients does not hold every other socket's frames."""

    async def handshakes_met(self, sockets: int) -> bool:
        """Open ``sockets`` sockets at once; whether two handshake checks ever ran at
        the same time: each check waits (up to a deadline) at a barrier for a second."""
        barrier = threading.Barrier(2)
        met: list[bool] = []
        real_check = handshake.check_handshake

        def check(*args: Any) -> Any:
            try:
                barrier.wait(timeout=HANDSHAKE_MEETING_SECONDS)
                met.append(True)
            except threading.BrokenBarrierError:
                barrier.reset()
            return real_check(*args)

        headers = [(await self.asetup_user())[1] for _ in range(sockets)]
        with mock.patch("realtime.consumers.check_handshake", check):
            communicators = [WebsocketCommunicator(application, "/ws/echo/", h) for h in headers]
            try:
                for connected, _ in await asyncio.gather(
                    *(c.connect(timeout=TIMEOUT) for c in communicators)
                ):
                    assert connected
                for communicator in communicators:
                    assert (await self.auth(communicator))["status_code"] == 200
            finally:
                for communicator in communicators:
                    await communicator.disconnect()
        return bool(met)

    @override_settings(REALTIME={"DATABASE_THREADS": 4, "HANDSHAKES_AT_ONCE": 1})
    async def test_one_at_a_time_when_the_setting_says_one(self) -> None:
        assert not await self.handshakes_met(2)

    @override_settings(REALTIME={"DATABASE_THREADS": 4, "HANDSHAKES_AT_ONCE": 2})
    async def test_two_at_once_when_the_setting_says_two(self) -> None:
        """The control: with room for two, the two checks do meet."""
        assert await self.handshakes_met(2)


class AsyncOrmEchoConsumer(EchoConsumer):
    """A consumer whose handlers would use Django's async ORM: it asks for the hop."""

    close_old_connections_per_message = True


HOP_APPLICATION = websocket_application([path("ws/orm-echo/", AsyncOrmEchoConsumer.as_asgi())])


class DatabaseHopTests(ConsumerTestCase):
    """channels runs ``close_old_connections()`` before every event on asgiref's one
    thread-sensitive thread, shared by every socket of the process. The layer skips it
    where its own database work (through realtime.database) closes stale connections:
    on connect and disconnect too, so a burst of handshakes does not queue there."""

    async def hops(self, app: Any, path: str) -> int:
        """channels' hops while a socket connects, pings and disconnects."""
        hops: list[str] = []

        async def counted() -> None:
            hops.append(path)

        _, headers = await self.asetup_user()
        with mock.patch("channels.consumer.aclose_old_connections", counted):
            communicator = WebsocketCommunicator(app, path, headers=headers)
            try:
                connected, _ = await communicator.connect(timeout=TIMEOUT)
                assert connected
                assert (await self.auth(communicator))["status_code"] == 200
                await communicator.send_json_to({"action": "ping"})
                assert await communicator.receive_json_from(timeout=TIMEOUT) == PONG
            finally:
                await communicator.disconnect()
        return len(hops)

    async def test_connect_and_disconnect_make_no_hop(self) -> None:
        assert await self.hops(application, "/ws/echo/") == 0

    async def test_a_consumer_that_asks_for_the_hop_gets_it_on_connect_and_disconnect(
        self,
    ) -> None:
        assert await self.hops(HOP_APPLICATION, "/ws/orm-echo/") == 2
