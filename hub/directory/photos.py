"""Profile photos: checked by decoding, re-encoded small, metadata stripped."""

from __future__ import annotations

import io
import warnings

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from hub.core.rules import RuleError

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # a 2 MB file claiming more than this is a decompression bomb
PHOTO_SIZE = (256, 256)
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoError(RuleError):
    """The upload is not a photo we accept; the message is for the person, at the photo field."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="photo")


def process_photo(raw: bytes) -> bytes:
    """A JPEG of 256×256 pixels made from the upload, with no EXIF or other metadata."""
    if len(raw) > MAX_PHOTO_BYTES:
        raise PhotoError(_("Bilden är för stor. Den får vara högst 2 MB."))
    if not raw:
        raise PhotoError(_("Filen är tom."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _decode(raw)
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Warning) as error:
        raise PhotoError(_not_an_image()) from error
    except Image.DecompressionBombError as error:
        raise PhotoError(_("Bilden har för många pixlar.")) from error
    square = ImageOps.fit(image, PHOTO_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # Saving without exif/icc arguments drops all metadata, location included.
    square.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _not_an_image() -> str:
    return _("Filen är ingen bild som går att läsa. Välj en JPEG-, PNG- eller WebP-bild.")


def _decode(raw: bytes) -> Image.Image:
    with Image.open(io.BytesIO(raw)) as opened:
        if opened.format not in ALLOWED_FORMATS:
            raise PhotoError(_not_an_image())
        width, height = opened.size
        if width * height > MAX_PHOTO_PIXELS:
            raise PhotoError(_("Bilden har för många pixlar."))
        opened.load()
        image = ImageOps.exif_transpose(opened) or opened
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            background = Image.new("RGB", image.size, (255, 255, 255))
            background.paste(image, mask=image.getchannel("A"))
            return background
        return image.convert("RGB")
