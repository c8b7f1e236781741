"""The project's Redis channel layer waits out a Redis it cannot reach: the read of a
worker's next message is tried again instead of raising into the consumer that made
it (which, before, died: its socket closed 1011, and so on through every socket), and
once it gets through, the sockets are told (to join their groups again). And a group
message goes at once to the sockets of the worker that ask for it (worker-local
fan-out), the rest through their buffers; either way, each socket handles its messages
in the order they came."""

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from unittest.mock import AsyncMock, patch

import pytest
import redis
from asgiref.sync import async_to_sync
from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config import channel_layers
from config.channel_layers import ShardedRedisChannelLayer
from tests.support.outage import unreachable_redis_url

CHANNEL = "specific.abc!"
MESSAGE = {"type": "realtime.group_message"}


def test_the_receive_loop_waits_for_an_unreachable_redis(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The read fails; PINGs until Redis answers (the first times out); then the sockets
    are told, and the read resumes and gets the message."""
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])
    reads: list[object] = [RedisConnectionError("Error 111 connecting"), (CHANNEL, MESSAGE)]
    redis = AsyncMock()
    redis.ping.side_effect = [RedisTimeoutError("Timeout connecting"), True]

    async def receive() -> tuple[object, bool]:
        told = layer.reconnected()  # what a socket waiting to join its groups again holds
        return await layer.receive_single(CHANNEL), told.is_set()

    with (
        patch.object(channel_layers, "RECEIVE_RETRY_SECONDS", 0.0),
        patch.object(RedisChannelLayer, "receive_single", side_effect=reads) as read,
        patch.object(layer, "connection", return_value=redis),
        caplog.at_level("WARNING", "config.channel_layers"),
    ):
        received, told = async_to_sync(receive)()

    assert received == (CHANNEL, MESSAGE)
    assert (read.call_count, redis.ping.await_count) == (2, 2)
    assert told  # the sockets were told Redis is back (a restarted one forgot the groups)
    unreachable, reachable = (record.getMessage() for record in caplog.records)
    assert unreachable.startswith("Channel layer unreachable (")
    assert reachable == "Channel layer reachable again"


def test_a_read_cancelled_mid_way_ends_even_if_redis_py_reports_a_timeout() -> None:
    """Cancelling a consumer while its read waits (the socket closes, the worker stops)
    ends the read, though the cancellation surfaces from redis-py as a TimeoutError (its
    read is under ``asyncio.timeout``), which is otherwise an outage to wait out."""
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])

    async def read_cancelled_as_a_timeout(_channel: str) -> object:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise RedisTimeoutError("Timeout reading from socket") from None
        raise AssertionError("unreachable")

    async def cancel_a_waiting_read() -> bool:
        reading = asyncio.ensure_future(layer.receive_single(CHANNEL))
        await asyncio.sleep(0)  # the read starts and waits
        reading.cancel()
        try:
            await asyncio.wait_for(reading, 5.0)
        except asyncio.CancelledError:
            return True
        except TimeoutError:
            pytest.fail("the cancelled read was still retrying after 5 s")
        return False

    with (
        patch.object(channel_layers, "RECEIVE_RETRY_SECONDS", 0.0),
        patch.object(RedisChannelLayer, "receive_single", side_effect=read_cancelled_as_a_timeout),
    ):
        assert async_to_sync(cancel_a_waiting_read)()


def test_any_other_error_is_raised() -> None:
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])
    with (
        patch.object(RedisChannelLayer, "receive_single", side_effect=ValueError("a bug")),
        pytest.raises(ValueError, match="a bug"),
    ):
        async_to_sync(layer.receive_single)(CHANNEL)


# Worker-local fan-out

SOCKETS = [f"{CHANNEL}socket-{n}" for n in range(4)]


async def delivered_locally(
    layer: ShardedRedisChannelLayer, asking: list[str], failing: str | None = None
) -> tuple[object, dict[str, list[object]]]:
    """Sockets in ``asking`` take group messages at once (``failing``'s handler
    raises); one group message for every socket is read. Returns what the read
    leaves for the buffers, and what each handler got once the delivery task ran."""
    got: dict[str, list[object]] = {channel: [] for channel in asking}
    all_in = asyncio.Event()

    def handler(channel: str) -> Callable[[dict[str, object]], Awaitable[None]]:
        async def take(message: dict[str, object]) -> None:
            got[channel].append(message)
            if all(got.values()):
                all_in.set()
            if channel == failing:
                raise RuntimeError("a consumer's bug")

        return take

    for channel in asking:
        layer.deliver_locally(channel, handler(channel))
    left = await layer.receive_single(CHANNEL)
    try:
        await asyncio.wait_for(all_in.wait(), 2)
    except TimeoutError:
        pytest.fail(f"every asking socket's handler called; got {got}")
    return left, got


def test_a_group_message_goes_at_once_to_the_sockets_that_ask() -> None:
    """One delivery task calls each asking socket's handler; the read returns only the
    other sockets, whose buffers get the message as before."""
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])
    with patch.object(RedisChannelLayer, "receive_single", return_value=(SOCKETS, MESSAGE)):
        left, got = async_to_sync(delivered_locally)(layer, SOCKETS[:3])
    assert left == (SOCKETS[3:], MESSAGE)
    assert got == {channel: [MESSAGE] for channel in SOCKETS[:3]}


def test_a_socket_with_older_messages_buffered_gets_this_one_after_them() -> None:
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])
    layer.receive_buffer[SOCKETS[0]].put_nowait({"type": "older"})
    with patch.object(RedisChannelLayer, "receive_single", return_value=(SOCKETS, MESSAGE)):
        left, got = async_to_sync(delivered_locally)(layer, SOCKETS[1:])
    assert left == ([SOCKETS[0]], MESSAGE)
    assert got == {channel: [MESSAGE] for channel in SOCKETS[1:]}


def test_a_socket_that_stopped_asking_gets_its_buffer_again() -> None:
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])

    async def scenario() -> tuple[object, dict[str, list[object]]]:
        layer.deliver_locally(SOCKETS[0], AsyncMock())
        layer.deliver_locally(SOCKETS[0], None)
        return await delivered_locally(layer, SOCKETS[1:])

    with patch.object(RedisChannelLayer, "receive_single", return_value=(SOCKETS, MESSAGE)):
        left, _ = async_to_sync(scenario)()
    assert left == ([SOCKETS[0]], MESSAGE)


def test_a_handler_that_fails_is_logged_and_the_others_still_get_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])
    with (
        patch.object(RedisChannelLayer, "receive_single", return_value=(SOCKETS, MESSAGE)),
        caplog.at_level("ERROR", "config.channel_layers"),
    ):
        left, got = async_to_sync(delivered_locally)(layer, SOCKETS, failing=SOCKETS[0])
    assert left == ([], MESSAGE)
    assert got == {channel: [MESSAGE] for channel in SOCKETS}
    assert [r.getMessage() for r in caplog.records] == [
        "Delivering 'realtime.group_message' to a socket failed"
    ]


@pytest.mark.parametrize("asking", [True, False], ids=["asking", "not-asking"])
def test_a_message_for_one_channel_goes_the_way_of_its_group_messages(asking: bool) -> None:
    """``channel_layer.send`` to one socket (its session's expiry): a socket that asks
    gets it from the delivery task too; any other socket's buffer gets it."""
    layer = ShardedRedisChannelLayer(hosts=[{"address": unreachable_redis_url()}])

    async def scenario() -> tuple[object, list[object]]:
        got: list[object] = []
        handed = asyncio.Event()

        async def take(message: dict[str, object]) -> None:
            got.append(message)
            handed.set()

        layer.deliver_locally(SOCKETS[0], take if asking else None)
        left = await layer.receive_single(CHANNEL)
        if asking:
            await within_deadline(handed.wait(), "the socket's handler called")
        return left, got

    with patch.object(RedisChannelLayer, "receive_single", return_value=(SOCKETS[0], MESSAGE)):
        left, got = async_to_sync(scenario)()
    if asking:
        assert (left, got) == (([], MESSAGE), [MESSAGE])
    else:
        assert (left, got) == ((SOCKETS[0], MESSAGE), [])


# A socket's messages keep their order, on a real Redis

DEADLINE = 5.0
G0, G1, G2 = ({"type": "realtime.group_message", "n": n} for n in range(3))
D = {"type": "realtime.end_session", "n": "direct"}
MARK, STOP = {"type": "mark"}, {"type": "stop"}


@pytest.fixture
def redis_layer() -> ShardedRedisChannelLayer:
    """The layer on the Redis at ``REDIS_URL`` (tests marked ``redis`` run only where it
    is set: ``conftest.py``), under a prefix of its own."""
    url = os.environ["REDIS_URL"]
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1.0).ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"REDIS_URL is set to {url}, which does not answer: {exc}")
    return ShardedRedisChannelLayer(
        hosts=[{"address": url}], prefix=f"test-order-{uuid.uuid4().hex}"
    )


async def within_deadline(waiting: Awaitable[object], what: str) -> None:
    try:
        await asyncio.wait_for(waiting, DEADLINE)
    except TimeoutError:
        pytest.fail(f"{what} within {DEADLINE} s")


async def handled_in_order(layer: ShardedRedisChannelLayer, *, stop_asking: bool) -> list[object]:
    """A socket takes its messages at once; its first group message, G0, holds the
    delivery task (a slow send). Then come G1, a message for the socket alone (D), and
    G2, read by another consumer's receive loop while the socket's own loop is busy.
    With ``stop_asking`` the socket stops asking (it closes) once G1 is read. Returns
    what the socket handled, by either way, in the order it handled it."""
    socket, reader = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("room", socket)
    handled: list[object] = []
    all_handled, holding, release = asyncio.Event(), asyncio.Event(), asyncio.Event()

    def handle(message: dict[str, object]) -> None:
        handled.append(message["n"])
        if len(handled) == 4:
            all_handled.set()

    async def take(message: dict[str, object]) -> None:
        handle(message)
        if message == G0:
            holding.set()
            await release.wait()

    async def own_loop() -> None:  # the socket's consumer, reading its buffer
        while (message := await layer.receive(socket)) != STOP:
            handle(message)

    read: asyncio.Queue[object] = asyncio.Queue()

    async def reader_loop() -> None:  # another consumer: it reads the worker's queue
        while (message := await layer.receive(reader)) != STOP:
            read.put_nowait(message)

    async def read_up_to_here() -> None:
        """Everything sent before is read (one queue per worker, in order)."""
        await layer.send(reader, MARK)
        await within_deadline(read.get(), "the reader reads its mark")

    layer.deliver_locally(socket, take)
    loops = [asyncio.create_task(reader_loop())]
    try:
        await layer.group_send("room", G0)
        await within_deadline(holding.wait(), "G0 handed over")
        await layer.group_send("room", G1)
        await read_up_to_here()
        if stop_asking:
            layer.deliver_locally(socket, None)
        await layer.send(socket, D)
        await layer.group_send("room", G2)
        await read_up_to_here()
        loops.append(asyncio.create_task(own_loop()))
        release.set()
        try:
            await asyncio.wait_for(all_handled.wait(), DEADLINE)
        except TimeoutError:
            pytest.fail(f"the socket handles all four messages; it handled {handled}")
        return handled
    finally:
        # The loops end on a message rather than cancelled in the middle of a read.
        release.set()
        layer.deliver_locally(socket, None)
        await layer.send(socket, STOP)
        await layer.send(reader, STOP)
        await within_deadline(asyncio.wait(loops), "the loops stop")
        await layer.flush()


@pytest.mark.redis
@pytest.mark.parametrize("stop_asking", [False, True], ids=["asking", "stopping"])
def test_a_socket_handles_its_messages_in_the_order_they_came(
    redis_layer: ShardedRedisChannelLayer, stop_asking: bool
) -> None:
    """While messages for a socket wait for the delivery task, any later one for it,
    a group's or its own, waits behind them (not in its buffer, where the socket's own
    loop would take it first); one that comes once it stopped asking goes to its buffer
    when its turn comes."""
    assert async_to_sync(handled_in_order)(redis_layer, stop_asking=stop_asking) == [
        0,
        1,
        "direct",
        2,
    ]
