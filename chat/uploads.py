"""How an attachment's request body is read: into a temporary file, counted as it
arrives, and refused with a 413 before more than ``ATTACHMENT_MAX_BYTES`` is kept.

A request whose ``Content-Length`` is already too large is refused before a byte of its
body is read; one that lied about its length (or sent none) is refused as soon as the
file's bytes pass the limit, and the partial temporary file is deleted. Nothing reaches
the storage until the whole file has been read and checked (``chat.services.attachments``).
"""

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest
from rest_framework.exceptions import APIException

# Room for the multipart envelope (boundaries, part headers, the file's name) around the
# file itself in a request's Content-Length.
ENVELOPE_BYTES = 16 * 1024


class UploadTooLarge(APIException):
    status_code = 413
    default_code = "too_large"

    def __init__(self) -> None:
        limit = settings.ATTACHMENT_MAX_BYTES
        super().__init__(f"A file can be at most {limit:,} bytes ({limit / 2**20:.0f} MiB).")


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler (every upload on disk, none in memory), with the
    attachment size limit counted as the bytes come."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit: int = settings.ATTACHMENT_MAX_BYTES
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if content_length > self.limit + ENVELOPE_BYTES:
            raise UploadTooLarge()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.file.close()  # a temporary file: closing it deletes it
            raise UploadTooLarge()
        return super().receive_data_chunk(raw_data, start)
