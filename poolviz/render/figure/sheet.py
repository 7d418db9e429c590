"""A panel of a hand-placed page drawn on the figure itself, without an Axes.

A page placed by hand (:mod:`poolviz.render.figure.layout`) knows each panel's box before
drawing, and its grids hide every axis: an Axes there only maps cells to the page, yet
making one made a dozen tick artists it never drew (4 ms an Axes; grad's figure had seven,
compare's eleven), and measuring it for the saved box walked them again. A :class:`Sheet`
is that mapping and the artists drawn through it, nothing more.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from weakref import WeakKeyDictionary

import matplotlib as mpl
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import (
    Bbox,
    BboxTransformFrom,
    BboxTransformTo,
    ScaledTranslation,
    TransformedBbox,
)

LAYOUTS_KEPT = 4096
"""Most text layouts :class:`SheetText` keeps for one renderer (a grad figure lays out about
40)."""

_LAYOUTS: WeakKeyDictionary[RendererBase, OrderedDict[tuple[object, ...], Any]] = (
    WeakKeyDictionary()
)
"""Text layouts by renderer, then by what decides them (:meth:`SheetText._layout_key`),
oldest first: one renderer measures as it draws (a PDF's and an SVG's measure alike words
differently), and with it go its layouts."""


class SheetText(Text):
    """A text whose layout (its box and its lines' places, from its position) is worked out
    once for every text alike on one renderer: a grid repeats its numbers and indices (grad's
    60 cells show four numbers), and matplotlib lays a text out in Python each time it is
    measured or drawn, a third of the time drawing a grid's texts took."""

    def _layout_key(self) -> tuple[object, ...]:
        """What a layout depends on, the renderer aside: the words, font, alignment,
        rotation and spacing, the figure's dpi and the settings its metrics follow."""
        settings = tuple(
            mpl.rcParams[k] for k in ("text.hinting", "text.hinting_factor", "text.kerning_factor")
        )
        return (
            self.get_text(),
            hash(self.get_fontproperties()),
            self.get_horizontalalignment(),
            self.get_verticalalignment(),
            getattr(self, "_multialignment", None),
            self.get_rotation(),
            self.get_rotation_mode(),
            getattr(self, "_linespacing", None),
            self.get_parse_math(),
            self.get_usetex(),
            self.figure.dpi if self.figure is not None else None,  # matplotlib measures at it
            settings,
        )

    def _get_layout(self, renderer: RendererBase) -> Any:
        if self.get_wrap():  # wrapped to the figure's width: laid out as matplotlib does
            return super()._get_layout(renderer)  # type: ignore[misc]
        seen = _LAYOUTS.setdefault(renderer, OrderedDict())
        key = self._layout_key()
        layout = seen.get(key)
        if layout is None:
            layout = seen[key] = super()._get_layout(renderer)  # type: ignore[misc]
            if len(seen) > LAYOUTS_KEPT:
                seen.popitem(last=False)
        return layout


class Sheet(Artist):
    """A box of ``figure`` (left, bottom, width, height in figure fractions) with a view of
    data coordinates onto it (:meth:`set_xlim`, :meth:`set_ylim`, as an Axes' limits: a
    grid's cells run down from its top-left corner), and the artists drawn through it.

    Its parts keep the names an Axes gives them (``transData``, ``transAxes``, ``bbox``,
    ``texts``, ``patches``, ``collections``, ``title``), so drawing code and tests read a
    sheet and an Axes alike. Patches and collections are clipped to the box, texts are not
    (as ``Axes.text`` leaves them); the saved box (:meth:`get_tightbbox`) is the box and
    everything drawn unclipped in the layout (the title, the texts, a colour bar's frame and
    ticks): what is clipped lies within the box."""

    def __init__(self, figure: Figure, box: tuple[float, float, float, float]) -> None:
        super().__init__()
        self._view = Bbox([[0.0, 0.0], [1.0, 1.0]])
        self._box = Bbox.from_bounds(*box)
        page = TransformedBbox(self._box, figure.transSubfigure)
        self.transAxes = BboxTransformTo(page)
        self.transData = BboxTransformFrom(self._view) + self.transAxes
        self.bbox = TransformedBbox(Bbox.unit(), self.transAxes)
        self.texts: list[Text] = []
        self.patches: list[Patch] = []
        self.collections: list[Collection] = []
        self._children: list[Artist] = []
        self.title = SheetText(0.5, 1.0, "", ha="center", va="baseline", clip_on=False)
        self.title_pad = 0.0
        """Points between the box's top and the title's baseline."""
        figure.add_artist(self)
        self._adopt(self.title)
        self.set_title_pad(0.0)

    def _adopt(self, artist: Artist) -> None:
        figure = self.figure  # not get_figure(), new in matplotlib 3.10
        assert figure is not None
        artist.set_figure(figure)

    def get_position(self) -> Bbox:
        """The box in figure fractions."""
        return self._box.frozen()

    def set_xlim(self, left: float, right: float) -> None:
        """The data x at the box's left and right edges."""
        self._view.intervalx = left, right

    def set_ylim(self, bottom: float, top: float) -> None:
        """The data y at the box's bottom and top edges (a grid's rows count down: h, 0)."""
        self._view.intervaly = bottom, top

    def get_xlim(self) -> tuple[float, float]:
        return float(self._view.x0), float(self._view.x1)

    def get_ylim(self) -> tuple[float, float]:
        return float(self._view.y0), float(self._view.y1)

    def text(self, x: float, y: float, s: str, **kwargs: Any) -> Text:
        """A text at (``x``, ``y``) in data coordinates (unless given a ``transform``),
        unclipped."""
        text = SheetText(x, y, s, **{"transform": self.transData, "clip_on": False, **kwargs})
        self._adopt(text)
        self.texts.append(text)
        self._children.append(text)
        return text

    def add_artist(self, artist: Artist, clip: bool = True) -> Artist:
        """``artist`` (a patch, or another artist) in data coordinates unless it has its
        own transform; clipped to the box, unless ``clip`` is False (an axis's lines)."""
        self._adopt(artist)
        if not artist.is_transform_set():
            artist.set_transform(self.transData)
        if clip:
            artist.set_clip_box(self.bbox)
        else:
            artist.set_clip_on(False)
        if isinstance(artist, Patch):
            self.patches.append(artist)
        self._children.append(artist)
        return artist

    def add_collection(self, collection: Collection, autolim: bool = False) -> Collection:
        """``collection`` in data coordinates, clipped to the box (``autolim`` is for an
        Axes' signature: a sheet's limits are only ever set)."""
        self.add_artist(collection)
        self.collections.append(collection)
        return collection

    def set_title(self, label: str, *, fontsize: float, pad: float, y: float = 1.0) -> Text:
        """The title centred ``pad`` points above the height ``y`` of the box (a fraction of
        it), on its baseline, as ``Axes.set_title`` places it."""
        self.title.set_text(label)
        self.title.set_fontsize(fontsize)
        self.title.set_y(y)
        self.set_title_pad(pad)
        return self.title

    def get_title(self) -> str:
        return self.title.get_text()

    def set_title_pad(self, pad: float) -> None:
        """Put the title ``pad`` points above its place (:meth:`set_title`)."""
        self.title_pad = pad
        figure = self.figure
        assert figure is not None
        lift = ScaledTranslation(0, pad / 72, figure.dpi_scale_trans)
        self.title.set_transform(self.transAxes + lift)

    def get_children(self) -> list[Artist]:
        return [*self._children, self.title]

    @allow_rasterization  # type: ignore[untyped-decorator]
    def draw(self, renderer: RendererBase) -> None:
        """Its artists in order of zorder, then of adding (as an Axes draws them)."""
        if not self.get_visible():
            return
        for artist in sorted(self.get_children(), key=lambda a: a.get_zorder()):
            artist.draw(renderer)
        self.stale = False

    def get_window_extent(self, renderer: RendererBase | None = None) -> Bbox:
        return Bbox(self.bbox.get_points())

    def get_tightbbox(self, renderer: RendererBase | None = None) -> Bbox:
        """The box and everything drawn unclipped in the layout (its title, its texts, a
        colour bar's frame and ticks), in pixels."""
        boxes = [self.get_window_extent()]
        for artist in self.get_children():
            if artist.get_visible() and artist.get_in_layout() and not artist.get_clip_on():
                if not isinstance(artist, Text) or artist.get_text():
                    boxes.append(artist.get_window_extent(renderer))
        return Bbox.union(boxes)


Surface = Axes | Sheet
"""Where a grid is drawn: an Axes (a figure laid out by matplotlib, or a picture's panel)
or a sheet of a hand-placed page."""
