"""How an attachment's bytes are sent to a member, once the view has checked they may
have them: streamed from the storage in chunks (never read whole into memory: under
ASGI, Django would read a plain ``FileResponse`` into a list first), under headers that
keep the browser from ever treating it as a page of this site:

- ``Content-Type`` is the type read from the content at upload (``chat.filetypes``),
  never HTML or SVG, with ``X-Content-Type-Options: nosniff`` so that it is not guessed;
- ``Content-Disposition: attachment`` for everything but images (saved, not opened);
- ``Content-Security-Policy: default-src 'none'; sandbox``: even opened directly, it
  runs no script and loads nothing;
- ``Cache-Control: private, no-cache``: shared caches keep none, and the browser asks
  again each time, so that a member who left gets nothing more.
"""

from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.core.files import File
from django.db.models.fields.files import FieldFile
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

CHUNK_BYTES = 256 * 1024
POLICY = "default-src 'none'; sandbox"


def attachment_response(
    stored: FieldFile, *, content_type: str, name: str, inline: bool
) -> StreamingHttpResponse:
    """A response streaming ``stored`` as ``name``: shown in the page when ``inline``
    (images), otherwise a download."""
    opened = stored.open("rb")
    response = StreamingHttpResponse(_chunks(opened), content_type=content_type)
    response["Content-Length"] = str(stored.size)
    response["Content-Disposition"] = content_disposition_header(not inline, name) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = POLICY
    response["Cache-Control"] = "private, no-cache"
    return response


async def _chunks(opened: "File[bytes]") -> AsyncIterator[bytes]:
    """The file's bytes, a chunk at a time, each read on a worker thread of its own (a
    storage read may block; the event loop must not)."""
    read = sync_to_async(opened.read, thread_sensitive=False)
    try:
        while chunk := await read(CHUNK_BYTES):
            yield chunk
    finally:
        await sync_to_async(opened.close, thread_sensitive=False)()
