"""The EXIF orientation of an image: how to turn it upright, as image viewers do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image as PILImage


@dataclass(frozen=True)
class Orientation:
    """How to turn an image upright, as its EXIF Orientation tag asks."""

    method: str
    """The name of the :class:`PIL.Image.Transpose` that does it."""
    done: str
    """What that does, as the note says it: ``rotated 90° clockwise``."""

    def note(self, h: int, w: int) -> str:
        """The note saying so for an image ``h`` by ``w`` once upright, with the size as
        stored when turning it swapped height and width."""
        swapped = self.method in ("ROTATE_90", "ROTATE_270", "TRANSPOSE", "TRANSVERSE")
        return f"{self.done} by its EXIF orientation" + (f" (stored as {w}x{h})" if swapped else "")


_ORIENTATIONS = {
    2: Orientation("FLIP_LEFT_RIGHT", "mirrored left to right"),
    3: Orientation("ROTATE_180", "rotated 180°"),
    4: Orientation("FLIP_TOP_BOTTOM", "mirrored top to bottom"),
    5: Orientation("TRANSPOSE", "rotated 90° clockwise and mirrored left to right"),
    6: Orientation("ROTATE_270", "rotated 90° clockwise"),
    7: Orientation("TRANSVERSE", "rotated 90° counter-clockwise and mirrored left to right"),
    8: Orientation("ROTATE_90", "rotated 90° counter-clockwise"),
}
"""The EXIF Orientation values 2-8 (1 is upright), each with the Pillow transposition that
undoes it, as ``ImageOps.exif_transpose`` maps them (Pillow's angles count
counter-clockwise: its ROTATE_270 is 90° clockwise)."""


_EXIF_ORIENTATION = 0x0112


def exif_orientation(img: PILImage.Image) -> Orientation | None:
    """How to turn ``img`` upright, as image viewers do, from the EXIF Orientation tag (or
    the XMP one, which Pillow's ``getexif`` reads too) of a JPEG, PNG, WebP or TIFF; None
    when it is upright, or its EXIF block is damaged or holds no orientation: viewers show
    such an image as stored. Called on a loaded image (a TIFF's directory needs no loading),
    so that a failure here is the EXIF block's alone."""
    try:
        value = img.getexif().get(_EXIF_ORIENTATION)
    except MemoryError:
        raise
    except Exception:  # Pillow's EXIF parser raises many types on damaged data
        return None
    return _ORIENTATIONS.get(value) if isinstance(value, int) else None
