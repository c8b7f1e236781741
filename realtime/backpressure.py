"""daphne's WebSocket reading, held to the pace of the application.

daphne (4.2.3) reads every frame as soon as the socket has it and queues it for the
consumer without bound (``WebSocketProtocol.onMessage``: ``application_queue.put_nowait``).
The consumer counts frames when it takes them from that queue
(``RealtimeConsumer.websocket_receive``), so a client that sends faster than the worker
takes them piles them up in daphne before any count sees them: 40 sockets sending 60 KB
frames (``bench/flood.py``) queued 200 and more frames per socket, grew the worker by
566 MiB in 15 s, were answered (error, 4429) only after seconds, and each closed socket's
consumer lived on until its backlog was read, holding the user's socket slots.

``install()`` wraps ``onMessage``: once QUEUE_HIGH messages wait for the application,
daphne stops reading that socket (``transport.pauseProducing()``), and reads it again
when the queue is down to QUEUE_LOW. The frames wait in the kernel's socket buffers
(bounded) and the client's sends block: TCP's own backpressure. Nothing is dropped,
and a client the consumer keeps up with never sees a difference. ``config.asgi`` calls
it, so ``daphne``, ``daphne --fd`` and ``manage.py runserver`` all get it.
"""

import asyncio
from collections.abc import Callable
from typing import Any

# Messages waiting for the application: daphne stops reading the socket at QUEUE_HIGH
# (with frames of up to 128 KiB, at most ~2 MiB a socket) and reads again at QUEUE_LOW.
QUEUE_HIGH = 16
QUEUE_LOW = 4
# While a socket is paused, how often its queue is looked at.
RESUME_POLL_SECONDS = 0.005

_daphne_on_message: Callable[[Any, bytes, bool], None] | None = None


def on_message(protocol: Any, payload: bytes, is_binary: bool) -> None:
    """daphne's ``WebSocketProtocol.onMessage``, then a pause if the application is behind."""
    assert _daphne_on_message is not None, "realtime.backpressure.install() was not called"
    _daphne_on_message(protocol, payload, is_binary)
    queue = getattr(protocol, "application_queue", None)
    if queue is None or getattr(protocol, "reading_paused", False):
        return
    if queue.qsize() >= QUEUE_HIGH:
        protocol.reading_paused = True
        protocol.transport.pauseProducing()
        asyncio.get_running_loop().call_later(RESUME_POLL_SECONDS, resume_when_drained, protocol)


def resume_when_drained(protocol: Any) -> None:
    """Read the socket again once the application has taken the queue down to QUEUE_LOW;
    look again later until then, unless the connection has gone."""
    if not protocol.transport.connected:
        return
    if protocol.application_queue.qsize() > QUEUE_LOW:
        asyncio.get_running_loop().call_later(RESUME_POLL_SECONDS, resume_when_drained, protocol)
        return
    protocol.reading_paused = False
    protocol.transport.resumeProducing()


def install() -> None:
    global _daphne_on_message
    from daphne.ws_protocol import WebSocketProtocol

    if WebSocketProtocol.onMessage is not on_message:
        _daphne_on_message = WebSocketProtocol.onMessage
        WebSocketProtocol.onMessage = on_message
