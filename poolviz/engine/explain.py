"""A pooling run with everything a picture of it needs: the result object every renderer draws.

:func:`explain` runs the engine once and keeps the input, output, indices and the window
geometry; the per-window facts (which cells, which winner, which divisor) are read off that
geometry, never recomputed by a renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Unpack

import numpy as np

from poolviz.engine.geometry import Axis, IntPair, PaddingArg, PoolOptions, PoolSpec
from poolviz.engine.pooling import avg_pool_nhwc, max_pool_nhwc, prepare
from poolviz.engine.windows import like_input
from poolviz.errors import PoolvizError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_WINDOW_CELLS = 2**20
"""The most cells :meth:`PoolResult.window` lays out for one window (1024x1024, 9 MB with
its padding mask): pooling itself takes any window PyTorch does, but a ``-k 100000`` window
laid out cell by cell would need 90 GB."""


@dataclass(frozen=True)
class Window:
    """One window of one (item, channel) plane, and what it produced."""

    out: tuple[int, int]
    """Output position (i, j)."""
    rows: tuple[int, ...]
    """Input rows its taps read, padding included (outside ``[0, H)``)."""
    cols: tuple[int, ...]
    """Input columns its taps read, padding included."""
    cells: np.ndarray
    """The tapped values, len(rows) x len(cols), as float; NaN at padding taps."""
    padded: np.ndarray
    """Boolean mask over ``cells``: True where the tap is padding."""
    value: float
    """The output value."""
    argmax: tuple[int, int] | None
    """The winning input cell (r, c) for max pooling; None for average or an empty window."""
    divisor: int | None
    """The divisor of an average window; None for max."""


class Display(Protocol):
    """How a :class:`PoolResult` draws itself: the render side registers one
    (:func:`poolviz.render.display.install_display`, run by ``import poolviz``), so the engine
    never imports a renderer."""

    def figure(self, result: PoolResult, item: int, channel: int | None) -> Figure:
        """A matplotlib Figure of ``result``."""
        ...

    def report(self, result: PoolResult) -> Any:
        """A rich renderable of ``result``: the terminal report."""
        ...

    def png(self, result: PoolResult) -> bytes:
        """``result``'s figure as PNG bytes (Jupyter's rich display)."""
        ...


@dataclass(frozen=True)
class PoolResult:
    """A pooling run: the input as given, its output and indices, and the window geometry."""

    input: np.ndarray
    """The input as NHWC (a view of what was passed)."""
    output: np.ndarray
    """The pooled NHWC output."""
    indices: np.ndarray | None
    """Flat ``h * W + w`` argmax per output cell (max pooling), as PyTorch; -1 for a window
    over padding alone."""
    spec: PoolSpec
    rows: Axis
    """The windows along the height."""
    cols: Axis
    """The windows along the width."""
    input_ndim: int
    """Rank of the array the user passed (2, 3 or 4), for results in the same layout."""
    display: ClassVar[Display | None] = None
    """How results draw themselves (:class:`Display`); set by the render side."""

    @property
    def mode(self) -> str:
        return self.spec.mode

    @property
    def window_count(self) -> int:
        """Windows per (item, channel) plane."""
        return self.rows.out * self.cols.out

    @property
    def formula(self) -> dict[str, str]:
        """The output size worked out for height and width."""
        return {
            "h": self.rows.formula("out_h", ("top", "bottom")),
            "w": self.cols.formula("out_w", ("left", "right")),
        }

    @property
    def padding_resolved(self) -> tuple[int, int, int, int]:
        """Padding as (top, bottom, left, right) cells."""
        return (
            self.rows.pad_before,
            self.rows.pad_after,
            self.cols.pad_before,
            self.cols.pad_after,
        )

    @cached_property
    def coverage(self) -> np.ndarray:
        """(H, W) int array: how many windows read each input cell; 0 = dropped."""
        return np.outer(self.rows.reads(), self.cols.reads())

    @cached_property
    def divisors(self) -> np.ndarray | None:
        """(oh, ow) divisors of average pooling, None for max."""
        if self.mode != "avg":
            return None
        return self.spec.divisors(self.rows, self.cols)

    @property
    def kept_fraction(self) -> float:
        """Output values per input value (per plane)."""
        return self.window_count / (self.rows.n * self.cols.n)

    def argmax(self, i: int, j: int, item: int = 0, channel: int = 0) -> tuple[int, int] | None:
        """The input cell (r, c) that won output (i, j), or None (average, empty window)."""
        if self.indices is None:
            return None
        flat = int(self.indices[item, i, j, channel])
        return None if flat < 0 else divmod(flat, self.cols.n)

    def window(self, i: int, j: int, item: int = 0, channel: int = 0) -> Window:
        """Output cell (i, j) of one plane, with the cells it read; a window of more than
        :data:`MAX_WINDOW_CELLS` cells is refused (PoolvizError)."""
        if not (0 <= i < self.rows.out and 0 <= j < self.cols.out):
            raise PoolvizError(
                f"output cell {i},{j} is outside the {self.rows.out}x{self.cols.out} output; "
                f"use rows 0-{self.rows.out - 1} and columns 0-{self.cols.out - 1}"
            )
        rows, cols = self.rows.taps(i), self.cols.taps(j)
        if len(rows) * len(cols) > MAX_WINDOW_CELLS:
            raise PoolvizError(
                f"a {len(rows)}x{len(cols)} window has {len(rows) * len(cols):,} cells, too "
                f"many to show one by one (at most {MAX_WINDOW_CELLS:,}); use a smaller --size"
            )
        plane = self.input[item, :, :, channel]
        r_ok = np.array([0 <= r < self.rows.n for r in rows])
        c_ok = np.array([0 <= c < self.cols.n for c in cols])
        padded = ~(r_ok[:, None] & c_ok[None, :])
        cells = np.full((len(rows), len(cols)), np.nan)
        safe_r = np.clip(rows, 0, self.rows.n - 1)
        safe_c = np.clip(cols, 0, self.cols.n - 1)
        cells[~padded] = plane[np.ix_(safe_r, safe_c)][~padded]
        divisors = self.divisors
        return Window(
            out=(i, j),
            rows=tuple(rows),
            cols=tuple(cols),
            cells=cells,
            padded=padded,
            value=float(self.output[item, i, j, channel]),
            argmax=self.argmax(i, j, item, channel),
            divisor=None if divisors is None else int(divisors[i, j]),
        )

    def windows(self, item: int = 0, channel: int = 0, limit: int | None = None) -> list[Window]:
        """The first ``limit`` windows (all if None) of one plane, in row-major order."""
        count = self.window_count if limit is None else min(limit, self.window_count)
        return [self.window(*divmod(k, self.cols.out), item, channel) for k in range(count)]

    def output_like_input(self) -> np.ndarray:
        """The output in the layout the user passed."""
        return like_input(self.output, self.input_ndim)

    def indices_like_input(self) -> np.ndarray | None:
        """The indices in the layout the user passed."""
        return None if self.indices is None else like_input(self.indices, self.input_ndim)

    def figure(self, item: int = 0, channel: int | None = None) -> Figure:
        """A matplotlib Figure of this run (matplotlib is imported only here); large RGB
        inputs are drawn in colour unless a ``channel`` is asked for."""
        return self._display().figure(self, item, channel)

    def __rich__(self) -> Any:
        return self._display().report(self)

    def _repr_png_(self) -> bytes:
        return self._display().png(self)

    def _display(self) -> Display:
        """The registered :class:`Display`; ``import poolviz`` registers it."""
        if PoolResult.display is None:
            raise PoolvizError("no renderer is registered to draw a result; import poolviz first")
        return PoolResult.display


def explain(
    x: np.ndarray,
    size: IntPair,
    stride: IntPair | None = None,
    padding: PaddingArg = 0,
    **options: Unpack[PoolOptions],
) -> PoolResult:
    """Pool ``x`` as :func:`pool2d` does (the same arguments) and keep everything needed to
    show how.

    >>> r = explain(np.array([[1, 3, 2, 1], [5, 6, 8, 4], [2, 4, 7, 3], [1, 0, 3, 2]]), 2)
    >>> r.output_like_input().tolist(), r.window(0, 1).argmax
    ([[6, 8], [4, 7]], (1, 2))
    """
    x4, spec, rows, cols = prepare(x, size, stride, padding, options)
    if spec.mode == "max":
        output, indices = max_pool_nhwc(x4, rows, cols, return_indices=True)
    else:
        output = avg_pool_nhwc(x4, rows, cols, spec.count_include_pad, spec.divisor_override)
        indices = None
    return PoolResult(x4, output, indices, spec, rows, cols, np.ndim(x))
