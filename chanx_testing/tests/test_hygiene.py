"""What a finished test leaves behind: nothing, whether it passed, failed or crashed a consumer.

Each check runs a small WebsocketTestCase through unittest, as Django's runner would, and
looks at its result and at what the consumers and the channel layer saw. Any channel layer
will do: the flush is watched through the layer's own ``flush()``, not its storage.
"""

import unittest
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from channels.layers import get_channel_layer
from django.contrib.auth.models import Group

from chanx_testing import WebsocketTestCase
from chanx_testing.tests.asgi import router
from chanx_testing.tests.consumers import Broadcast, events

pytestmark = pytest.mark.django_db(transaction=True)

ROOM = "/ws/room/hygiene/"


def run(case: type[unittest.TestCase], *names: str) -> unittest.TestResult:
    """Run tests of ``case`` the way Django's runner does (class setup, then each test)."""
    events.clear()
    result = unittest.TestResult()
    unittest.TestSuite([case(name) for name in names]).run(result)
    return result


@contextmanager
def _layer_flushes() -> Iterator[list[list[str]]]:
    """Each flush of the default channel layer, as the consumer events that came before it."""
    layer = get_channel_layer()
    flush = layer.flush  # the in-memory and both Redis layers have one
    flushes: list[list[str]] = []

    async def recorded_flush() -> None:
        flushes.append(sorted(events))
        await flush()

    with mock.patch.object(layer, "flush", recorded_flush):
        yield flushes


def test_a_failing_test_still_disconnects_its_consumers_and_flushes_the_layer() -> None:
    class Failing(WebsocketTestCase):
        router = router
        ws_path = ROOM

        async def test_fails_with_two_connections_open(self) -> None:
            await self.auth_communicator.connect()
            await self.create_communicator().connect()
            await self.auth_communicator.assert_authenticated_status_ok()
            raise AssertionError("the test failed on purpose")

    with _layer_flushes() as flushes:
        result = run(Failing, "test_fails_with_two_connections_open")

    assert [error for _, error in result.errors] == []
    [(_, failure)] = result.failures
    assert "the test failed on purpose" in failure
    everything = [f"connect {ROOM}"] * 2 + [f"disconnect {ROOM}"] * 2
    assert sorted(events) == everything
    assert flushes == [everything]  # flushed once, after both consumers had disconnected


def test_a_consumer_left_running_does_not_poison_the_next_test() -> None:
    class Leaky(WebsocketTestCase):
        router = router
        ws_path = ROOM

        async def test_1_leaves_a_member_in_the_room(self) -> None:
            await self.auth_communicator.connect()
            await self.auth_communicator.assert_authenticated_status_ok()

        async def test_2_is_alone_in_the_room(self) -> None:
            await self.auth_communicator.connect()
            await self.auth_communicator.assert_authenticated_status_ok()
            await self.auth_communicator.send_message(Broadcast(payload={"n": 1}))
            [message] = await self.auth_communicator.receive_all_json(wait_group=True)
            assert message["is_mine"] is True

    result = run(Leaky, "test_1_leaves_a_member_in_the_room", "test_2_is_alone_in_the_room")

    assert result.wasSuccessful(), result.failures + result.errors
    assert events == [f"connect {ROOM}", f"disconnect {ROOM}"] * 2


def test_a_consumer_exception_fails_the_test_that_caused_it_with_its_traceback() -> None:
    class Crashing(WebsocketTestCase):
        router = router
        ws_path = "/ws/echo/"

        async def test_1_crashes_the_consumer_and_looks_away(self) -> None:
            await self.auth_communicator.connect()
            await self.auth_communicator.assert_authenticated_status_ok()
            await self.auth_communicator.send_json_to({"action": "crash"})

        async def test_2_runs_clean_afterwards(self) -> None:
            await self.auth_communicator.connect()
            await self.auth_communicator.assert_authenticated_status_ok()

    result = run(
        Crashing, "test_1_crashes_the_consumer_and_looks_away", "test_2_runs_clean_afterwards"
    )

    [(case, error)] = result.errors
    assert case.id().endswith("test_1_crashes_the_consumer_and_looks_away")
    assert "RuntimeError: the consumer exploded on purpose" in error
    assert 'in receive_json\n    raise RuntimeError("the consumer exploded on purpose")' in error
    assert "The application for '/ws/echo/' raised this after the test." in error
    assert result.failures == []


def test_a_failure_and_a_consumer_exception_are_both_reported() -> None:
    class FailingAndCrashing(WebsocketTestCase):
        router = router
        ws_path = "/ws/echo/"

        async def test_fails_after_crashing_the_consumer(self) -> None:
            await self.auth_communicator.connect()
            await self.auth_communicator.send_json_to({"action": "crash"})
            raise AssertionError("the test failed on purpose")

    result = run(FailingAndCrashing, "test_fails_after_crashing_the_consumer")

    [(_, failure)] = result.failures
    assert "AssertionError: the test failed on purpose" in failure
    assert "Closing the communicators also failed: RuntimeError(" in failure


def test_async_teardown_runs_after_the_communicators_are_closed() -> None:
    seen_in_teardown: list[Any] = []

    class WithAsyncTearDown(WebsocketTestCase):
        router = router
        ws_path = "/ws/echo/"

        async def setUp(self) -> None:  # type: ignore[override]  # see README: typing
            await super().setUp()
            self.group = await Group.objects.acreate(name="kept until teardown")

        async def tearDown(self) -> None:  # type: ignore[override]
            group = await Group.objects.aget(pk=self.group.pk)
            seen_in_teardown.append((group.name, list(events)))
            await super().tearDown()

        async def test_connects(self) -> None:
            await self.auth_communicator.connect()
            await self.auth_communicator.assert_authenticated_status_ok()

    result = run(WithAsyncTearDown, "test_connects")

    assert result.wasSuccessful(), result.failures + result.errors
    assert seen_in_teardown == [
        ("kept until teardown", ["connect /ws/echo/", "disconnect /ws/echo/"])
    ]
