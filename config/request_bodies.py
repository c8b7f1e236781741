"""daphne's HTTP request bodies, parsed by the application only, and read as it reads them.

daphne receives a request's whole body (into a temporary file above 100 KB: Twisted's
``Request.content``) before it hands it to the application, which parses it as it reads
(Django's multipart parser, writing each file to disk: ``chat.uploads``). Two things
would each hold the body in the worker's memory:

- Twisted's ``Request`` parses a ``multipart/form-data`` or url-encoded POST body for its
  own ``args``, which daphne never reads: the body whole, through the email package,
  several copies at once. ``WebRequest`` turns that off with Twisted's own switch
  (``parsePOSTFormSubmission=False``).
- daphne then reads the file in pieces and queues every piece for the application at
  once, so the queue holds the whole body until the application has read it.
  For a body Twisted keeps in a temporary file (over 100 KB), ``WebRequest`` hands
  daphne a view of the file whose sized reads give ``BodyPiece`` (where a piece lies in
  the file, not its bytes); ``read_as_received`` wraps the HTTP application so that each
  piece is read from the file when the application receives it. Django writes what it
  receives to a spooled temporary file, on disk past ``FILE_UPLOAD_MAX_MEMORY_SIZE``:
  the worker holds about one piece of a large body at a time.

``install()`` puts ``WebRequest`` in daphne's place; ``config.asgi`` calls it and wraps
its HTTP application, so ``daphne`` and ``manage.py runserver`` both get both.
"""

import io
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import IO, Any

from daphne import http_protocol

Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Coroutine[Any, Any, None]]


class BodyPiece:
    """``size`` bytes of a request's body at ``offset`` in its file, read on demand."""

    def __init__(self, source: IO[bytes], offset: int, size: int) -> None:
        self.source = source
        self.offset = offset
        self.size = size

    def __len__(self) -> int:  # daphne tells the last piece by its length
        return self.size

    def read(self) -> bytes:
        """The bytes; ``ValueError`` once the request has ended (Twisted closed the file)."""
        self.source.seek(self.offset)
        return self.source.read(self.size)


class PieceByPiece:
    """A request body's file as daphne reads it for the application: a sized read gives
    a ``BodyPiece`` and moves on; anything else is the file's own."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.offset = 0
        self.end = source.seek(0, 2)

    def seek(self, offset: int, whence: int = 0) -> int:
        self.offset = self.source.seek(offset, whence)
        return self.offset

    def read(self, size: int = -1) -> "BodyPiece | bytes":
        if size < 0 or isinstance(self.source, io.BytesIO):
            # Read whole (daphne's WebSocket upgrade), or a body Twisted keeps in memory
            # anyway (under 100 KB): the bytes themselves. So a request with no body,
            # such as every GET, reaches an application that is not wrapped in
            # read_as_received as daphne gives it (runserver serves static files so).
            self.source.seek(self.offset)
            chunk = self.source.read(size)
            self.offset += len(chunk)
            return chunk
        piece = BodyPiece(self.source, self.offset, min(size, self.end - self.offset))
        self.offset += piece.size
        return piece

    def __getattr__(self, name: str) -> Any:  # closed, close(): Twisted's and daphne's
        return getattr(self.source, name)


class WebRequest(http_protocol.WebRequest):  # type: ignore[misc]
    """daphne's request, without Twisted's parsing of form bodies, handing the body over
    piece by piece."""

    content: IO[bytes]  # Twisted's; a PieceByPiece view of it once processed

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)

    def process(self) -> None:
        # Called once the whole request is in: Twisted writes to the file no more.
        self.content = PieceByPiece(self.content)  # type: ignore[assignment]
        super().process()


def read_as_received(app: ASGIApp) -> ASGIApp:
    """``app`` receiving each ``BodyPiece`` of a body as its bytes, read at that moment;
    a piece whose request has already ended (its file closed) is the disconnect it is."""

    async def application(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        async def receive_bytes() -> Message:
            message = await receive()
            body = message.get("body")
            if isinstance(body, BodyPiece):
                try:
                    return {**message, "body": body.read()}
                except ValueError:
                    return {"type": "http.disconnect"}
            return message

        await app(scope, receive_bytes, send)

    return application


def install() -> None:
    """daphne's protocol builds ``WebRequest`` from its module's name at each request."""
    http_protocol.WebRequest = WebRequest
