"""Standard input (``-``): a text matrix, an image or a ``.npy``/``.npz`` array piped in,
told apart by its first bytes (a pipe has no file name to go by)."""

from __future__ import annotations

import sys

from poolviz.errors import PoolvizRuntimeError
from poolviz.loaders.files import reason

ACCEPTED = "pipe in a text matrix, an image or a .npy/.npz array"
"""What standard input may hold, for messages."""

_IMAGE_SIGNATURES = (
    b"\x89PNG\r\n\x1a\n",  # PNG
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"BM",  # BMP
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
)
"""How the image formats poolviz reads begin (WebP, a RIFF container, is checked apart). None
of them can begin a text matrix, whose first character is a digit, sign, point, ``#``,
``n``/``i`` (nan, inf) or white space."""


def read_stdin() -> bytes | str:
    """Everything on standard input: bytes, or text when the stream has no byte layer (a
    ``StringIO`` standing in for it); a runtime error when it cannot be read."""
    stream = getattr(sys.stdin, "buffer", None)
    try:
        return stream.read() if stream is not None else sys.stdin.read()
    except (OSError, UnicodeDecodeError) as err:
        raise PoolvizRuntimeError(f"stdin: cannot read: {reason(err)}") from None


def nothing_given() -> PoolvizRuntimeError:
    """The refusal of an empty standard input."""
    return PoolvizRuntimeError(f"stdin: nothing was given; {ACCEPTED}")


def sniff(data: bytes) -> str:
    """What ``data`` holds, by its first bytes: ``image``, ``npy``, ``npz`` (a zip archive)
    or, failing those, ``text``."""
    if data.startswith(_IMAGE_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    if data.startswith(b"\x93NUMPY"):
        return "npy"
    if data.startswith(b"PK\x03\x04"):
        return "npz"
    return "text"
