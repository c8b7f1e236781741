"""Group sends and memberships asserted at the channel layer, with no second client.

They run on whichever layer the settings configure (in memory by default; Redis, core or
pub/sub, when the suite runs with one).
"""

import json
from unittest.mock import AsyncMock, patch

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from chanx_testing import (
    Protocol,
    WebsocketTestCase,
    assert_group_send,
    assert_in_group,
    assert_not_in_group,
    capture_group_sends,
)
from chanx_testing.tests.asgi import router
from chanx_testing.tests.cases import ConnectingTestCase
from chanx_testing.tests.chanx2_style import ROOM_GROUP, Chanx2StyleConsumer, RoomNews, RoomPayload
from chanx_testing.tests.chanx2_style import router as chanx2_router
from chanx_testing.tests.consumers import Broadcast

ROOM = "room-layers"


class LayersTestCase(ConnectingTestCase):
    router = router
    ws_path = "/ws/room/layers/"


class TestAssertGroupSend(LayersTestCase):
    async def test_a_consumers_group_send_is_asserted_without_a_second_client(self) -> None:
        await self.connected()
        await self.auth_communicator.send_message(Broadcast(payload={"n": 1, "text": "hi"}))
        [send] = await assert_group_send(ROOM, event_type="relay", n=1, count=1)
        assert send.message["payload"] == {"n": 1, "text": "hi"}

    async def test_a_send_from_sync_code_in_another_thread_is_recorded_too(self) -> None:
        def service() -> None:
            event = {"type": "relay", "payload": {"n": 9}, "sender": "a service"}
            async_to_sync(get_channel_layer().group_send)(ROOM, event)

        await self.connected()
        await sync_to_async(service, thread_sensitive=False)()
        await assert_group_send(ROOM, event_type="relay", n=9)

    async def test_a_patch_of_the_layers_class_made_after_the_watch_is_obeyed(self) -> None:
        """A test that makes the layer fail (``patch.object(type(layer), ...)``) once the
        watch is installed still sees its patch called, and the send is still recorded."""
        await self.connected()
        layer = get_channel_layer()
        failure = ConnectionError("the layer is down")
        with (
            # create: the pub/sub layer's class has no group_send of its own (__getattr__).
            patch.object(
                type(layer), "group_send", AsyncMock(side_effect=failure), create=True
            ) as group_send,
            pytest.raises(ConnectionError),
        ):
            await layer.group_send(ROOM, {"type": "relay", "payload": {"n": 5}})
        assert group_send.await_count == 1
        await assert_group_send(ROOM, event_type="relay", n=5)

    async def test_a_frame_inside_the_event_is_matched_by_its_action(self) -> None:
        news = RoomNews(payload=RoomPayload(room_name="lobby", member_count=3))
        await Chanx2StyleConsumer.broadcast_event(news, ROOM_GROUP)
        sends = await assert_group_send(ROOM_GROUP, "room_news", member_count=3)
        assert sends[0].message["type"] == "handle_channel_event"

    async def test_nothing_sent_fails_with_the_sends_seen(self) -> None:
        await self.connected()
        await self.auth_communicator.send_message(Broadcast(payload={"n": 1}))
        await assert_group_send(ROOM)
        with pytest.raises(AssertionError) as caught:
            await assert_group_send(ROOM, event_type="relay", n=2, timeout=0.1)
        message = str(caught.value)
        assert "waiting for 1 group send to 'room-layers' with type 'relay', payload fields" in (
            message
        )
        assert "Sends to 'room-layers' meanwhile (1):" in message
        assert '"payload": {"n": 1}' in message

    async def test_a_wrong_count_fails(self) -> None:
        await self.connected()
        for n in (1, 1):
            await self.auth_communicator.send_message(Broadcast(payload={"n": n}))
        await assert_group_send(ROOM, count=2, n=1)
        with pytest.raises(AssertionError, match="Expected 1 group sends to 'room-layers'"):
            await assert_group_send(ROOM, count=1, n=1)

    async def test_sends_to_other_groups_are_named(self) -> None:
        await get_channel_layer().group_send("room-other", {"type": "nobody.listens"})
        with pytest.raises(AssertionError, match=r"Sends to other groups went to \['room-other'\]"):
            await assert_group_send(ROOM, timeout=0.05)

    async def test_capture_group_sends_narrows_to_one_group(self) -> None:
        with capture_group_sends(ROOM) as sends:
            await get_channel_layer().group_send("room-other", {"type": "nobody.listens"})
            await get_channel_layer().group_send(
                ROOM, {"type": "nobody.listens", "payload": {"n": 5}}
            )
        assert [send.group for send in sends] == [ROOM]
        assert sends.matching(n=5) == sends


def test_assert_group_send_without_a_capture_says_what_to_open() -> None:
    with pytest.raises(RuntimeError, match="found no capture_group_sends"):
        async_to_sync(assert_group_send)("anything")


class TestMembership(LayersTestCase):
    async def test_in_and_out_of_a_group(self) -> None:
        await self.connected()
        await assert_in_group(self.auth_communicator, ROOM)
        await assert_not_in_group(self.auth_communicator, "room-elsewhere")

    async def test_membership_failures_name_the_groups_the_consumer_is_in(self) -> None:
        await self.connected()
        with pytest.raises(AssertionError) as caught:
            await assert_in_group(self.auth_communicator, "room-elsewhere", timeout=0.05)
        assert "to be in group 'room-elsewhere'" in str(caught.value)
        assert "its groups are ['room-layers']" in str(caught.value)
        with pytest.raises(AssertionError, match="to be out of group 'room-layers'"):
            await assert_not_in_group(self.auth_communicator, ROOM, timeout=0.05)

    async def test_before_connecting_it_says_there_is_no_channel(self) -> None:
        with pytest.raises(AssertionError, match="has no channel on a channel layer"):
            await assert_in_group(self.auth_communicator, ROOM)


class TestTopicMembership(WebsocketTestCase):
    router = chanx2_router
    ws_path = "/ws/chanx2/"
    consumer = Chanx2StyleConsumer

    async def test_a_topic_left_is_seen_leaving(self) -> None:
        communicator = self.auth_communicator
        await communicator.connect()
        await communicator.assert_authenticated_status_ok()
        await communicator.subscribe("room:lobby")
        await assert_in_group(communicator, "topic-room-lobby")
        await communicator.unsubscribe("room:lobby")
        await assert_not_in_group(communicator, "topic-room-lobby")


def test_frame_in_finds_the_frame_however_the_event_wraps_it() -> None:
    protocol = Protocol()
    frame = {"action": "member_message", "payload": {"content": "hi"}}
    assert protocol.frame_in({"type": "relay", "message": frame}) == frame
    assert protocol.frame_in({"type": "x", "action": "member_message", "text": json.dumps(frame)})
    assert protocol.frame_in({"type": "chat.message", "text": "plain"}) is None
