"""A consumer leaves its groups however it stops: disconnected by the client, or
cancelled (daphne cancels every consumer on shutdown) without a disconnect event.
Sockets closing together leave a bounded number at a time, and a leave that fails is
tried again; a live socket joins its groups again before they lapse; a socket whose
groups cannot be joined (the layer is down) is told so and closed.

Group membership is read from the layer itself, the in-memory layer's ``groups`` or
the Redis layer's sorted sets, so the suite shows it on both.
"""

import asyncio
from typing import Any
from unittest.mock import patch

from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.test import override_settings
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError

from accounts.models import User
from realtime import membership
from realtime.groups import user_group, user_key
from realtime.tests.consumers import application
from realtime.tests.test_consumer import TIMEOUT, ConsumerTestCase

ROOM = "test-room"  # RoomConsumer's group


async def group_members(group: str) -> set[str]:
    """The channels in ``group``, as the configured layer holds them."""
    layer: Any = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        return set(layer.groups.get(group, {}))
    if isinstance(layer, RedisChannelLayer):
        connection = layer.connection(layer.consistent_hash(group))
        members = await connection.zrange(layer._group_key(group), 0, -1)
        return {member.decode() for member in members}
    raise AssertionError(f"no way to read the groups of {type(layer).__name__}")


class GroupsTestCase(ConsumerTestCase):
    async def open_room(self) -> tuple[WebsocketCommunicator, User, str]:
        """A socket on the room, authenticated; and its channel name."""
        user, headers = await self.asetup_user()
        before = await group_members(ROOM)
        communicator = WebsocketCommunicator(application, "/ws/room/", headers=headers)
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        assert (await self.auth(communicator))["status_code"] == 200
        (channel,) = await group_members(ROOM) - before
        assert channel in await group_members(user_group(user_key(user.pk)))
        return communicator, user, channel

    async def assert_left(self, user: User, channel: str) -> None:
        assert channel not in await group_members(ROOM)
        assert channel not in await group_members(user_group(user_key(user.pk)))


class LeavingGroupsTests(GroupsTestCase):
    async def test_a_cancelled_consumer_leaves_its_groups(self) -> None:
        communicator, user, channel = await self.open_room()

        communicator.future.cancel()  # what daphne does to every consumer on shutdown
        await asyncio.wait([communicator.future], timeout=TIMEOUT)

        assert communicator.future.cancelled()
        await self.assert_left(user, channel)

    async def test_a_disconnected_consumer_leaves_its_groups_once(self) -> None:
        communicator, user, channel = await self.open_room()
        layer = get_channel_layer()

        with patch.object(layer, "group_discard", wraps=layer.group_discard) as discard:
            await communicator.disconnect(timeout=TIMEOUT)

        await self.assert_left(user, channel)
        # The disconnect left them; the consumer's ``finally`` found nothing left to do.
        assert sorted(call.args[0] for call in discard.await_args_list) == sorted(
            [ROOM, user_group(user_key(user.pk))]
        )

    async def test_a_layer_failing_on_the_way_out_does_not_hide_the_cancellation(self) -> None:
        communicator, user, channel = await self.open_room()
        layer = get_channel_layer()

        with (
            patch.object(layer, "group_discard", side_effect=ConnectionError("layer down")),
            self.assertLogs("realtime.consumers", "ERROR") as logs,
        ):
            communicator.future.cancel()
            await asyncio.wait([communicator.future], timeout=TIMEOUT)

        assert communicator.future.cancelled()
        assert "Leaving groups" in logs.output[0]
        # Left behind in the layer (it was down), for the layer's expiry to remove.
        for group in (ROOM, user_group(user_key(user.pk))):
            await layer.group_discard(group, channel)


# How long the cancelled consumer is watched for ending before its leaves are done.
STILL_LEAVING_SECONDS = 0.3
# Sockets closing together in the bounded-leave test, and the bound it sets.
CLOSING_AT_ONCE = 8
GROUP_CALLS_AT_ONCE = 2


class BoundedRetriedLeavingTests(GroupsTestCase):
    async def open_rooms(self, count: int) -> list[tuple[WebsocketCommunicator, User, str]]:
        return [await self.open_room() for _ in range(count)]

    @override_settings(REALTIME={**settings.REALTIME, "GROUP_CALLS_AT_ONCE": GROUP_CALLS_AT_ONCE})
    async def test_sockets_closing_together_leave_a_bounded_number_at_a_time(self) -> None:
        """Eight sockets close at once: their sixteen leaves are made at most two at a
        time (each one held until others could pile up), and every one is made."""
        rooms = await self.open_rooms(CLOSING_AT_ONCE)
        layer = get_channel_layer()
        real_discard = layer.group_discard
        in_flight, most = 0, 0

        async def discard(group: str, channel: str) -> None:
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            for _ in range(CLOSING_AT_ONCE * 4):  # let the other sockets' leaves run
                await asyncio.sleep(0)
            in_flight -= 1
            await real_discard(group, channel)

        with patch.object(layer, "group_discard", side_effect=discard) as discarded:
            await asyncio.gather(
                *(communicator.disconnect(TIMEOUT) for communicator, _, _ in rooms)
            )

        assert discarded.await_count == 2 * CLOSING_AT_ONCE
        assert most == GROUP_CALLS_AT_ONCE
        for _, user, channel in rooms:
            await self.assert_left(user, channel)

    async def test_a_leave_that_fails_is_tried_again(self) -> None:
        """The layer's pool is out of connections twice (what a mass disconnect did):
        the socket tries again, and is out of the group."""
        ((communicator, user, channel),) = await self.open_rooms(1)
        layer = get_channel_layer()
        failures = iter([MaxConnectionsError("Too many connections")] * 2)

        async def discard(group: str, channel: str) -> None:
            failure = next(failures, None)
            if failure is not None:
                raise failure
            await real_discard(group, channel)

        real_discard = layer.group_discard
        with (
            patch.object(membership, "LEAVE_RETRY_SECONDS", 0.0),
            patch.object(layer, "group_discard", side_effect=discard) as discarded,
        ):
            await communicator.disconnect(TIMEOUT)

        assert discarded.await_count == 2 + 2  # the room's leave thrice, the user's once
        await self.assert_left(user, channel)

    async def test_a_consumer_cancelled_while_it_leaves_still_leaves(self) -> None:
        """The socket closed and its leave waits for the layer; daphne cancels the
        consumer meanwhile (10 s after the close, or on shutdown): the leave goes on and
        completes, and the consumer ends only then (so a shutdown waits for it)."""
        ((communicator, user, channel),) = await self.open_rooms(1)
        layer = get_channel_layer()
        real_discard = layer.group_discard
        waiting, go_on, left = asyncio.Event(), asyncio.Event(), asyncio.Event()
        discarded: list[str] = []

        async def discard(group: str, channel: str) -> None:
            waiting.set()
            await go_on.wait()  # the layer is slow to answer
            await real_discard(group, channel)
            discarded.append(group)
            if len(discarded) == 2:  # the room and the user's group
                left.set()

        ended: list[bool] = []  # whether the leaves were done when the consumer ended
        communicator.future.add_done_callback(lambda _: ended.append(left.is_set()))
        with patch.object(layer, "group_discard", side_effect=discard):
            await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
            await asyncio.wait_for(waiting.wait(), TIMEOUT)
            # What daphne's application_close_timeout does, and its shutdown to every one.
            communicator.future.cancel()
            # A short look for what must not happen: the consumer ending, leaves undone.
            await asyncio.wait([communicator.future], timeout=STILL_LEAVING_SECONDS)
            assert not communicator.future.done(), "the consumer ended before its leaves"
            go_on.set()
            await asyncio.wait([communicator.future], timeout=TIMEOUT)

        assert communicator.future.cancelled()
        assert ended == [True]
        await self.assert_left(user, channel)

    async def test_a_live_socket_joins_its_groups_again_before_they_lapse(self) -> None:
        """Every refresh interval the socket joins its groups again, so a live member
        never reaches the layer's group expiry."""
        layer = get_channel_layer()
        rejoined: asyncio.Queue[str] = asyncio.Queue()
        real_add = layer.group_add

        async def add(group: str, channel: str) -> None:
            await real_add(group, channel)
            rejoined.put_nowait(group)

        with (
            patch.object(membership, "refresh_interval", return_value=0.01),
            patch.object(layer, "group_add", side_effect=add),
        ):
            communicator, user, channel = await self.open_room()
            seen: list[str] = []
            async with asyncio.timeout(TIMEOUT):
                while len(seen) < 4:  # joined at connect, then joined again
                    seen.append(await rejoined.get())
            await communicator.disconnect(TIMEOUT)

        assert sorted(seen) == sorted([ROOM, user_group(user_key(user.pk))] * 2)
        await self.assert_left(user, channel)

    async def test_sockets_join_their_groups_again_once_the_layer_is_back(self) -> None:
        """A restarted Redis has forgotten the groups: when the layer says it reached
        Redis again, the socket joins its groups at once, long before its refresh."""
        layer = get_channel_layer()
        reconnected = asyncio.Event()

        def next_event() -> asyncio.Event:
            # As the project's layer does: the event that is set, then a new one.
            return asyncio.Event() if reconnected.is_set() else reconnected

        with (
            patch.object(membership, "refresh_interval", return_value=3600.0),
            patch.object(layer, "reconnected", side_effect=next_event, create=True),
        ):
            communicator, user, channel = await self.open_room()
            for group in (ROOM, user_group(user_key(user.pk))):  # Redis forgets them
                await layer.group_discard(group, channel)
            rejoined = asyncio.Event()
            real_add = layer.group_add

            async def add(group: str, channel: str) -> None:
                await real_add(group, channel)
                rejoined.set()

            with patch.object(layer, "group_add", side_effect=add):
                reconnected.set()
                await asyncio.wait_for(rejoined.wait(), TIMEOUT)
            assert channel in await group_members(ROOM)
            await communicator.disconnect(TIMEOUT)

        await self.assert_left(user, channel)

    async def test_a_socket_whose_groups_cannot_be_joined_is_told_to_come_back(self) -> None:
        """The layer is down at connect: the client is told 503 and the socket closed
        4503, rather than let in deaf to its groups."""
        _, headers = await self.asetup_user()
        layer = get_channel_layer()
        with patch.object(layer, "group_add", side_effect=RedisConnectionError("down")):
            communicator = WebsocketCommunicator(application, "/ws/room/", headers=headers)
            connected, _ = await communicator.connect(timeout=TIMEOUT)
            assert connected
            answer = await self.auth(communicator)
            closed = await communicator.receive_output(timeout=TIMEOUT)

        assert answer["status_code"] == 503
        assert answer["data"] == (
            "The server cannot reach its message service just now: reconnect in a moment."
        )
        assert closed == {"type": "websocket.close", "code": 4503}
