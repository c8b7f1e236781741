"""daphne's requests leave form bodies to the application: Twisted does not parse an
upload for its own ``args`` (reading it whole into memory), and the body is intact for
the application to read; daphne queues where each piece of a body lies, not its bytes,
and the application reads each piece as it receives it."""

import asyncio
from types import SimpleNamespace
from typing import Any

from daphne import http_protocol
from twisted.web.test.requesthelper import DummyChannel

import config.asgi  # noqa: F401  # installs config.request_bodies, as every server does
from config.request_bodies import BodyPiece, Message, Receive, Send, read_as_received

BODY = (
    b"--b\r\n"
    b'Content-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n"
    b"minutes\r\n"
    b"--b--\r\n"
)


class Server:
    """What daphne's request asks of its server; the application's queue is kept."""

    proxy_forwarded_address_header = None
    root_path = ""
    request_buffer_size = 8192

    def __init__(self) -> None:
        self.queue: list[Message] = []

    def protocol_connected(self, protocol: object) -> None:
        pass

    def create_application(self, protocol: object, scope: object) -> SimpleNamespace:
        return SimpleNamespace(put_nowait=self.queue.append)


def received_request(method: bytes, path: bytes, content_type: bytes, body: bytes) -> Any:
    """A daphne request that has received ``body`` whole, as Twisted hands it over."""
    channel: Any = DummyChannel()  # type: ignore[no-untyped-call]
    channel.factory = SimpleNamespace(server=Server())
    request = http_protocol.WebRequest(channel)
    request.requestHeaders.setRawHeaders(b"content-type", [content_type])
    request.requestHeaders.setRawHeaders(b"content-length", [str(len(body)).encode()])
    request.gotLength(len(body))
    request.handleContentChunk(body)
    return request


def test_a_multipart_post_is_not_parsed_by_twisted_and_reaches_the_application_whole() -> None:
    request = received_request(
        b"POST", b"/api/groups/1/attachments/", b"multipart/form-data; boundary=b", BODY
    )
    handed_over = []
    request.process = lambda: handed_over.append(request.content.read())

    request.requestReceived(b"POST", b"/api/groups/1/attachments/", b"HTTP/1.1")

    assert request.args == {}
    assert handed_over == [BODY]


async def nothing_sent(message: Message) -> None:
    raise AssertionError(f"the application sent {message!r}")


def test_daphne_queues_where_the_pieces_lie_and_the_application_reads_them_as_received() -> None:
    body = bytes(range(256)) * 1000  # 256,000 bytes: 32 pieces of daphne's 8 KiB
    request = received_request(b"POST", b"/upload/", b"application/octet-stream", body)

    request.requestReceived(b"POST", b"/upload/", b"HTTP/1.1")

    queued: list[Message] = request.channel.factory.server.queue
    assert queued, "daphne queued nothing for the application"
    assert all(isinstance(message["body"], BodyPiece) for message in queued), [
        type(message["body"]) for message in queued
    ]
    assert sum(len(message["body"]) for message in queued) == len(body)
    assert [message["more_body"] for message in queued][-2:] == [True, False]

    async def application(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            received.append(message["body"])
            if not message["more_body"]:
                return

    async def receive() -> Message:
        return queued.pop(0)

    received: list[bytes] = []
    asyncio.run(read_as_received(application)({"type": "http"}, receive, nothing_sent))
    assert all(isinstance(piece, bytes) for piece in received)
    assert b"".join(received) == body


def test_a_piece_of_a_request_already_ended_is_received_as_the_disconnect() -> None:
    request = received_request(b"POST", b"/upload/", b"application/octet-stream", b"x" * 200_000)
    request.requestReceived(b"POST", b"/upload/", b"HTTP/1.1")
    first: Message = request.channel.factory.server.queue[0]
    request.content.close()  # the client went away: Twisted closes the body's file

    async def receive() -> Message:
        return first

    async def application(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        received.append(await receive())

    received: list[Message] = []
    asyncio.run(read_as_received(application)({"type": "http"}, receive, nothing_sent))
    assert received == [{"type": "http.disconnect"}]


def test_a_body_twisted_keeps_in_memory_is_queued_as_its_bytes() -> None:
    """Every GET, and any small body: an application not wrapped in read_as_received
    (runserver's static files) gets bytes, as from daphne itself."""
    for body in (b"", b'{"username": "alice"}'):
        request = received_request(b"POST", b"/api/auth/login/", b"application/json", body)
        request.requestReceived(b"POST", b"/api/auth/login/", b"HTTP/1.1")

        queued: list[Message] = request.channel.factory.server.queue
        assert [message["body"] for message in queued] == [body]
