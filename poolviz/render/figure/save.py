"""Writing a figure to a file: complete, or not at all."""

from __future__ import annotations

import struct
import warnings
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib import cbook, rc_context
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image

from poolviz.render.figure.look import PAD_INCHES, Look, dress, page_box
from poolviz.render.output import atomic_output

FIGURE_FORMATS = ("png", "svg", "pdf")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
"""The eight bytes every PNG file starts with."""
PNG_COMPRESSION = 1
"""zlib level of a PNG: the fastest. Level 1 deflates VGG16's trace (3852 x 1501, filtered)
in 27 ms into 355 kB, level 6 (zlib's default) in 63 ms into 287 kB."""
BLOCK_BYTES = 1 << 18
"""RGBA bytes taken through a PNG's filter and compression at a time (VGG16's trace: 17 rows
of 3852 pixels): a block a processor's cache holds."""


def save_figure(fig: Figure, path: Path, dpi: int = 150, look: Look | None = None) -> None:
    """Save ``fig`` to ``path`` (format from its extension) with nothing clipped, dressed as
    ``look`` says; the file appears only once complete.

    With ``look.figsize`` (W, H) the drawn content is scaled to fit a W x H inch page and
    centred on it: a PNG is W·dpi x H·dpi pixels (rounded); an SVG or PDF has that shape.

    Every text is drawn as typed: titles and file names are not mathtext, so a ``$`` is a
    dollar sign (a lone one made matplotlib's parser fail); a character no file can hold (an
    undecodable byte of a file name, a control character) is drawn as U+FFFD, and a glyph
    missing from the font as the font's box, without a warning.
    """
    look = look or Look()
    dress(fig, look)
    for text in _drawn_texts(fig):
        text.set_parse_math(False)
        typed = text.get_text()
        shown = printable(typed)
        if shown != typed:
            text.set_text(shown)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Glyph .* missing from", UserWarning)
        suffix = path.suffix.lstrip(".").lower()
        box: Bbox | str
        if look.figsize is not None:
            box, saving_dpi = page_box(fig, look.figsize, dpi)
        elif suffix == "png":
            box, saving_dpi = content_box(fig, dpi), float(dpi)
        else:  # an SVG or PDF measures words with its own renderer: savefig measures them
            box, saving_dpi = "tight", float(dpi)
        if suffix == "png":
            OpaqueCanvas(fig)  # savefig prints with the figure's own canvas
        with atomic_output(path) as temporary:
            fig.savefig(
                temporary, dpi=saving_dpi, bbox_inches=box, pad_inches=PAD_INCHES, format=suffix
            )


def content_box(fig: Figure, dpi: float) -> Bbox:
    """The part of ``fig``'s page a PNG at ``dpi`` shows: its drawn content and a margin of
    :data:`PAD_INCHES`, in inches, as ``bbox_inches="tight"`` finds it, but measured without
    drawing the figure (matplotlib draws it once to measure and again to save: a third of
    ``compare -o``'s time). A layout engine places the axes first and is then set aside, so
    the save that follows draws once and does not place them again."""
    fig.set_dpi(dpi)
    engine = fig.get_layout_engine()
    if engine is not None:
        FigureCanvasAgg(fig)  # the engine measures with the figure's canvas
        engine.execute(fig)
        # None, not "none": "none" leaves a placeholder engine, and savefig draws a figure
        # with any engine once before saving it (None defers to these two settings)
        with rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)
    # a renderer that only measures words: one as large as the page allocates and clears
    # its pixels (VGG16's trace: 23 MB, 11 ms) for nothing
    renderer = RendererAgg(1, 1, dpi)  # type: ignore[no-untyped-call]
    return fig.get_tightbbox(renderer).padded(PAD_INCHES)


class OpaqueCanvas(FigureCanvasAgg):
    """An Agg canvas that writes an opaque figure's PNG itself: RGB without the alpha
    channel, every row filtered by "Up" (its difference from the row above) and deflated at
    :data:`PNG_COMPRESSION`; otherwise the PNG matplotlib writes (its ``Software`` text, its
    dpi, savefig's ``metadata``). Pillow picks a filter per row by trying four of them in a
    loop over every byte: 70 ms of the 110 that VGG16's trace took to encode, where "Up"
    alone is 2 ms in NumPy and makes a file as small (355 kB, 354 with Pillow's choice);
    the whole PNG now takes 34 ms (:func:`_image_data`).
    A figure is opaque when its page is, as it is drawn (every theme's is; savefig's
    ``transparent`` is not): all else is drawn over it. A page that is not opaque, or a
    savefig that passes ``pil_kwargs``, is written by matplotlib and Pillow."""

    def print_png(
        self,
        filename_or_obj: Any,
        *,
        metadata: dict[str, str | None] | None = None,
        pil_kwargs: dict[str, Any] | None = None,
        **ignored: Any,  # savefig's dpi, colours and orientation, already applied
    ) -> None:
        page = self.figure.patch
        if pil_kwargs is not None or not (
            page.get_visible() and to_rgba(page.get_facecolor())[3] == 1
        ):
            super().print_png(  # type: ignore[no-untyped-call]
                filename_or_obj, metadata=metadata, pil_kwargs=pil_kwargs
            )
            return
        FigureCanvasAgg.draw(self)  # type: ignore[no-untyped-call]
        software = f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/"
        texts = {"Software": software, **(metadata or {})}
        png = png_bytes(
            np.asarray(self.buffer_rgba()),  # type: ignore[no-untyped-call]
            self.figure.dpi,
            {key: value for key, value in texts.items() if value is not None},
        )
        with cbook.open_file_cm(filename_or_obj, "wb") as file:
            file.write(png)


def png_bytes(rgba: np.ndarray, dpi: float, texts: Mapping[str, str]) -> bytes:
    """An RGB PNG of ``rgba`` (H x W x 4 bytes, C-contiguous, its alpha dropped) at ``dpi``,
    with ``texts`` as its text chunks (``tEXt``, or ``iTXt`` for words beyond Latin-1)."""
    height, width = rgba.shape[:2]
    per_metre = round(dpi / 0.0254)
    chunks = [
        (b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),  # 8-bit RGB
        (b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
        *(_text_chunk(key, value) for key, value in texts.items()),
        (b"IDAT", _image_data(rgba)),
        (b"IEND", b""),
    ]
    return PNG_SIGNATURE + b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        for kind, data in chunks
    )


def _image_data(rgba: np.ndarray) -> bytes:
    """The PNG image data of ``rgba``: each row as RGB, filtered by "Up", deflated at
    :data:`PNG_COMPRESSION`; a block of :data:`BLOCK_BYTES` at a time through the three
    steps, so that each step finds the block in the processor's cache (VGG16's trace, 23 MB
    of RGBA: 56 ms in one go, 34 in blocks)."""
    height, width = rgba.shape[:2]
    step = max(1, BLOCK_BYTES // (4 * width))
    deflate = zlib.compressobj(PNG_COMPRESSION)
    above = np.zeros(3 * width, np.uint8)  # the row above the first is zeros (PNG spec, 9.2)
    parts = []
    for top in range(0, height, step):
        block = rgba[top : top + step]
        count = len(block)
        # Pillow drops the alpha bytes in one pass, NumPy's strided copy takes six times as long
        rgb = Image.frombuffer("RGBA", (width, count), block, "raw", "RGBA", 0, 1)
        pixels = np.frombuffer(rgb.tobytes("raw", "RGB"), np.uint8).reshape(count, 3 * width)
        rows = np.empty((count, 1 + 3 * width), np.uint8)
        rows[:, 0] = 2  # the filter of each row: Up
        np.subtract(pixels[0], above, out=rows[0, 1:])  # bytes wrap, as the filter's do
        np.subtract(pixels[1:], pixels[:-1], out=rows[1:, 1:])
        above = pixels[-1]
        parts.append(deflate.compress(rows.data))
    parts.append(deflate.flush())
    return b"".join(parts)


def _text_chunk(key: str, value: str) -> tuple[bytes, bytes]:
    """A PNG text chunk: ``tEXt`` in Latin-1 where it can be, else ``iTXt`` in UTF-8."""
    try:
        return b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1")
    except UnicodeEncodeError:
        # keyword, no compression (flag and method 0), no language, no translated keyword
        return b"iTXt", key.encode("latin-1") + b"\0\0\0\0\0" + value.encode("utf-8")


def _drawn_texts(artist: Artist) -> Iterator[Text]:
    """The texts under ``artist`` that will be drawn: hidden artists and all they hold are
    skipped, and so are the axes of an Axes turned off (``findobj`` visits their ticks,
    creating them only to be skipped: on the trace figure's inch-wide axes, hundreds)."""
    hidden = () if not isinstance(artist, Axes) or artist.axison else (artist.xaxis, artist.yaxis)
    for child in artist.get_children():
        if child.get_visible() and child not in hidden:
            if isinstance(child, Text):
                yield child
            yield from _drawn_texts(child)


def printable(text: str) -> str:
    """``text`` with every character that is not printable (but line breaks and tabs) as
    U+FFFD: lone surrogates cannot be encoded into PDF or SVG, and NUL not into SVG."""
    return "".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in text)
