"""Writing a figure to a file: complete, or not at all."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import rc_context
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from poolviz.render.figure.look import PAD_INCHES, Look, dress, page_box
from poolviz.render.output import atomic_output

FIGURE_FORMATS = ("png", "svg", "pdf")

PNG_COMPRESSION = 1
"""zlib level of a PNG (Pillow's default is 6): the fastest, for a file a sixth larger than
level 4's. Encoding took a fifth of ``pool photo.jpg --scale 0.25 -o``'s time after the
figure was drawn once; level 1 encodes its figure in 48 ms instead of 80 (720 kB, not 613),
VGG16's trace in 111 instead of 145 (414 kB, not 357), compare's in 43 instead of 58 (213 kB,
not 177); levels 2 and 3 are no faster than 1 (best of 9, thread CPU, load average 5)."""


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
        extra: dict[str, Any] = {}
        if suffix == "png":
            extra["pil_kwargs"] = {"compress_level": PNG_COMPRESSION}
            OpaqueCanvas(fig)  # savefig prints with the figure's own canvas
        with atomic_output(path) as temporary:
            fig.savefig(
                temporary,
                dpi=saving_dpi,
                bbox_inches=box,
                pad_inches=PAD_INCHES,
                format=suffix,
                **extra,
            )


def content_box(fig: Figure, dpi: float) -> Bbox:
    """The part of ``fig``'s page a PNG at ``dpi`` shows: its drawn content and a margin of
    :data:`PAD_INCHES`, in inches, as ``bbox_inches="tight"`` finds it, but measured without
    drawing the figure (matplotlib draws it once to measure and again to save: a third of
    ``compare -o``'s time). A layout engine places the axes first and is then set aside, so
    the save that follows draws once and does not place them again."""
    fig.set_dpi(dpi)
    engine = fig.get_layout_engine()
    renderer = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]
    if engine is not None:
        engine.execute(fig)
        # None, not "none": "none" leaves a placeholder engine, and savefig draws a figure
        # with any engine once before saving it (None defers to these two settings)
        with rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)
    return fig.get_tightbbox(renderer).padded(PAD_INCHES)


class OpaqueCanvas(FigureCanvasAgg):
    """An Agg canvas that writes an opaque figure's PNG without the alpha channel: the same
    pixels, in three bytes each instead of four, encoded faster (VGG16's trace in 103 ms
    instead of 130, compare's in 43 instead of 49, grad's in 38 instead of 45) into a file
    a tenth smaller (VGG16's 414 -> 363 kB); otherwise the PNG
    matplotlib writes (its ``Software`` text, its dpi). A figure is opaque when its page is,
    as it is drawn (every theme's is; savefig's ``transparent`` is not): all else is drawn
    over it. A page that is not opaque is written as matplotlib writes it."""

    def print_png(
        self,
        filename_or_obj: Any,
        *,
        metadata: dict[str, str | None] | None = None,
        pil_kwargs: dict[str, Any] | None = None,
        **ignored: Any,  # savefig's dpi, colours and orientation, already applied
    ) -> None:
        page = self.figure.patch
        if not (page.get_visible() and to_rgba(page.get_facecolor())[3] == 1):
            super().print_png(  # type: ignore[no-untyped-call]
                filename_or_obj, metadata=metadata, pil_kwargs=pil_kwargs
            )
            return
        FigureCanvasAgg.draw(self)  # type: ignore[no-untyped-call]
        rgba = self.buffer_rgba()  # type: ignore[no-untyped-call]
        size = (rgba.shape[1], rgba.shape[0])
        # Pillow keeps an RGB pixel in four bytes: dropping alpha is a copy, not a repacking
        image = Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1).convert("RGB")
        # savefig's PNG keywords as matplotlib reads them (matplotlib.image.imsave): a
        # metadata value of None leaves its key out; pil_kwargs may set the dpi, or replace
        # the metadata with a pnginfo of its own
        kwargs = {"format": "png", "dpi": (self.figure.dpi,) * 2, **(pil_kwargs or {})}
        if "pnginfo" not in kwargs:
            info = PngInfo()
            software = f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/"
            for key, value in {"Software": software, **(metadata or {})}.items():
                if value is not None:
                    info.add_text(key, value)
            kwargs["pnginfo"] = info
        image.save(filename_or_obj, **kwargs)


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
