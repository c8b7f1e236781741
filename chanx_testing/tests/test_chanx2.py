"""chanx 2's testing API (``chanx.channels.testing``, ``chanx.core.testing``), name by name,
against a consumer that behaves as chanx 2's do (``chanx2_style``)."""

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from pydantic import ValidationError

from chanx_testing import (
    CapturedBroadcastEvent,
    DjangoWebsocketCommunicator,
    FrameNotReceived,
    WebsocketCommunicator,
    WebsocketCommunicatorMixin,
    capture_broadcast_events,
    capture_topic_broadcasts,
)
from chanx_testing.tests.cases import ConnectingTestCase
from chanx_testing.tests.chanx2_style import (
    ROOM_GROUP,
    CamelConsumer,
    Chanx2StyleConsumer,
    Join,
    Ping,
    Pong,
    RoomNews,
    RoomPayload,
    RoomTopic,
    router,
)

NEWS = RoomNews(payload=RoomPayload(room_name="lobby", member_count=2))


class Chanx2TestCase(ConnectingTestCase):
    """As a chanx 2 suite writes it: the consumer class on the test case."""

    router = router
    ws_path = "/ws/chanx2/"
    consumer = Chanx2StyleConsumer


class TestNames(Chanx2TestCase):
    def test_the_communicator_is_chanx_2s_django_communicator_and_has_its_mixin(self) -> None:
        assert isinstance(self.auth_communicator, DjangoWebsocketCommunicator)
        assert isinstance(self.auth_communicator, WebsocketCommunicatorMixin)
        assert self.auth_communicator.consumer is Chanx2StyleConsumer


class TestReceiveAllMessages(Chanx2TestCase):
    async def test_replies_are_typed_by_the_consumers_outgoing_adapter(self) -> None:
        communicator = await self.connected()
        await communicator.send_message(Ping())
        assert await communicator.receive_all_messages() == [Pong()]

    async def test_stop_action_event_complete_collects_a_broadcast_event(self) -> None:
        communicator = await self.connected()
        await Chanx2StyleConsumer.broadcast_event(NEWS, [ROOM_GROUP])
        messages = await communicator.receive_all_messages(stop_action="event_complete")
        assert messages == [NEWS]
        assert messages[0].payload.member_count == 2

    async def test_a_stop_action_that_never_comes_returns_what_came_by_the_timeout(self) -> None:
        """chanx 2's semantics: the collection ends at its timeout, without failing."""
        communicator = await self.connected()
        await communicator.send_message(Ping())
        assert await communicator.receive_all_messages("group_complete", timeout=0.2) == [Pong()]
        # The consumer is alive: the timeout cancelled nothing.
        await communicator.send_message(Ping())
        assert await communicator.receive_all_messages() == [Pong()]

    async def test_a_frame_outside_the_union_fails_validation_and_names_the_frame(self) -> None:
        communicator = await self.connected()
        await communicator.send_json_to({"action": "join", "topic": "room:a", "version": 1})
        await communicator.send_message(Join(), topic="room:lobby")
        with pytest.raises(ValidationError) as caught:
            await communicator.receive_all_messages()
        assert "The frame: {'action': 'joined'" in "".join(caught.value.__notes__)

    async def test_without_a_consumer_it_says_what_to_give(self) -> None:
        plain = self.create_communicator()
        plain.consumer = None
        with pytest.raises(ValueError, match=r"give the communicator consumer="):
            await plain.receive_all_messages()


class TestCamelize(Chanx2TestCase):
    ws_path = "/ws/chanx2/camel/"
    consumer = CamelConsumer

    async def test_a_camelizing_consumer_is_spoken_to_and_read_in_camel_case(self) -> None:
        communicator = await self.connected()
        await CamelConsumer.broadcast_event(NEWS, ROOM_GROUP)
        raw = await communicator.receive_json_from()
        assert raw["payload"] == {"roomName": "lobby", "memberCount": 2}
        await communicator.receive_json_from()  # its event_complete
        await CamelConsumer.broadcast_event(NEWS, ROOM_GROUP)
        assert await communicator.receive_all_messages("event_complete") == [NEWS]


class TestReceiveAllJson(Chanx2TestCase):
    async def test_it_drains_every_frame_until_the_timeout_markers_included(self) -> None:
        communicator = await self.connected()
        await communicator.send_message(Ping())
        await Chanx2StyleConsumer.broadcast_event(NEWS)
        frames = await communicator.receive_all_json(0.3)
        assert sorted(frame["action"] for frame in frames) == [
            "complete",
            "event_complete",
            "pong",
            "room_news",
        ]

    async def test_wait_group_keeps_chanx_013s_meaning(self) -> None:
        communicator = await self.connected()
        with pytest.raises(FrameNotReceived, match="action='group_complete'"):
            await communicator.receive_all_json(0.05, wait_group=True)


class TestTopics(Chanx2TestCase):
    async def test_subscribe_send_with_topic_and_ref_then_unsubscribe(self) -> None:
        communicator = await self.connected()
        reply = await communicator.subscribe("room:lobby")
        assert (reply["action"], reply["topic"], reply["ref"]) == ("subscribed", "room:lobby", "1")
        await communicator.send_message(Join(), topic="room:lobby", ref="2")
        joined = await communicator.receive_json_from()
        assert (joined["action"], joined["payload"], joined["ref"]) == ("joined", "lobby", "2")
        left = await communicator.unsubscribe("room:lobby", ref="3")
        assert (left["action"], left["ref"]) == ("unsubscribed", "3")

    async def test_receive_topic_message_is_typed_by_the_topic(self) -> None:
        communicator = await self.connected()
        await communicator.subscribe("room:lobby")
        await RoomTopic.broadcast("room:lobby", NEWS, seq=7)
        assert await communicator.receive_topic_message(RoomTopic) == NEWS

    async def test_a_topic_message_that_never_comes_fails_with_what_was_awaited(self) -> None:
        communicator = await self.connected()
        with pytest.raises(FrameNotReceived, match="waiting for a topic message"):
            await communicator.receive_topic_message(RoomTopic, timeout=0.05)


class TestCaptures(Chanx2TestCase):
    async def test_capture_broadcast_events_suppresses_by_default(self) -> None:
        communicator = await self.connected()
        with capture_broadcast_events(Chanx2StyleConsumer) as captured:
            await Chanx2StyleConsumer.broadcast_event(NEWS, [ROOM_GROUP])
        assert captured == [CapturedBroadcastEvent(event=NEWS, groups=[ROOM_GROUP])]
        assert captured[0]["event"] is captured[0].event  # item access, as older chanx
        await communicator.refute_push(within=0.1)

    async def test_capture_broadcast_events_forwards_when_asked_and_restores_after(self) -> None:
        communicator = await self.connected()
        with capture_broadcast_events(Chanx2StyleConsumer, suppress=False) as captured:
            await Chanx2StyleConsumer.broadcast_event(NEWS)
        assert [record.event for record in captured] == [NEWS]
        assert await communicator.receive_all_messages("event_complete") == [NEWS]
        assert "broadcast_event" in Chanx2StyleConsumer.__dict__
        assert "broadcast_event" not in CamelConsumer.__dict__  # the subclass inherits it
        with capture_broadcast_events(CamelConsumer) as captured:
            await CamelConsumer.broadcast_event(NEWS)
        assert "broadcast_event" not in CamelConsumer.__dict__

    def test_capture_works_around_sync_callers_too(self) -> None:
        with capture_broadcast_events(Chanx2StyleConsumer) as captured:
            async_to_sync(Chanx2StyleConsumer.broadcast_event)(NEWS, "elsewhere")
        assert captured[0].groups == "elsewhere"

    async def test_capture_topic_broadcasts_records_topic_event_and_seq(self) -> None:
        communicator = await self.connected()
        await communicator.subscribe("room:lobby")
        with capture_topic_broadcasts(RoomTopic) as captured:
            await RoomTopic.broadcast("room:lobby", NEWS, seq=3)
        assert [(c.topic, c.event, c.seq) for c in captured] == [("room:lobby", NEWS, 3)]
        await communicator.refute_push(within=0.1)
        with capture_topic_broadcasts(RoomTopic, suppress=False):
            await RoomTopic.broadcast("room:lobby", NEWS, seq=4)
        pushed = await communicator.assert_push("room_news")
        assert (pushed["topic"], pushed["seq"]) == ("room:lobby", 4)


class TestLifecycle(Chanx2TestCase):
    async def test_async_with_connects_and_disconnects(self) -> None:
        async with WebsocketCommunicator(
            router, "/ws/chanx2/", consumer=Chanx2StyleConsumer
        ) as communicator:
            assert communicator.handshake == "accepted"
            await communicator.assert_authenticated_status_ok()
            await communicator.send_message(Ping())
            messages = await communicator.receive_all_messages(stop_action="pong")
            assert messages == [Pong()]
        assert communicator.future.done()

    async def test_disconnect_swallows_the_cancellation_of_an_application_that_hangs(
        self,
    ) -> None:
        communicator = self.create_communicator(router=_ignores_its_disconnect)
        await communicator.connect()
        await communicator.disconnect(timeout=0.05)
        assert communicator.future.cancelled()

    async def test_event_complete_is_a_marker_for_chanx_013s_reads_too(self) -> None:
        communicator = await self.connected()
        communicator.consumer = None  # a chanx 0.13 read
        await Chanx2StyleConsumer.broadcast_event(NEWS)
        frames = await communicator.receive_until_action("event_complete", inclusive=True)
        assert [frame["action"] for frame in frames] == ["room_news"]


async def _ignores_its_disconnect(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await asyncio.Event().wait()
