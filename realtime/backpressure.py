"""daphne's WebSocket reading, held to the pace of the application.

daphne (4.2.3) reads every frame as soon as the socket has it and queues it for the
consumer without bound (``WebSocketProtocol.onMessage``: ``application_queue.put_nowait``).
The consumer counts frames when it takes them from that queue
(``RealtimeConsumer.websocket_receive``), so a client that sends faster than the worker
takes them piles them up in daphne before any count sees them: the worker's memory
grows with what the flooders send, their frames are answered (error, 4429) only once
the backlog is read, and each closed socket's consumer lives on until then, holding
the user's socket slots.

``install()`` wraps ``onMessage``: once QUEUE_HIGH messages wait for the application,
daphne stops reading that socket (``transport.pauseProducing()``), and reads it again
when the queue is down to QUEUE_LOW. The frames wait in the kernel's socket buffers
(bounded) and the client's sends block: TCP's own backpressure. Nothing is dropped,
and a client the consumer keeps up with never sees a difference. ``config.asgi`` calls
it, so ``daphne``, ``daphne --fd`` and ``manage.py runserver`` all get it.

It also paces what daphne reads from one socket: READ_BYTES_BURST at once, then
READ_BYTES_PER_SECOND, more than the protocol's rate of its largest messages. A
flooder's frames then wait in the kernel instead of being unmasked, validated and
answered as fast as it sends them, which would make each turn of the event loop long
and every other socket on the worker wait for it (``bench/flood.py`` measures another
member's pings during a flood: docs/benchmarks.md, "Flood").
"""

import asyncio
from collections.abc import Callable
from typing import Any

from realtime.rate_limit import TokenBucket

# Messages waiting for the application: daphne stops reading the socket at QUEUE_HIGH
# (with frames of up to 128 KiB, at most ~2 MiB a socket) and reads again at QUEUE_LOW.
QUEUE_HIGH = 16
QUEUE_LOW = 4
# The bytes daphne reads from one socket: READ_BYTES_BURST at once, then
# READ_BYTES_PER_SECOND. The protocol's rate (10 frames a second) of its largest
# messages (4,000 characters, at most 16 KB as UTF-8) is 160 KB a second.
READ_BYTES_PER_SECOND = 256 * 1024
READ_BYTES_BURST = 64 * 1024
# While a socket is paused, how often its queue and pace are looked at.
RESUME_POLL_SECONDS = 0.005

_daphne_on_message: Callable[[Any, bytes, bool], None] | None = None


def on_message(protocol: Any, payload: bytes, is_binary: bool) -> None:
    """daphne's ``WebSocketProtocol.onMessage``, then a pause if the application is
    behind or the socket has sent more bytes than its pace allows."""
    assert _daphne_on_message is not None, "realtime.backpressure.install() was not called"
    _daphne_on_message(protocol, payload, is_binary)
    queue = getattr(protocol, "application_queue", None)
    if queue is None:
        return
    pace = getattr(protocol, "read_pace", None)
    if pace is None:
        pace = protocol.read_pace = TokenBucket(READ_BYTES_PER_SECOND, READ_BYTES_BURST)
    over_pace = not pace.spend(len(payload))
    if getattr(protocol, "reading_paused", False):
        return
    if over_pace or queue.qsize() >= QUEUE_HIGH:
        protocol.reading_paused = True
        protocol.transport.pauseProducing()
        asyncio.get_running_loop().call_later(RESUME_POLL_SECONDS, resume_when_ready, protocol)


def resume_when_ready(protocol: Any) -> None:
    """Read the socket again once the application has taken the queue down to QUEUE_LOW
    and the socket's pace allows more bytes; look again later until then, unless the
    connection has gone."""
    if not protocol.transport.connected:
        return
    if protocol.application_queue.qsize() > QUEUE_LOW or protocol.read_pace.in_debt:
        asyncio.get_running_loop().call_later(RESUME_POLL_SECONDS, resume_when_ready, protocol)
        return
    protocol.reading_paused = False
    protocol.transport.resumeProducing()


def install() -> None:
    global _daphne_on_message
    from daphne.ws_protocol import WebSocketProtocol

    if WebSocketProtocol.onMessage is not on_message:
        _daphne_on_message = WebSocketProtocol.onMessage
        WebSocketProtocol.onMessage = on_message
