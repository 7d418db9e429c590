"""16-bit colour PNGs at full depth.

Pillow reads a 16-bit RGB, RGBA or grey+alpha PNG at 8 bits per channel, keeping each
sample's high byte, so poolviz reads these samples itself: the header, the IDAT chunks
inflated, the row filters undone, interlaced passes put back (PNG spec, 2nd ed.). Only the
image data is read here; the loader has Pillow open and check the file first.

Why not pypng, which reads these too: measured on a 1000x1000 16-bit RGB PNG (best of runs,
this decoder vs pypng 0.20220715's ``asDirect``), rows filtered with Paeth as encoders choose
for photographs took 1.3 s here vs 9.0 s (7x), mixed filters 1.6 s vs 6.4 s (4x); pypng wins
only on unfiltered rows (2.4 s vs 1.1 s), which few encoders but pypng's own write. Undoing
the filters one anti-diagonal at a time in NumPy is what pypng does byte by byte in Python.
Damaged files are covered by ``tests/test_loaders.py`` and ``tests/test_bad_input.py``: a cut
stream or chunk, a bad filter type, a broken deflate stream, a bad CRC (checked here),
a decompression bomb (never inflated past the size the header gives), Adam7.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 4: 2, 6: 4}
"""The channels of each PNG colour type that Pillow reads at 8 bits per channel when it holds
16, keeping each sample's high byte: RGB, grey+alpha (which Pillow also makes RGBA) and RGBA.
This module decodes these; Pillow reads 16-bit grey (type 0) whole."""
ADAM7 = (
    (0, 0, 8, 8),
    (0, 4, 8, 8),
    (4, 0, 8, 4),
    (0, 2, 4, 4),
    (2, 0, 4, 2),
    (0, 1, 2, 2),
    (1, 0, 2, 1),
)
"""The seven passes of an interlaced PNG, each as first row, first column, row step and
column step (PNG spec, 2nd ed., 8.2)."""


@dataclass(frozen=True)
class Header:
    """What the header of a 16-bit colour PNG says."""

    height: int
    width: int
    channels: int
    interlaced: bool


def header(head: bytes) -> Header | None:
    """The header of a 16-bit RGB, RGBA or grey+alpha PNG, read from the file's first 29
    bytes (the IHDR chunk always comes first); None for any other file."""
    if len(head) < 29 or not head.startswith(SIGNATURE) or head[12:16] != b"IHDR":
        return None
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", head[16:29])
    if depth != 16 or colour not in CHANNELS:
        return None
    return Header(height, width, CHANNELS[colour], interlace == 1)


def pixels(data: bytes, header: Header) -> np.ndarray:
    """The samples of a 16-bit colour PNG, (H, W, C) uint16, from its IDAT chunks: inflated
    (never past the size the header gives), unfiltered, and for an interlaced file put back
    pass by pass; ValueError or zlib.error when they are damaged."""
    h, w, bpp = header.height, header.width, 2 * header.channels
    passes = [
        (y0, x0, dy, dx, -(-(h - y0) // dy), -(-(w - x0) // dx))
        for y0, x0, dy, dx in (ADAM7 if header.interlaced else ((0, 0, 1, 1),))
    ]
    passes = [p for p in passes if p[4] > 0 and p[5] > 0]  # a small image skips passes
    size = sum(ph * (1 + pw * bpp) for *_, ph, pw in passes)
    stream = zlib.decompressobj().decompress(_idat(data), size)
    if len(stream) < size:
        raise ValueError("the image data ends early")
    samples = np.empty((h, w, bpp), np.uint8)
    start = 0
    for y0, x0, dy, dx, ph, pw in passes:
        rows = np.frombuffer(stream, np.uint8, ph * (1 + pw * bpp), start)
        samples[y0::dy, x0::dx] = _unfilter(rows.reshape(ph, 1 + pw * bpp), bpp)
        start += rows.size
    return samples.view(">u2").astype(np.uint16)


def _idat(data: bytes) -> bytes:
    """A PNG's compressed image data: its IDAT chunks, joined in order; ValueError when one
    is cut short or its CRC does not match. Pillow leaves the image data's CRCs unchecked,
    but a flipped bit there would give silently wrong samples at full precision."""
    parts = []
    at = len(SIGNATURE)
    while at + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, at)
        if kind == b"IEND":
            break
        if kind == b"IDAT":
            body = data[at + 8 : at + 8 + length]
            crc = data[at + 8 + length : at + 12 + length]
            if len(crc) < 4 or zlib.crc32(kind + body) != int.from_bytes(crc, "big"):
                raise ValueError("an IDAT chunk is cut short or its CRC does not match")
            parts.append(body)
        at += 12 + length
    return b"".join(parts)


def _unfilter(rows: np.ndarray, bpp: int) -> np.ndarray:
    """PNG scanlines, (H, 1 + W·bpp) uint8 each led by its filter type, unfiltered to
    (H, W, bpp) uint8.

    Each byte was stored minus a prediction from the same byte of the pixel to its left (a),
    above (b) and above-left (c), by its row's filter: 0 none, 1 a, 2 b, 3 floor((a + b) / 2),
    4 Paeth's choice of a, b or c (PNG spec, 2nd ed., 9.2-9.4). A pixel needs those to its
    left and above, so all pixels on one anti-diagonal (y + x = d) are undone at once:
    H + W - 1 NumPy steps rather than one per byte.
    """
    h, w = rows.shape[0], (rows.shape[1] - 1) // bpp
    kinds = rows[:, 0]
    if kinds.max() > 4:
        raise ValueError("an unknown PNG filter type")
    stored = rows[:, 1:].reshape(h * w, bpp)
    # pixel (y, x) at (y + 1)(w + 1) + x + 1: a row and a column of zeros above and left
    out = np.zeros(((h + 1) * (w + 1), bpp), np.uint8)
    for d in range(h + w - 1):
        y0 = max(0, d - w + 1)
        n = min(h, d + 1) - y0
        here = (y0 + 1) * (w + 1) + d - y0 + 1
        a, b, c = (out[_run(here - back, n, w)].astype(np.int16) for back in (1, w + 1, w + 2))
        p = a + b - c
        pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
        paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        kind = kinds[y0 : y0 + n, None]
        predicted = np.choose(kind, (np.zeros_like(a), a, b, (a + b) >> 1, paeth))
        raw = stored[_run(y0 * w + d - y0, n, w - 1)]
        out[_run(here, n, w)] = (raw + predicted) & 0xFF
    return out.reshape(h + 1, w + 1, bpp)[1:, 1:]


def _run(first: int, n: int, step: int) -> slice:
    """``n`` items from ``first``, ``step`` apart: the pixels of one anti-diagonal, one row
    down and one column left each (a lone pixel's step may be 0)."""
    return slice(first, first + (n - 1) * step + 1, max(step, 1))
