"""A figure whose words are drawn as a layout measured them with
:func:`~poolviz.render.figure.text_width.text_inches`: unhinted, and each distinct line laid
out and rendered once, whole (the trace figure's, which places hundreds of words)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from matplotlib import rc_context
from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.backends import backend_agg
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.transforms import Bbox

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

UNHINTED: dict[RcKeyType, Any] = {"text.hinting": "no_hinting"}
"""The setting under which :class:`UnhintedFigure` draws and measures."""


class Line(NamedTuple):
    """One line of text as FreeType lays it out and renders it, in pixels."""

    width: float
    height: float
    descent: float
    """Its extent, as ``RendererAgg.get_text_width_height_descent`` gives it."""
    image: np.ndarray
    """Its glyphs' coverage, one byte a pixel."""
    left: float
    top: float
    """Where the image lies from the line's origin, as FreeType offsets it."""


class Lines:
    """The lines of text a figure draws with Agg, each distinct one laid out and rendered
    once, whole, by FreeType, with RendererAgg's own font and blitting as its ``draw_text``
    used them up to matplotlib 3.10. 3.11 draws a line glyph by glyph from Python after
    laying it out again; VGG16's trace (172 lines, 88 distinct, 1,868 glyphs) drew in 175 ms
    that way, in 75 this way, its words within a pixel of where 3.11 puts them. A text's
    font features and language (3.11's shaping options) are not applied: these figures set
    none."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, int, float, object], Line] = {}
        """By text, font (its hash, which is what makes two fonts equal), dpi and hinting."""

    @contextmanager
    def serving(self, renderer: RendererBase | None) -> Iterator[None]:
        """Meanwhile ``renderer``, if an Agg one that draws, measures and draws lines by
        :meth:`line`; any other is left alone (one whose drawing is switched off, as
        ``draw_without_rendering`` does, has its own ``draw_text`` already), and so is one
        without the parts of RendererAgg this uses (:func:`agg_parts`): a later matplotlib
        that renames them draws its own way, hinted and slower, but draws."""
        if (
            not isinstance(renderer, RendererAgg)
            or "draw_text" in vars(renderer)
            or not agg_parts(renderer)
        ):
            yield
            return
        # on this renderer alone, for this while: the canvas makes its renderer itself
        renderer.get_text_width_height_descent = partial(self.measure, renderer)  # type: ignore[method-assign]
        renderer.draw_text = partial(self.draw, renderer)  # type: ignore[method-assign]
        try:
            yield
        finally:
            del renderer.get_text_width_height_descent, renderer.draw_text

    def line(self, renderer: RendererAgg, text: str, prop: FontProperties) -> Line:
        """``text`` laid out and rendered in ``prop`` at ``renderer``'s dpi, once."""
        flags = backend_agg.get_hinting_flag()  # type: ignore[no-untyped-call]
        key = (text, hash(prop), renderer.dpi, flags)
        line = self.seen.get(key)
        if line is None:
            font = renderer._prepare_font(prop)  # type: ignore[no-untyped-call]
            font.set_text(text, 0.0, flags=flags)
            width, height = font.get_width_height()
            font.draw_glyphs_to_bitmap(antialiased=True)
            left, top = font.get_bitmap_offset()
            line = Line(
                width / 64,
                height / 64,
                font.get_descent() / 64,
                np.array(font.get_image()),  # a copy: before 3.10 a view of the font's buffer
                left / 64,
                top / 64,
            )
            self.seen[key] = line
        return line

    def measure(
        self, renderer: RendererAgg, text: str, prop: FontProperties, ismath: bool | str
    ) -> tuple[float, float, float]:
        """``RendererAgg.get_text_width_height_descent``, by :meth:`line` for plain text."""
        if ismath:
            return RendererAgg.get_text_width_height_descent(  # type: ignore[no-untyped-call,no-any-return]
                renderer, text, prop, ismath
            )
        line = self.line(renderer, text, prop)
        return line.width, line.height, line.descent

    def draw(
        self,
        renderer: RendererAgg,
        gc: GraphicsContextBase,
        x: float,
        y: float,
        text: str,
        prop: FontProperties,
        angle: float,
        ismath: bool | str = False,
        mtext: Text | None = None,
    ) -> None:
        """``RendererAgg.draw_text``, by :meth:`line` for plain, level, antialiased text."""
        if ismath or angle or not gc.get_antialiased():
            RendererAgg.draw_text(  # type: ignore[no-untyped-call]
                renderer, gc, x, y, text, prop, angle, ismath, mtext
            )
            return
        line = self.line(renderer, text, prop)
        # the image's foot, y downwards, in whole pixels: where matplotlib 3.10 put it
        foot = round(y + line.top + line.descent) + 1
        renderer._renderer.draw_text_image(line.image, round(x + line.left), foot, 0, gc)


def agg_parts(renderer: RendererAgg) -> bool:
    """Whether ``renderer`` has the parts of matplotlib's Agg renderer that :class:`Lines`
    uses, which are not public: its font for a text (``_prepare_font``), its C++
    renderer's ``draw_text_image`` and the module's ``get_hinting_flag`` (matplotlib 3.7 to
    3.11 have them all)."""
    inner = getattr(renderer, "_renderer", None)
    return (
        hasattr(renderer, "_prepare_font")
        and hasattr(inner, "draw_text_image")
        and hasattr(backend_agg, "get_hinting_flag")
    )


class UnhintedFigure(Figure):
    """A figure whose words are drawn and measured unhinted: FreeType's outlines as they
    are, not fitted to the pixel grid, so they are as wide as
    :func:`~poolviz.render.figure.text_width.text_inches` measured them for the layout
    (hinted, VGG16's shapes were drawn 8 pixels wider at 150 dpi, its caption 15), and in
    less time (VGG16's 1,900 characters: 60 ms less, a quarter); each line once, whole
    (:class:`Lines`), whether measured to find the page or drawn."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lines = Lines()

    def draw(self, renderer: RendererBase) -> None:
        with rc_context(UNHINTED), self._lines.serving(renderer):
            super().draw(renderer)

    def get_tightbbox(
        self, renderer: RendererBase | None = None, *, bbox_extra_artists: Any = None
    ) -> Bbox:
        with rc_context(UNHINTED), self._lines.serving(renderer):
            return super().get_tightbbox(renderer, bbox_extra_artists=bbox_extra_artists)
