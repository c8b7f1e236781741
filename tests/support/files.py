"""Files for the attachment tests: real images made with Pillow, uploads as a browser
sends them, and a download's bytes read the way the server streams them."""

from io import BytesIO
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from chat.models import GroupChat

# Markup that runs script when a browser renders it as a page of the site.
HTML_WITH_SCRIPT = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script>"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.cookie)</script></svg>"
)


def png_bytes(width: int = 800, height: int = 600) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, "PNG")
    return out.getvalue()


def uploaded(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def upload(client: APIClient, group_chat: GroupChat, name: str, data: bytes) -> Any:
    """``POST /api/groups/<pk>/attachments/`` as a page's form data sends it (the test
    client's response)."""
    url = reverse("chat:attachment-list", args=[group_chat.pk])
    return client.post(url, {"file": uploaded(name, data)}, format="multipart")


def body(response: Any) -> bytes:
    """All of a download's bytes (the view streams them from an async iterator)."""

    async def read() -> bytes:
        assert isinstance(response, StreamingHttpResponse), response
        return b"".join([chunk async for chunk in response.streaming_content])  # type: ignore[union-attr]

    return async_to_sync(read)()


def stored_files(media_root: Path) -> list[Path]:
    """Every file under the storage's root."""
    return sorted(path for path in media_root.rglob("*") if path.is_file())
