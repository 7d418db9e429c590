"""Colours, number formats and glyphs that the terminal and figure renderers share."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from poolviz.render.order import Order, ordered

if TYPE_CHECKING:  # annotations only: trace's report needs no pooling engine
    from poolviz.engine.explain import PoolResult

OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
)
"""Window colours: Okabe and Ito's palette, told apart by colour-blind readers too."""

PADDING_COLOUR = "#BBBBBB"
DROPPED_COLOUR = "#777777"
SHARED_COLOUR = "#D9D9D9"
"""Background of an input cell several windows read, where a cell shows one colour (the
terminal): no one window's colour is its own."""
WINNER_COLOUR = "#000000"


def window_colour(k: int) -> str:
    """The colour of window number ``k`` (row-major), cycling through the palette."""
    return OKABE_ITO[k % len(OKABE_ITO)]


def window_colour_at(i: int, j: int, ow: int) -> str:
    """Colour of output cell (i, j): neighbours along a row and a column always differ, since
    the row stride through the palette is made odd relative to its length."""
    return window_colour(i * (ow if ow % len(OKABE_ITO) else ow + 1) + j)


def text_colour_on(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (relative luminance)."""
    r, g, b = (int(background[k : k + 2], 16) / 255 for k in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if luminance > 0.4 else "#FFFFFF"


MOST_PLACES = 10
"""Most decimal places :func:`decimals_for` gives: values all below 1e-9 are written with 3,
as 0.000, rather than as ten zeros."""


def decimals_for(values: np.ndarray) -> int:
    """Decimal places that show ``values`` well together: 0 when all are whole numbers, 2
    when the largest magnitude is 1 or more, 3 down to 0.01, and below that as many as give
    the largest two significant digits (a gradient of 1e-5 is 0.000010, not 0.000)."""
    finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
    if finite.size == 0 or np.all(np.equal(np.mod(finite, 1), 0)):
        return 0
    largest = float(np.abs(finite).max())
    if largest >= 1:
        return 2
    if largest >= 0.01:
        return 3
    places = 1 - math.floor(math.log10(largest))
    return places if places <= MOST_PLACES else 3


LARGEST_FIXED = 1e15
"""Magnitudes from here on are written in scientific notation (``1.798e+308``), four
significant digits: past 2**53 a float64 no longer holds every whole number, and written out
in full the largest would be 309 digits wide."""


def format_number(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` places; NaN and infinities as ``nan``, ``inf``, ``-inf``;
    magnitudes of :data:`LARGEST_FIXED` and more in scientific notation."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if abs(value) >= LARGEST_FIXED:
        return f"{value:.4g}"
    text = f"{value:.{decimals}f}"
    return "0" if decimals and text.startswith("-") and not text.strip("-0.") else text


def weights_text(weights: np.ndarray, limit: int = 16) -> str:
    """A (kh, kw) kernel row by row (``0.25 0.25 / 0.25 0.25``), three significant digits;
    past ``limit`` weights only the first rows up to it, and how many there are."""
    kh, kw = weights.shape
    rows = min(kh, max(1, -(-limit // kw)))
    text = " / ".join(" ".join(f"{float(v):.3g}" for v in row[:limit]) for row in weights[:rows])
    return text if kh * kw <= limit else f"{text} … ({kh * kw:,} weights)"


def total(values: np.ndarray) -> float:
    """The sum of ``values`` as IEEE arithmetic gives it, without a warning: past the largest
    float it is infinite, and infinities of both signs give NaN."""
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sum(values))


def format_values(values: np.ndarray, decimals: int | None = None) -> list[str]:
    """Every value of ``values`` (flattened, row-major), formatted alike: with ``decimals``
    places, or as many as show them well together (:func:`decimals_for`)."""
    d = decimals_for(values) if decimals is None else decimals
    return [format_number(float(v), d) for v in values.ravel()]


def output_decimals(mode: str, inputs: np.ndarray, outputs: np.ndarray) -> int:
    """Decimal places of one plane's outputs, formatted alike: a max's outputs are input
    values, written as the input grid writes them (``0.40`` beside an input's ``-1.50``, not
    ``0.400``); an average's as they show best (a mean may need places its input does not)."""
    return decimals_for(inputs if mode == "max" else outputs)


ASCII = {
    "·": "*",
    "−": "-",
    "∞": "inf",
    "×": "x",
    "→": "->",
    "…": "...",
    "≥": ">=",
    "≤": "<=",
    "█": "#",
    "▀": "#",
    "▄": "#",
    "│": "|",
    "─": "-",
    "┼": "+",
    "░": ".",
    "✓": "ok",
}


def to_ascii(text: str) -> str:
    """``text`` with every non-ASCII glyph poolviz uses replaced by a plain spelling."""
    for glyph, plain in ASCII.items():
        text = text.replace(glyph, plain)
    return text


def outline_colour(colour: str) -> str:
    """``colour`` darkened where it is too light to see as a line on a pale fill."""
    if text_colour_on(colour) == "#FFFFFF":
        return colour
    r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
    luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
    if luminance < 0.6:
        return colour
    return "#{:02x}{:02x}{:02x}".format(*(round(v * 0.72) for v in (r, g, b)))


def pale(colour: str, amount: float = 0.55) -> str:
    """``colour`` mixed with white: a fill light enough for black numbers on top."""
    r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
    mix = [round(v + (255 - v) * amount) for v in (r, g, b)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def layer_name(result: PoolResult) -> str:
    """``MaxPool2D``, ``AvgPool2D``, ``AdaptiveMaxPool2D``, ``AdaptiveAvgPool2D`` or
    ``FractionalMaxPool2D``."""
    kind = {"uniform": "", "adaptive": "Adaptive", "fractional": "Fractional"}[result.kind]
    return kind + ("MaxPool2D" if result.mode == "max" else "AvgPool2D")


def config_line(result: PoolResult, padding: str | None = None) -> str:
    """The configuration in one line, sizes height first; ``padding`` as the user wrote it
    (``valid``, which the spec keeps as its numbers), else the spec's."""
    s = result.spec
    rows, cols = result.rows, result.cols
    if result.kind == "adaptive":
        longest = f"{s.size[0]}x{s.size[1]}"
        return f"{layer_name(result)}  output {rows.out}x{cols.out} · bins up to {longest}"
    if result.kind == "fractional":
        return (
            f"{layer_name(result)}  size {s.size[0]}x{s.size[1]} · output {rows.out}x{cols.out}"
            f" · u = {cols.sample or 0:.4f} (w), {rows.sample or 0:.4f} (h)"
        )
    parts = [
        f"size {s.size[0]}x{s.size[1]}",
        f"stride {s.stride[0]}x{s.stride[1]}",
        f"padding {s.padding_label if padding is None else padding}",
    ]
    if s.dilation != (1, 1):
        parts.append(f"dilation {s.dilation[0]}x{s.dilation[1]}")
    if s.ceil_mode:
        parts.append("ceil mode")
    if s.mode == "avg" and s.padding != (0, 0):
        parts.append(
            "padding counts" if s.count_include_pad and not s.same else "padding not counted"
        )
    return f"{layer_name(result)}  " + " · ".join(parts)


def shape_text(shape: tuple[int, ...], order: Order = "nhwc") -> str:
    """An NHWC shape as Keras prints it, ``(1, 4, 4, 1)``, or in PyTorch's order."""
    return "(" + ", ".join(str(v) for v in ordered(shape, order)) + ")"


def count(n: int) -> str:
    """An exact count with thousands separators: ``18,496``."""
    return f"{n:,}"


def si(n: float) -> str:
    """``n`` with three significant digits and a k/M/G/T suffix: ``2.24M``, ``16.0k``;
    below 1000 exactly."""
    for suffix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        x = n / scale
        if abs(x) >= 0.9995:
            if round(abs(x), 2) >= 999.5 and suffix != "T":
                continue
            digits = 2 if abs(x) < 9.995 else 1 if abs(x) < 99.95 else 0
            return f"{x:.{digits}f}{suffix}"
    return f"{n:,.0f}"


def percent(fraction: float) -> str:
    """``0.25`` as ``25%``, ``0.2066`` as ``20.7%``."""
    return f"{100 * fraction:.3g}%"


def percent_fixed(fraction: float, decimals: int = 1) -> str:
    """``0.25`` as ``25.0%``: a fixed number of ``decimals``, so that columns line up."""
    return f"{100 * fraction:.{decimals}f}%"


def ratio(r: float) -> str:
    """A ratio to the original: ``11.1x``, ``4.55x``, ``0.30x``."""
    if r >= 100:
        return f"{r:,.0f}x"
    return f"{r:.1f}x" if r >= 10 else f"{r:.2f}x"


def feature_text(shape: tuple[int, ...]) -> str:
    """A per-sample shape without the batch: ``26x26x32``, ``1600``."""
    return "x".join(map(str, shape))
