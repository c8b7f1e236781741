"""Fuzzing the group chat consumer: generated bad frames (random JSON, near-valid
messages, huge strings, deep nesting, wrong types, binary frames), 100 per
connection. Each gets exactly one ``error``, the socket stays open, nothing is
written. The hypothesis profile sets the number of connections: 100 (10,000
frames) under ``ci``, which .ci/run selects; a few by default
(tests/support/profiles.py)."""

import json
from typing import Any

from asgiref.sync import async_to_sync
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat.models import ChatMessage
from chat.models.chat_message import MAX_MESSAGE_LENGTH
from chat.services.chats import create_group_chat
from realtime.settings import RealtimeSettings
from tests.support.testcase import LoggedInRollbackTestCase

FRAMES_PER_CONNECTION = 100
MAX_FRAME_CHARS = RealtimeSettings().max_frame_chars

Frame = tuple[str, Any]  # ("text", str) or ("bytes", bytes): the ASGI event key and data

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def as_text(value: Any) -> Frame:
    return ("text", json.dumps(value))


def is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


not_an_object = json_values.filter(lambda v: not isinstance(v, dict)).map(as_text)
no_known_action = (
    st.dictionaries(st.text(max_size=8), json_values, max_size=4)
    .filter(lambda d: d.get("action") not in ("ping", "new_message"))
    .map(as_text)
)
bad_content = st.one_of(
    json_values.filter(lambda v: not isinstance(v, str)),
    st.text(alphabet=" \t\r\n", max_size=20),
    st.integers(MAX_MESSAGE_LENGTH + 1, MAX_MESSAGE_LENGTH + 100).map(lambda n: "y" * n),
)
near_valid = st.one_of(
    bad_content.map(lambda c: {"action": "new_message", "payload": {"content": c}}),
    json_values.filter(lambda p: not isinstance(p, dict)).map(
        lambda p: {"action": "new_message", "payload": p}
    ),
    st.dictionaries(
        st.text(min_size=1, max_size=8).filter(lambda k: k != "content"),
        scalars,
        min_size=1,
        max_size=3,
    ).map(lambda extra: {"action": "new_message", "payload": {"content": "fine", **extra}}),
    json_values.filter(lambda p: p is not None).map(lambda p: {"action": "ping", "payload": p}),
    st.just({"action": "ping", "payload": None, "extra": True}),
    st.just({"action": "new_message"}),
).map(as_text)
malformed_json = st.text(max_size=60).filter(lambda t: not is_json(t)).map(lambda t: ("text", t))
deep_nesting = st.integers(100, 20_000).map(
    lambda depth: (
        "text",
        '{"action": "new_message", "payload": {"content": ' + "[" * depth + "]" * depth + "}}",
    )
)
huge = (
    st.integers(MAX_FRAME_CHARS + 1, MAX_FRAME_CHARS * 4)
    .map(lambda n: as_text({"action": "new_message", "payload": {"content": "z" * n}})[1])
    .map(lambda text: ("text", text))
)
binary = st.binary(max_size=64).map(lambda data: ("bytes", data))

bad_frames = st.one_of(
    not_an_object, no_known_action, near_valid, malformed_json, deep_nesting, huge, binary
)


@override_settings(REALTIME={"SEND_COMPLETION": True, "RATE_PER_SECOND": 1e9, "RATE_BURST": 10**9})
class TestFuzzChatDetail(LoggedInRollbackTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.group_chat = create_group_chat(creator=self.user, name="Fuzz")
        self.ws_path = f"/ws/chat/{self.group_chat.pk}/"

    async def send_batch(self, frames: list[Frame]) -> None:
        # One connection per batch, opened and closed in this batch's event loop.
        communicator = self.create_communicator()
        await communicator.connect()
        await communicator.assert_authenticated_status_ok()
        for kind, data in frames:
            # The raw ASGI event: send_to() refuses empty frames, a client may not.
            await communicator.send_input({"type": "websocket.receive", kind: data})
            responses = await communicator.receive_all_json()
            assert [r["action"] for r in responses] == ["error"], (kind, str(data)[:200])
            assert responses[0]["payload"]["message"]
        # Never crashed, never closed: still answering.
        await communicator.send_json_to({"action": "ping"})
        assert [r["action"] for r in await communicator.receive_all_json()] == ["pong"]
        await communicator.aclose()

    def test_every_bad_frame_gets_an_error_and_nothing_is_written(self) -> None:
        # Hypothesis drives a nested function: its per-example database reset
        # (hypothesis.extra.django) would flush the user and group of setUp.
        # One example is one connection; the profile says how many.
        connections = 0

        @settings(deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(bad_frames, min_size=FRAMES_PER_CONNECTION, max_size=FRAMES_PER_CONNECTION))
        def one_connection(frames: list[Frame]) -> None:
            nonlocal connections
            async_to_sync(self.send_batch)(frames)
            assert not ChatMessage.objects.exists()
            connections += 1

        one_connection()
        # Every example the profile asks for was sent (10,000 frames under ``ci``).
        assert connections == settings().max_examples
