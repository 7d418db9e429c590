"""An output size worked out step by step, per axis, as ``poolviz size`` shows it: a window's
(PyTorch's formula, Keras's ``same``) or adaptive pooling's bins for an output size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from poolviz.demos.pooling import Pooling
from poolviz.engine.geometry import Axis, PoolSpec
from poolviz.engine.uneven import adaptive_axis
from poolviz.errors import PoolvizError


@dataclass
class SizeDim:
    """The output size along one axis, worked out, and which cells the windows use."""

    name: str
    """``height``, ``width`` or ``length``."""
    axis: Axis
    steps: tuple[str, ...]
    """The formula with this axis's numbers, one line per step (see :func:`size_steps`)."""
    dropped: tuple[int, ...]
    """Input cells no window reads."""
    padding_used: tuple[int, ...]
    """Padding cells some window reads: negative before the input, ``>= n`` after it."""
    overhang: tuple[int, ...]
    """Cells past the input and its padding that a ceil-mode window reaches; they are never
    counted (not in a max, not in an average's divisor)."""

    @property
    def input(self) -> int:
        return self.axis.n

    @property
    def output(self) -> int:
        return self.axis.out

    @property
    def padding(self) -> tuple[int, int]:
        """Padding cells (before, after)."""
        return self.axis.pad_before, self.axis.pad_after


@dataclass
class SizeResult:
    """The output-size calculator's answer for every axis."""

    dims: tuple[SizeDim, ...]
    """One per axis: (length,) or (height, width)."""
    spec: PoolSpec | None
    """The window's geometry; None for adaptive pooling, whose bins follow ``bins``."""
    channels: int
    bins: tuple[int, int] | None = None
    """Adaptive pooling's output size (h, w), where the layer is adaptive."""

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(d.input for d in self.dims)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return tuple(d.output for d in self.dims)

    @property
    def kept_fraction(self) -> float:
        """Output values per input value."""
        return float(np.prod(self.output_shape) / np.prod(self.input_shape))


MAX_LENGTH = 1_000_000
"""Longest axis the calculator lists cell by cell."""


def size_steps(ax: Axis, name: str = "out") -> tuple[str, ...]:
    """The output size of ``ax`` worked out one step per line.

    PyTorch: ``floor((n + 2p − d·(k−1) − 1) / s) + 1``; with ``ceil_mode`` a ceiling, and the
    last window dropped again if it would start at or past the input's end (it must start
    inside the input or its left padding: ``(out−1)·s − p < n``, PyTorch's
    ``pooling_output_shape``). Keras/TensorFlow ``same``: ``ceil(n / s)``, total padding
    ``max((out−1)·s + d·(k−1) + 1 − n, 0)``, the odd cell at the bottom/right.

    >>> for line in size_steps(axis(13, 2)): print(line)
    out = floor((n + 2p − d·(k−1) − 1) / s) + 1
        = floor((13 + 2·0 − 1·(2−1) − 1) / 2) + 1
        = floor(11 / 2) + 1
        = 5 + 1 = 6
    """
    n, k, s, d = ax.n, ax.size, ax.stride, ax.dilation
    pad = " " * len(name)
    if ax.same:
        total = ax.pad_before + ax.pad_after
        raw = (ax.out - 1) * s + d * (k - 1) + 1 - n
        split = (
            "no padding"
            if total == 0
            else f"split: {ax.pad_before} before (top/left), {ax.pad_after} after (bottom/right)"
            + (
                f"; the odd cell goes {'before' if ax.pad_before > ax.pad_after else 'after'}"
                if total % 2
                else ""
            )
        )
        return (
            f"{name} = ceil(n / s) = ceil({n} / {s}) = {ax.out}",
            "padding = max((out−1)·s + d·(k−1) + 1 − n, 0)",
            f"        = max(({ax.out}−1)·{s} + {d}·({k}−1) + 1 − {n}, 0) = max({raw}, 0) = {total}",
            split,
        )
    p = ax.pad_before
    numer = n + 2 * p - d * (k - 1) - 1
    rounding = "ceil" if ax.ceil_mode else "floor"
    rounded = -(-numer // s) if ax.ceil_mode else numer // s
    lines = [
        f"{name} = {rounding}((n + 2p − d·(k−1) − 1) / s) + 1",
        f"{pad} = {rounding}(({n} + 2·{p} − {d}·({k}−1) − 1) / {s}) + 1",
        f"{pad} = {rounding}({numer} / {s}) + 1",
        f"{pad} = {rounded} + 1 = {rounded + 1}",
    ]
    if ax.ceil_mode:
        start = rounded * s - p
        lines.append("ceil mode: the last window must start inside the input or its left padding")
        verdict = (
            f"≥ {n} (past the input): drop it, {name} = {ax.out}"
            if rounded + 1 != ax.out
            else f"< {n} (inside the input): keep it"
        )
        lines.append(f"{pad}   its start = ({rounded + 1}−1)·{s} − {p} = {start} {verdict}")
    return tuple(lines)


BINS_LISTED = 12
"""Bins listed one by one; longer axes show the first three and the last."""


def adaptive_steps(ax: Axis) -> tuple[str, ...]:
    """Adaptive pooling's bins along ``ax`` worked out with its numbers: each bin's first and
    last cell (ATen's ``start_index``/``end_index``), the lengths that occur, and the cells
    that neighbouring bins share (they overlap where ``o`` does not divide ``n``).

    >>> for line in adaptive_steps(adaptive_axis(5, 3)): print(line)
    bin i reads cells floor(i·n/o) .. ceil((i+1)·n/o) − 1   (n = 5, o = 3)
      bin 0: floor(0·5/3) = 0 .. ceil(1·5/3) − 1 = 1   (2 cells)
      bin 1: floor(1·5/3) = 1 .. ceil(2·5/3) − 1 = 3   (3 cells)
      bin 2: floor(2·5/3) = 3 .. ceil(3·5/3) − 1 = 4   (2 cells)
    lengths: 2 (bins 0, 2), 3 (bin 1)
    shared: cell 1 (bins 0, 1), cell 3 (bins 1, 2)
    """
    n, o = ax.n, ax.out
    lines = [f"bin i reads cells floor(i·n/o) .. ceil((i+1)·n/o) − 1   (n = {n}, o = {o})"]
    shown = list(range(o)) if o <= BINS_LISTED else [0, 1, 2, None, o - 1]
    for i in shown:
        if i is None:
            lines.append("  …")
            continue
        first, taps = ax.start(i), ax.taps_of(i)
        lines.append(
            f"  bin {i}: floor({i}·{n}/{o}) = {first} .. ceil({i + 1}·{n}/{o}) − 1 = "
            f"{first + taps - 1}   ({taps} {'cell' if taps == 1 else 'cells'})"
        )
    by_length: dict[int, list[int]] = {}
    for i in range(o):
        by_length.setdefault(ax.taps_of(i), []).append(i)
    lines.append(
        "lengths: "
        + ", ".join(f"{k} ({_bins_text(bins, o)})" for k, bins in sorted(by_length.items()))
    )
    readers: dict[int, list[int]] = {}
    for i in range(o):
        for t in ax.real_taps(i):
            readers.setdefault(t, []).append(i)
    shared = [(t, bins) for t, bins in sorted(readers.items()) if len(bins) > 1]
    if not shared:
        lines.append("shared: none; the bins tile the axis")
    elif o > n:
        lines.append(f"shared: o > n, so every cell is read by {_repeats(readers)} bins")
    else:
        parts = [f"cell {t} (bins {', '.join(map(str, bins))})" for t, bins in shared[:3]]
        more = f", … ({len(shared)} cells)" if len(shared) > 3 else ""
        lines.append("shared: " + ", ".join(parts) + more)
    return tuple(lines)


def _bins_text(bins: Sequence[int], o: int) -> str:
    """``bin 1``, ``bins 0, 2``, ``every bin`` or ``41 bins``."""
    if len(bins) == o and o > 1:
        return "every bin"
    if len(bins) == 1:
        return f"bin {bins[0]}"
    if len(bins) > 4:
        return f"{len(bins)} bins"
    return "bins " + ", ".join(map(str, bins))


def _repeats(readers: dict[int, list[int]]) -> str:
    """How many bins read each cell: ``2`` or ``1 or 2``."""
    counts = sorted({len(b) for b in readers.values()})
    return " or ".join(map(str, counts))


def adaptive_sizes(
    lengths: Sequence[int], output_size: tuple[int, int], channels: int = 1
) -> SizeResult:
    """Adaptive pooling of each axis of ``lengths`` ((n,) or (h, w)) to ``output_size``
    (h, w): its bins worked out per axis; PoolvizError for a size that has two axes where
    the input has one length."""
    checked = _lengths(lengths, channels)
    if len(checked) == 1 and output_size[0] != output_size[1]:
        raise PoolvizError(
            f"--output-size {output_size[0]}x{output_size[1]} has two axes but the input has "
            "one length; give one number"
        )
    names = ("length",) if len(checked) == 1 else ("height", "width")
    dims = []
    for n, o, name in zip(checked, output_size, names, strict=False):
        ax = adaptive_axis(n, o)
        dropped = tuple(k for k, count in enumerate(ax.reads()) if count == 0)
        dims.append(SizeDim(name, ax, adaptive_steps(ax), dropped, (), ()))
    return SizeResult(tuple(dims), None, channels, output_size)


def _lengths(lengths: Sequence[int], channels: int) -> tuple[int, ...]:
    """``lengths`` checked: one or two, each 1 to :data:`MAX_LENGTH`; channels at least 1."""
    if len(lengths) not in (1, 2):
        raise PoolvizError(f"give one length or height and width, got {len(lengths)} values")
    if channels < 1:
        raise PoolvizError(f"channels must be at least 1, got {channels}")
    for n in lengths:
        if not 1 <= n <= MAX_LENGTH:
            raise PoolvizError(
                f"length {n} is out of range; use 1 to {MAX_LENGTH:,}".replace(",", " ")
            )
    return tuple(lengths)


def _padding_cells(ax: Axis) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(padding cells read, overhang cells read) along ``ax``."""
    reached: set[int] = set()
    for i in range(ax.out):
        if ax.start(i) >= 0 and ax.start(i) + ax.span <= ax.n:
            continue
        reached.update(t for t in ax.taps(i) if not 0 <= t < ax.n)
    limit = ax.n + ax.pad_after
    used = tuple(sorted(t for t in reached if -ax.pad_before <= t < limit))
    overhang = tuple(sorted(t for t in reached if t >= limit))
    return used, overhang


def output_sizes(lengths: Sequence[int], pooling: Pooling, channels: int = 1) -> SizeResult:
    """The output size of each axis of ``lengths`` ((n,) or (h, w)) under ``pooling``, with
    the worked formula, dropped cells and used padding; raises PoolvizError where PyTorch (or
    Keras, for ``same``) would refuse the configuration."""
    _lengths(lengths, channels)
    spec = pooling.spec()
    if len(lengths) == 1:
        pairs = {"size": spec.size, "stride": spec.stride, "dilation": spec.dilation}
        if not isinstance(spec.padding, str) and len(spec.padding) == 2:
            pairs["padding"] = spec.padding
        for option, pair in pairs.items():
            if pair[0] != pair[1]:
                raise PoolvizError(
                    f"{option} {pair[0]}x{pair[1]} has two axes but the input has one length; "
                    "give HxW or one number"
                )
        h = w = lengths[0]
        names: tuple[str, ...] = ("length",)
    else:
        h, w = lengths
        names = ("height", "width")
    try:
        rows, cols = spec.axes(h, w)
    except PoolvizError as err:
        if len(lengths) == 1 and "does not fit" in err.message:
            raise PoolvizError(
                f"a window of {spec.size[0]} does not fit a length of {h} with padding "
                f"{spec.padding_label}; use a smaller --size or add --padding"
            ) from None
        raise
    dims = []
    for ax, name in zip((rows, cols), names, strict=False):
        dropped = tuple(k for k, count in enumerate(ax.reads()) if count == 0)
        used, overhang = _padding_cells(ax)
        dims.append(SizeDim(name, ax, size_steps(ax), dropped, used, overhang))
    return SizeResult(tuple(dims), spec, channels)
