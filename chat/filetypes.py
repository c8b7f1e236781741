"""What an uploaded file really is, read from its content, never from its name or the
type the client claimed; and the name it is shown under.

Images are whatever Pillow opens and verifies as PNG, JPEG, GIF or WebP. Other types
are known by their first bytes (PDF, ZIP) or, for plain text, by being UTF-8 without
NUL characters. Anything a browser could take for markup (HTML, SVG, XML: what carries
script) is refused, whatever it is called and whatever the allowed types say.
"""

import codecs
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

from chat.models.group_chat import DIRECTION_CONTROLS

# Pillow's format name -> the type an image is stored and served as.
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# A bigger image is refused: decoding it for a thumbnail would take too much memory.
MAX_IMAGE_PIXELS = 50_000_000

# Types known by their first bytes.
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"PK\x03\x04": "application/zip",
    b"PK\x05\x06": "application/zip",  # an empty archive
}

# What a browser sniffing content would take for HTML or XML (the WHATWG MIME sniffing
# standard's markup patterns, and SVG): checked at the start of text, after whitespace.
MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body"
    rb"|br|p|svg|\?xml|!--)(?:[\s>/]|$)",
    re.IGNORECASE,
)
TEXT_CHUNK = 64 * 1024

# The file name extensions each type is offered under.
EXTENSIONS = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    "application/zip": (".zip",),
    "text/plain": (".txt",),
}
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class FileType:
    content_type: str
    # Images only.
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        return self.width is not None


def detect(file: IO[bytes]) -> FileType | None:
    """What ``file`` holds, from its bytes; None for what is none of the known types.
    Raises ValidationError for markup (HTML, SVG, XML) and for an image too large to
    decode. Leaves the file at its start."""
    try:
        return _image(file) or _signed(file) or _text(file)
    finally:
        file.seek(0)


def _image(file: IO[bytes]) -> FileType | None:
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; ours is an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file, formats=list(IMAGE_FORMATS)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                image.verify()
                content_type = IMAGE_FORMATS[str(image.format)]
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            f"This image is too large: at most {MAX_IMAGE_PIXELS:,} pixels.", code="too_many_pixels"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None  # not an image Pillow reads (or a broken one)
    return FileType(content_type, width, height)


def _signed(file: IO[bytes]) -> FileType | None:
    file.seek(0)
    head = file.read(8)
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return FileType(content_type)
    return None


def _text(file: IO[bytes]) -> FileType | None:
    """Plain text: UTF-8 throughout, no NUL, and nothing a browser would take for markup
    at its start (raised: markup is refused, not merely unknown)."""
    file.seek(0)
    start = file.read(1024).lstrip(b"\xef\xbb\xbf \t\r\n\x0c")
    if MARKUP.match(start):
        raise ValidationError(
            "HTML, SVG and XML files cannot be attached, whatever their name.", code="markup"
        )
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := file.read(TEXT_CHUNK):
            if b"\x00" in chunk:
                return None
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return FileType("text/plain")


def clean_name(raw: str, content_type: str) -> str:
    """The name a file is shown and downloaded under: its last path component only (a
    client's ``../../x`` or ``C:\\x`` is ``x``), without control characters or direction
    controls, at most MAX_NAME_LENGTH characters, and ending in an extension of its real
    type (``photo.png`` holding a PDF is ``photo.png.pdf``)."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        char
        for char in name
        if unicodedata.category(char)[0] != "C" and char not in DIRECTION_CONTROLS
    )
    name = name.strip().lstrip(".").strip() or "file"
    extensions = EXTENSIONS[content_type]
    if PurePath(name).suffix.lower() not in extensions:
        name += extensions[0]
    stem, suffix = name[: -len(PurePath(name).suffix)], PurePath(name).suffix
    return stem[: MAX_NAME_LENGTH - len(suffix)] + suffix
