"""daphne stops reading a WebSocket while its consumer is QUEUE_HIGH messages behind,
and reads again once the consumer is down to QUEUE_LOW (realtime.backpressure).
tests/live/test_load.py shows the effect on a real worker (its memory under a flood)."""

import asyncio

import pytest
from daphne.ws_protocol import WebSocketProtocol

import config.asgi  # noqa: F401 - installs the patch, as every server does
from realtime import backpressure

FRAME = b'{"action": "ping"}'


class Transport:
    """The part of Twisted's TCP transport the patch uses."""

    def __init__(self) -> None:
        self.connected = True
        self.paused = False
        self.resumed = asyncio.Event()

    def pauseProducing(self) -> None:  # Twisted's name
        self.paused = True

    def resumeProducing(self) -> None:  # Twisted's name
        self.paused = False
        self.resumed.set()


def websocket(transport: Transport) -> WebSocketProtocol:
    protocol = WebSocketProtocol()
    protocol.muted = False
    protocol.client_addr = ["127.0.0.1", 1]
    protocol.application_queue = asyncio.Queue()
    protocol.transport = transport
    return protocol


@pytest.mark.asyncio
async def test_reading_pauses_while_the_consumer_is_behind_and_resumes_when_it_catches_up() -> None:
    assert WebSocketProtocol.onMessage is backpressure.on_message
    transport = Transport()
    protocol = websocket(transport)

    for _ in range(backpressure.QUEUE_HIGH - 1):
        protocol.onMessage(FRAME, False)
    assert not transport.paused
    protocol.onMessage(FRAME, False)
    assert transport.paused
    # A frame already read still reaches the consumer: nothing is dropped.
    protocol.onMessage(FRAME, False)
    assert protocol.application_queue.qsize() == backpressure.QUEUE_HIGH + 1

    while protocol.application_queue.qsize() > backpressure.QUEUE_LOW + 1:
        protocol.application_queue.get_nowait()
    # One over QUEUE_LOW: still paused. Then the consumer takes one more.
    protocol.application_queue.get_nowait()
    await asyncio.wait_for(transport.resumed.wait(), timeout=3)
    assert not transport.paused
    assert protocol.application_queue.qsize() == backpressure.QUEUE_LOW


@pytest.mark.asyncio
async def test_a_paused_socket_that_closes_is_left_alone() -> None:
    transport = Transport()
    protocol = websocket(transport)
    for _ in range(backpressure.QUEUE_HIGH):
        protocol.onMessage(FRAME, False)
    assert transport.paused
    transport.connected = False
    while not protocol.application_queue.empty():
        protocol.application_queue.get_nowait()

    backpressure.resume_when_ready(protocol)

    assert transport.paused  # Twisted's own resumeProducing would do nothing either


class Clock:
    """Stands in for ``time.monotonic`` in the pace's token bucket."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.asyncio
async def test_a_socket_sending_more_bytes_than_its_pace_is_paused_until_the_pace_allows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """However fast its consumer answers: a flooder's frames wait in the kernel."""
    clock = Clock()
    monkeypatch.setattr("realtime.rate_limit.time.monotonic", clock)
    transport = Transport()
    protocol = websocket(transport)
    big = b" " * (backpressure.READ_BYTES_BURST // 2)

    protocol.onMessage(big, False)
    protocol.onMessage(big, False)
    assert not transport.paused  # the burst, exactly
    protocol.onMessage(FRAME, False)
    assert transport.paused
    while not protocol.application_queue.empty():
        protocol.application_queue.get_nowait()  # the consumer is not behind

    backpressure.resume_when_ready(protocol)
    assert transport.paused  # no time has passed: still over the pace
    clock.now += 2 * len(FRAME) / backpressure.READ_BYTES_PER_SECOND
    backpressure.resume_when_ready(protocol)
    assert not transport.paused
