"""The small picture the page shows of an attached image."""

from io import BytesIO
from typing import IO

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps

# The largest side of a thumbnail, in pixels.
THUMBNAIL_SIDE = 320


def make_thumbnail(file: IO[bytes]) -> bytes:
    """A WebP of the image in ``file`` (its first frame), upright (as its EXIF says) and
    at most THUMBNAIL_SIDE on its longer side. A picture that fails to decode (truncated
    data that passed Pillow's quick check) is refused with a ValidationError."""
    file.seek(0)
    try:
        with Image.open(file) as image:
            picture = ImageOps.exif_transpose(image)
            picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            if picture.mode not in {"RGB", "RGBA"}:
                picture = picture.convert("RGBA")
            out = BytesIO()
            picture.save(out, "WEBP", quality=80)
    except OSError:
        raise ValidationError("This image could not be read.", code="broken_image") from None
    finally:
        file.seek(0)
    return out.getvalue()
