"""The backward pass of one pooling run, and max-unpooling from its indices, kept for showing.

:func:`gradient` calls the engine (:meth:`PoolResult.backward`, :func:`unpool_to`) on a
:class:`PoolResult` and keeps the arrays with the facts a picture of them needs: which output
cells route their gradient to each input cell, which windows share a winner, which ties were
broken and how many input values unpooling cannot bring back. Nothing here pools or routes a
gradient a second time; the routing lists are read off the recorded indices (max) or the
window geometry (average).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np

from poolviz.engine.backward import default_unpool_size, unpool_to
from poolviz.engine.explain import PoolResult
from poolviz.engine.windows import like_input
from poolviz.errors import PoolvizError

Cell = tuple[int, int]

UPSTREAM_KINDS = ("ones", "random")
"""The named upstream gradients; anything else is a matrix."""


@dataclass(frozen=True)
class Tie:
    """A max window whose largest value occurs more than once."""

    out: Cell
    """Output cell (i, j)."""
    value: float
    """The tied maximum."""
    cells: tuple[Cell, ...]
    """Input cells (r, c) holding it, in the row-major window order PyTorch scans."""
    winner: Cell
    """The cell that won: the first of ``cells``, as PyTorch's ``max_pool2d``."""


@dataclass(frozen=True)
class GradResult:
    """A pooling run's backward pass: the upstream gradient, the gradient reaching the input,
    and (max pooling) the output unpooled to the input's size. Arrays are NHWC."""

    forward: PoolResult
    """The forward run the gradient flows back through."""
    grad_output: np.ndarray
    """The upstream gradient, one per output cell: (N, oh, ow, C) float64."""
    grad_input: np.ndarray
    """:meth:`PoolResult.backward` of ``grad_output``: (N, H, W, C) float64."""
    unpooled: np.ndarray | None
    """The output put back at its indices in zeros of the input's (H, W) (:func:`unpool_to`:
    PyTorch's ``max_unpool2d`` where its size rule allows); None for average pooling, which
    records no indices."""
    max_grad_input: np.ndarray | None
    """For average pooling, the gradient max pooling over the same windows would send, so the
    two can be compared; None for max pooling."""
    default_unpool_shape: Cell | None
    """The (h, w) PyTorch's ``max_unpool2d`` picks without ``output_size``; None when it
    cannot pick one (``same`` or padding per side) or for average pooling."""
    _routes: dict[tuple[int, int], list[list[list[Cell]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """:meth:`receivers` per (item, channel), built once: a report asks for them often."""

    @property
    def mode(self) -> str:
        return self.forward.mode

    @property
    def pytorch_takes_input_size(self) -> bool | None:
        """Whether PyTorch's ``max_unpool2d`` accepts the input's (H, W) as ``output_size``:
        it takes only sizes strictly within one stride of its default (so not, for example,
        after dilation). None for average pooling or ``same`` padding."""
        if self.default_unpool_shape is None:
            return None
        stride = self.forward.spec.stride
        sizes = (self.forward.rows.n, self.forward.cols.n)
        return all(
            d - s < n < d + s
            for d, s, n in zip(self.default_unpool_shape, stride, sizes, strict=True)
        )

    def receivers(self, item: int = 0, channel: int = 0) -> list[list[list[Cell]]]:
        """For each input cell [r][c], the output cells (i, j) whose gradient reaches it, in
        row-major output order: the windows it won (max), or the windows whose real cells
        include it (average). Windows over padding alone send nothing. Built once per item
        and channel; the lists are shared, not to be changed."""
        cached = self._routes.get((item, channel))
        if cached is not None:
            return cached
        rows, cols = self.forward.rows, self.forward.cols
        routed: list[list[list[Cell]]] = [[[] for _ in range(cols.n)] for _ in range(rows.n)]
        if self.mode == "max":
            assert self.forward.indices is not None
            flat = self.forward.indices[item, :, :, channel]
            for (i, j), index in np.ndenumerate(flat):
                if index >= 0:
                    r, c = divmod(int(index), cols.n)
                    routed[r][c].append((i, j))
        else:
            for i in range(rows.out):
                for j in range(cols.out):
                    for r in rows.real_taps(i):
                        for c in cols.real_taps(j):
                            routed[r][c].append((i, j))
        self._routes[(item, channel)] = routed
        return routed

    def routed_counts(self, item: int = 0, channel: int = 0) -> np.ndarray:
        """(H, W) int: how many output cells send gradient to each input cell: the windows a
        cell won (max), or the windows reading it (average: the coverage)."""
        rows, cols = self.forward.rows, self.forward.cols
        if self.mode != "max":
            return np.asarray(self.forward.coverage, dtype=np.int64)
        assert self.forward.indices is not None
        flat = self.forward.indices[item, :, :, channel].ravel()
        won = np.bincount(flat[flat >= 0], minlength=rows.n * cols.n)
        return won.reshape(rows.n, cols.n)

    def silent_count(self, item: int = 0, channel: int = 0) -> int:
        """Input cells no output cell sends gradient to: they learn nothing from this example."""
        return int(np.count_nonzero(self.routed_counts(item, channel) == 0))

    def max_silent_count(self, item: int = 0, channel: int = 0) -> int | None:
        """For average pooling, the input cells max pooling's gradient over the same windows
        (:attr:`max_grad_input`) leaves at zero; None for max pooling."""
        if self.max_grad_input is None:
            return None
        return int(np.count_nonzero(self.max_grad_input[item, :, :, channel] == 0))

    def shared(self, item: int = 0, channel: int = 0) -> list[tuple[Cell, list[Cell]]]:
        """Input cells fed by more than one output cell, with those cells, row-major."""
        return [
            ((r, c), senders)
            for r, row in enumerate(self.receivers(item, channel))
            for c, senders in enumerate(row)
            if len(senders) > 1
        ]

    def winners(self, item: int = 0, channel: int = 0) -> list[Cell]:
        """The distinct input cells that won some window, row-major (empty for average)."""
        counts = self.routed_counts(item, channel) if self.mode == "max" else None
        if counts is None:
            return []
        return [(int(r), int(c)) for r, c in zip(*np.nonzero(counts), strict=True)]

    def lost_count(self, item: int = 0, channel: int = 0) -> int:
        """Input values max-unpooling cannot bring back: every cell that won no window."""
        rows, cols = self.forward.rows, self.forward.cols
        return rows.n * cols.n - len(self.winners(item, channel))

    def ties(self, item: int = 0, channel: int = 0) -> list[Tie]:
        """Max windows whose maximum occurs more than once, row-major; empty for average."""
        if self.mode != "max":
            return []
        forward = self.forward
        uneven = forward.kind == "adaptive"  # bins of two lengths: no rectangle of taps
        if not uneven and forward.window_count > forward.spec.size[0] * forward.spec.size[1]:
            return self._ties_by_taps(item, channel)
        found = []
        for window in self.forward.windows(item, channel):
            if window.argmax is None or np.isnan(window.value):
                continue
            real = ~window.padded & (window.cells == window.value)
            if np.count_nonzero(real) < 2:
                continue
            cells = tuple(
                (window.rows[a], window.cols[b]) for a, b in zip(*np.nonzero(real), strict=True)
            )
            found.append(Tie(window.out, window.value, cells, window.argmax))
        return found

    def _ties_by_taps(self, item: int, channel: int) -> list[Tie]:
        """:meth:`ties` for many small windows: one array pass per tap over every window,
        rather than a window at a time (a 1x1000000 input has 500,000 windows of 2)."""
        forward = self.forward
        rows, cols = forward.rows, forward.cols
        plane = forward.input[item, :, :, channel]
        values = forward.output[item, :, :, channel]
        assert forward.indices is not None
        row_taps = np.array([rows.taps(i) for i in range(rows.out)]).reshape(rows.out, -1)
        col_taps = np.array([cols.taps(j) for j in range(cols.out)]).reshape(cols.out, -1)
        taps = list(np.ndindex(row_taps.shape[1], col_taps.shape[1]))

        def holds_max(a: int, b: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
            """Whether tap (a, b) of windows (i, j) is a real cell holding the window's max."""
            r, c = row_taps[i, a], col_taps[j, b]
            real = (r >= 0) & (r < rows.n) & (c >= 0) & (c < cols.n)
            cell = plane[np.clip(r, 0, rows.n - 1), np.clip(c, 0, cols.n - 1)]
            return np.asarray(real & (cell == values[i, j]))

        every = np.indices(values.shape)
        count = np.zeros(values.shape, dtype=np.int64)
        for a, b in taps:
            count += holds_max(a, b, every[0], every[1])
        won = forward.indices[item, :, :, channel] >= 0
        tied_i, tied_j = np.nonzero((count >= 2) & won & ~np.isnan(values))
        cells: list[list[Cell]] = [[] for _ in tied_i]
        for a, b in taps:  # row-major window order, as PyTorch scans
            for t in np.flatnonzero(holds_max(a, b, tied_i, tied_j)):
                cells[t].append((int(row_taps[tied_i[t], a]), int(col_taps[tied_j[t], b])))
        found = []
        for k, (oi, oj) in enumerate(zip(tied_i.tolist(), tied_j.tolist(), strict=True)):
            winner = forward.argmax(oi, oj, item, channel)
            assert winner is not None
            found.append(Tie((oi, oj), float(values[oi, oj]), tuple(cells[k]), winner))
        return found

    def grad_output_like_input(self) -> np.ndarray:
        """The upstream gradient in the layout the user passed."""
        return like_input(self.grad_output, self.forward.input_ndim)

    def grad_input_like_input(self) -> np.ndarray:
        """The input gradient in the layout the user passed."""
        return like_input(self.grad_input, self.forward.input_ndim)

    def unpooled_like_input(self) -> np.ndarray | None:
        """The unpooled array in the layout the user passed."""
        return None if self.unpooled is None else like_input(self.unpooled, self.forward.input_ndim)

    @cached_property
    def grad_sum(self) -> tuple[float, float]:
        """Total upstream gradient and total input gradient (equal for max unless a window
        lies over padding alone; for average less where padding took a share)."""
        with np.errstate(over="ignore", invalid="ignore"):  # inf or NaN, as IEEE sums give
            return float(self.grad_output.sum()), float(self.grad_input.sum())


class Pooled(Protocol):
    """What :func:`upstream_gradient` reads of a pooling run: its NHWC output, and the output
    in the input's layout (:class:`PoolResult`, and the LP and blur runs)."""

    @property
    def output(self) -> np.ndarray: ...

    def output_like_input(self) -> np.ndarray: ...


def upstream_gradient(result: Pooled, given: str | np.ndarray, seed: int = 0) -> np.ndarray:
    """The upstream gradient for ``result``'s output, NHWC float64.

    ``given`` is ``'ones'``; ``'random'`` (standard normal rounded to one decimal, so sums can
    be checked by hand, from ``numpy.random.default_rng(seed)``: reproducible); or an array:
    (oh, ow) is used for every item and channel, anything else must match the output's shape
    in the input's layout.
    """
    shape = result.output.shape
    if isinstance(given, str):
        if given == "ones":
            return np.ones(shape)
        if given == "random":
            return np.round(np.random.default_rng(seed).standard_normal(shape), 1) + 0.0
        raise PoolvizError(
            f"unknown upstream gradient {given!r}; use ones, random or a matrix like '1 0; 0 1'"
        )
    g = np.asarray(given, dtype=np.float64)
    oh, ow = shape[1], shape[2]
    if g.ndim == 2:
        if g.shape != (oh, ow):
            raise PoolvizError(
                f"--grad-output is {g.shape[0]}x{g.shape[1]} but the output is {oh}x{ow}; "
                "give one gradient per output cell"
            )
        return np.broadcast_to(g[None, :, :, None], shape).copy()
    expected = result.output_like_input().shape
    if g.shape != expected:
        raise PoolvizError(
            f"--grad-output has shape {g.shape} but the output has {expected}; "
            "give one gradient per output cell"
        )
    full = np.empty(shape)
    full[...] = g.reshape(shape)
    return full


def gradient(result: PoolResult, grad_output: np.ndarray) -> GradResult:
    """Send ``grad_output`` (NHWC, shaped like ``result.output``) back through ``result``'s
    pooling (:meth:`PoolResult.backward`: :func:`pool2d_backward`, or the adaptive or
    fractional kind's), and for max pooling unpool the output at its
    indices with :func:`unpool_to` to the input's own height and width (PyTorch's default
    size can be smaller on odd inputs, and then cannot hold every index).

    >>> from poolviz.engine.explain import explain
    >>> x = np.array([[1.0, 3.0, 2.0], [5.0, 6.0, 8.0], [2.0, 4.0, 7.0]])
    >>> g = gradient(explain(x, 2, 1), np.ones((1, 2, 2, 1)))
    >>> g.grad_input_like_input().tolist()
    [[0.0, 0.0, 0.0], [0.0, 2.0, 2.0], [0.0, 0.0, 0.0]]
    >>> g.unpooled_like_input().tolist()
    [[0.0, 0.0, 0.0], [0.0, 6.0, 8.0], [0.0, 0.0, 0.0]]
    """
    spec = result.spec
    g = np.asarray(grad_output, dtype=np.float64)
    grad_input = result.backward(g)
    unpooled: np.ndarray | None = None
    max_grad: np.ndarray | None = None
    default_shape: Cell | None = None
    if spec.mode == "max":
        assert result.indices is not None
        unpooled = unpool_to(
            result.output.astype(np.float64, copy=False),
            result.indices,
            (result.rows.n, result.cols.n),
        )
        uniform = result.kind == "uniform"
        if uniform and not isinstance(spec.padding, str) and len(spec.padding) == 2:
            default_shape = (
                default_unpool_size(spec.size[0], spec.stride[0], spec.padding[0], result.rows.out),
                default_unpool_size(spec.size[1], spec.stride[1], spec.padding[1], result.cols.out),
            )
    else:
        max_grad = result.backward(g, "max")
    return GradResult(result, g, grad_input, unpooled, max_grad, default_shape)
