"""A consumer leaves its groups however it stops: disconnected by the client, or
cancelled (daphne cancels every consumer on shutdown) without a disconnect event.

Group membership is read from the layer itself, the in-memory layer's ``groups`` or
the Redis layer's sorted sets, so the suite shows it on both.
"""

import asyncio
from typing import Any
from unittest.mock import patch

from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer

from accounts.models import User
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


class LeavingGroupsTests(ConsumerTestCase):
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
