"""daphne's requests leave form bodies to the application: Twisted does not parse an
upload for its own ``args`` (reading it whole into memory), and the body is intact for
the application to read."""

from types import SimpleNamespace
from typing import Any

from daphne import http_protocol
from twisted.web.test.requesthelper import DummyChannel

import config.asgi  # noqa: F401  # installs config.request_bodies, as every server does

BODY = (
    b"--b\r\n"
    b'Content-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n"
    b"minutes\r\n"
    b"--b--\r\n"
)


class Server:
    """What daphne's request tells its server: nothing is kept."""

    def protocol_connected(self, protocol: object) -> None:
        pass


def test_a_multipart_post_is_not_parsed_by_twisted_and_reaches_the_application_whole() -> None:
    channel: Any = DummyChannel()  # type: ignore[no-untyped-call]
    channel.factory = SimpleNamespace(server=Server())
    request = http_protocol.WebRequest(channel)
    handed_over = []
    request.process = lambda: handed_over.append(request.content.read())
    request.requestHeaders.setRawHeaders(b"content-type", [b"multipart/form-data; boundary=b"])
    request.requestHeaders.setRawHeaders(b"content-length", [str(len(BODY)).encode()])
    request.gotLength(len(BODY))
    request.handleContentChunk(BODY)

    request.requestReceived(b"POST", b"/api/groups/1/attachments/", b"HTTP/1.1")

    assert request.args == {}
    assert handed_over == [BODY]
