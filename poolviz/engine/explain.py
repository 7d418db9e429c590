"""A pooling run with everything a picture of it needs: the result object every renderer draws.

:func:`explain` runs the engine once and keeps the input, output, indices and the window
geometry; the per-window facts (which cells, which winner, which divisor) are read off that
geometry, never recomputed by a renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Unpack

import numpy as np

from poolviz.engine.backward import pool2d_backward
from poolviz.engine.display import Display, registered
from poolviz.engine.geometry import Axis, IntPair, PaddingArg, PoolOptions, PoolSpec, as_pair
from poolviz.engine.pooling import avg_pool_nhwc, max_pool_nhwc, prepare
from poolviz.engine.windows import as_nhwc, like_input
from poolviz.errors import PoolvizError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    # the uneven kinds are imported where they run: a uniform result need not load them
    from poolviz.engine.uneven import OutputSize

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


@dataclass(frozen=True)
class PoolResult:
    """A pooling run: the input as given, its output and indices, and the window geometry.

    Uniform, adaptive and fractional pooling are all read the same way: each axis lists its
    windows (:class:`Axis`, whose ``windows`` hold the uneven kinds' :class:`Span` s), and
    every renderer draws from those; ``kind`` and the fields below say which rule placed
    them and with which numbers."""

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
    samples: np.ndarray | None = None
    """Fractional max pooling's samples, (N, C, 2): width's then height's ``u`` per plane, in
    the input's floating type (PyTorch's ``_random_samples``); every plane has the same pair
    here, so ``rows`` and ``cols`` are every plane's windows. None for the other kinds."""
    output_ratio: tuple[float, float] | None = None
    """Fractional max pooling's ``output_ratio`` (h, w) when the size came from it:
    ``out = int(n * ratio)``; None otherwise."""

    @property
    def mode(self) -> str:
        """``'max'`` or ``'avg'``: what each window computes (fractional pooling is max)."""
        return self.spec.mode

    @property
    def kind(self) -> str:
        """``'uniform'``, ``'adaptive'`` or ``'fractional'``: which rule placed the windows."""
        return self.rows.kind

    @property
    def mode_name(self) -> str:
        """The pooling as ``poolviz pool --mode`` names it: ``max``, ``avg``,
        ``adaptive-max``, ``adaptive-avg`` or ``fractional``."""
        if self.kind == "uniform":
            return self.mode
        return "fractional" if self.kind == "fractional" else f"adaptive-{self.mode}"

    def backward(self, grad_output: np.ndarray, mode: str | None = None) -> np.ndarray:
        """The gradient reaching the input (NHWC float64) for the NHWC ``grad_output``, as
        PyTorch's autograd gives it for this kind; ``mode`` (``'max'`` or ``'avg'``) asks for
        the other computation over the same windows (not for fractional pooling, max only)."""
        mode = mode or self.mode
        g = np.asarray(grad_output, dtype=np.float64)
        x = self.input.astype(np.float64, copy=False)
        if self.kind == "adaptive":
            from poolviz.engine.uneven import adaptive_pool2d_backward

            return adaptive_pool2d_backward(x, g, (self.rows.out, self.cols.out), mode)
        if self.kind == "fractional":
            if mode != "max":
                raise PoolvizError("fractional pooling takes the max only; use mode 'max'")
            from poolviz.engine.uneven import fractional_max_pool2d_backward

            samples = None if self.samples is None else self.samples.astype(np.float64)
            return fractional_max_pool2d_backward(
                x, g, self.spec.size, (self.rows.out, self.cols.out), samples=samples
            )
        spec = self.spec
        return pool2d_backward(
            x,
            g,
            spec.size,
            spec.stride,
            spec.padding,
            mode=mode,
            dilation=spec.dilation,
            ceil_mode=spec.ceil_mode,
            count_include_pad=spec.count_include_pad,
        )

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
        """The registered :class:`~poolviz.engine.display.Display` (``import poolviz``
        registers it)."""
        return registered()


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


def explain_adaptive(x: np.ndarray, output_size: OutputSize, mode: str = "max") -> PoolResult:
    """Adaptive pooling of ``x`` to ``output_size`` (:func:`adaptive_pool2d`, PyTorch's
    ``F.adaptive_max_pool2d`` / ``F.adaptive_avg_pool2d``), kept for showing: the axes list
    each bin. The result's ``spec`` holds the mode and the longest bin as its size.

    >>> r = explain_adaptive(np.arange(25.0).reshape(5, 5), 3)
    >>> [r.rows.taps(i) for i in range(3)], r.output_like_input()[0].tolist()
    ([[0, 1], [1, 2, 3], [3, 4]], [6.0, 8.0, 9.0])
    """
    from poolviz.engine.uneven import adaptive_axis, adaptive_pool2d

    x4 = as_nhwc(x, empty_channels=mode == "avg")
    if mode == "max":
        output, indices = adaptive_pool2d(x4, output_size, "max", return_indices=True)
    else:
        output, indices = adaptive_pool2d(x4, output_size, mode), None
    rows = adaptive_axis(x4.shape[1], output.shape[1])
    cols = adaptive_axis(x4.shape[2], output.shape[2])
    spec = PoolSpec.make((max(rows.size, 1), max(cols.size, 1)), mode=mode)
    return PoolResult(x4, output, indices, spec, rows, cols, np.ndim(x))


def explain_fractional(
    x: np.ndarray,
    size: IntPair,
    output_size: IntPair | None = None,
    output_ratio: float | tuple[float, float] | None = None,
    sample: tuple[float, float] | None = None,
    seed: int | None = None,
) -> PoolResult:
    """Fractional max pooling of ``x`` (:func:`fractional_max_pool2d`) kept for showing, with
    one pair of samples ``sample`` (width's ``u``, height's ``u``, each in [0, 1)) for every
    item and channel, or one pair drawn with ``seed`` (:func:`fractional_samples`): every
    plane then has the same windows, the ones a picture shows. (PyTorch draws a pair per
    plane; pass those to :func:`fractional_max_pool2d` to compare plane by plane.)

    >>> r = explain_fractional(np.arange(49.0).reshape(7, 7), 2, 4, sample=(0.5, 0.5))
    >>> [r.rows.start(i) for i in range(4)], r.output_like_input()[0].tolist()
    ([0, 2, 4, 5], [8.0, 10.0, 12.0, 13.0])
    """
    from poolviz.engine.uneven import (
        fractional_axis,
        fractional_max_pool2d,
        fractional_output,
        fractional_samples,
    )

    x4 = as_nhwc(x)
    n, h, w, c = x4.shape
    dtype = x4.dtype if x4.dtype.kind == "f" else np.dtype(np.float64)
    if sample is None:
        pair = fractional_samples(1, 1, dtype, seed)[0, 0]
    else:
        pair = np.asarray(sample, dtype=np.float64).ravel()
        if pair.shape != (2,) or not ((pair >= 0) & (pair < 1)).all():
            raise PoolvizError(f"sample must be one (width, height) pair in [0, 1), got {sample!r}")
        pair = pair.astype(dtype)
    samples = np.broadcast_to(pair, (n, c, 2))
    k = as_pair(size, "size")
    out = fractional_output(h, w, k, output_size, output_ratio)
    output, indices = fractional_max_pool2d(x4, k, out, samples=samples, return_indices=True)
    rows = fractional_axis(pair[1], h, out[0], k[0], dtype)
    cols = fractional_axis(pair[0], w, out[1], k[1], dtype)
    ratio = None
    if output_ratio is not None:
        ratio = (
            tuple(output_ratio) if isinstance(output_ratio, tuple | list) else (output_ratio,) * 2
        )
    return PoolResult(
        x4,
        output,
        indices,
        PoolSpec.make(k),
        rows,
        cols,
        np.ndim(x),
        np.array(samples),
        None if ratio is None else (float(ratio[0]), float(ratio[1])),
    )
