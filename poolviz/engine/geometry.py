"""Where every window sits: padding (int, ``valid``, ``same``), output size, window starts.

One formula serves pooling and convolution alike (PyTorch's, ``torch.nn.MaxPool2d`` docs):

    out = floor((n + 2p - d(k-1) - 1) / s) + 1

With ``ceil_mode`` the floor becomes a ceiling, and the last window is dropped again when it
would start past the input and its left padding (``(out-1)s >= n + p``, PyTorch's
``pooling_output_shape``). ``same`` is Keras/TensorFlow's: ``out = ceil(n/s)``, the total
padding ``max((out-1)s + d(k-1) + 1 - n, 0)``, the odd cell at the bottom/right;
``same_lower`` is ONNX's ``SAME_LOWER``, the odd cell at the top/left. Padding given per side,
``(top, left, bottom, right)`` as ONNX's ``pads``, replaces ``2p`` by ``p_before + p_after``
(the operator spec and onnxruntime).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, TypedDict, Unpack

import numpy as np

from poolviz.errors import PoolvizError

Pair = tuple[int, int]
IntPair = int | tuple[int, int]
Sides = tuple[int, int, int, int]
"""Padding per side: ``(top, left, bottom, right)``, ONNX's ``pads`` order."""
PaddingArg = int | tuple[int, int] | Sides | str
AxisPadding = int | tuple[int, int] | str
"""One axis's padding as :func:`axis` takes it: both ends, ``(before, after)``, or a name."""
SAME_PADDINGS: tuple[str, ...] = ("same", "same_lower")
"""Padding worked out from the size (``ceil(n / s)`` outputs); padded cells never count."""
PADDING_CHOICES = (
    "an integer >= 0, an (h, w) pair, (top, left, bottom, right), 'valid', 'same' or 'same_lower'"
)
Mode = Literal["max", "avg"]
MODES: tuple[str, ...] = ("max", "avg")


@dataclass(frozen=True)
class Span:
    """One window of an uneven axis: it reads input cells ``start .. start + taps - 1``."""

    start: int
    taps: int


@dataclass(frozen=True)
class Axis:
    """The windows along one spatial axis: window ``i`` reads input cells
    ``start(i) + j*dilation`` for ``j < taps_of(i)``, of which those in ``[0, n)`` are real.

    Uniform windows (``windows`` None) start at ``i * stride - pad_before`` and all have
    ``size`` taps; adaptive and fractional pooling list each window's start and length in
    ``windows`` (no padding, dilation 1, ``size`` the longest, ``stride`` 0). Everything a
    renderer needs is read through :meth:`start` and :meth:`taps`, whatever the kind."""

    n: int
    """Input length."""
    size: int
    """Window length k (before dilation)."""
    stride: int
    dilation: int
    pad_before: int
    """Padding cells before the input (top or left)."""
    pad_after: int
    """Padding cells after the input that count as padding (explicit, or ``same``'s share);
    the ceil-mode overhang is not padding and never counts."""
    ceil_mode: bool
    same: bool
    """Padding came from ``same`` or ``same_lower``: padded cells never count in an
    average."""
    out: int
    """Number of windows."""
    windows: tuple[Span, ...] | None = None
    """Each window's start and length where they are uneven; None for uniform windows."""
    kind: str = "uniform"
    """``'uniform'``, ``'adaptive'`` or ``'fractional'``: which rule placed the windows."""
    sample: float | None = None
    """Fractional pooling's sample ``u`` for this axis (None for the other kinds)."""

    @property
    def span(self) -> int:
        """Cells from a window's first to its last tap, inclusive: ``d(k-1) + 1``."""
        return self.dilation * (self.size - 1) + 1

    def start(self, i: int) -> int:
        """Input index of window ``i``'s first tap (negative inside the top/left padding)."""
        if self.windows is not None:
            return self.windows[i].start
        return i * self.stride - self.pad_before

    def taps_of(self, i: int) -> int:
        """How many taps window ``i`` has (``size``, unless the windows are uneven)."""
        return self.size if self.windows is None else self.windows[i].taps

    def taps(self, i: int) -> list[int]:
        """Input indices window ``i`` reads, padding included (outside ``[0, n)``)."""
        return [self.start(i) + j * self.dilation for j in range(self.taps_of(i))]

    def real_taps(self, i: int) -> list[int]:
        """Input indices window ``i`` reads that are real cells."""
        return [t for t in self.taps(i) if 0 <= t < self.n]

    def first_readers(self) -> np.ndarray:
        """For each input cell, the first window reading it, or -1 (a dropped cell): whose
        colour a cell takes where a picture gives each cell one."""
        first = np.full(self.n, -1)
        for i in reversed(range(self.out)):
            first[self.real_taps(i)] = i
        return first

    def avg_divisor(self, i: int, count_include_pad: bool) -> int:
        """Cells window ``i`` divides by along this axis, as PyTorch's ``avg_pool2d``:
        explicit padding counts when ``count_include_pad``; ``same`` padding and the ceil-mode
        overhang never do."""
        if not count_include_pad or self.same or self.windows is not None:
            return len(self.real_taps(i))
        start = self.start(i)
        return min(start + self.size, self.n + self.pad_after) - start

    @property
    def used(self) -> int:
        """Input cells ``[0, used)`` that some window can reach; the rest are dropped."""
        last = max((self.start(i) + self.taps_of(i) for i in range(self.out)), default=0)
        if self.windows is None and self.out:
            last = self.start(self.out - 1) + self.span
        return max(0, min(self.n, last))

    @property
    def overhang(self) -> int:
        """Cells past the input and its padding that the last window reaches (ceil mode): no
        cell there is read, and none counts in an average."""
        if self.windows is not None or not self.out:
            return 0
        return max(0, self.start(self.out - 1) + self.span - self.n - self.pad_after)

    def reads(self) -> list[int]:
        """For each input cell, how many windows read it (0 = dropped)."""
        counts = [0] * self.n
        for i in range(self.out):
            for t in self.real_taps(i):
                counts[t] += 1
        return counts

    def formula(self, name: str, sides: tuple[str, str] = ("before", "after")) -> str:
        """The output size worked out with this axis's numbers, as one line; ``sides`` name
        the two ends (``("top", "bottom")``) where the padding differs."""
        n, k, s, d = self.n, self.size, self.stride, self.dilation
        before, after = self.pad_before, self.pad_after
        if self.kind == "adaptive":
            lengths = "/".join(str(v) for v in sorted({self.taps_of(i) for i in range(self.out)}))
            return (
                f"{name} = {self.out}   (adaptive: bin i reads floor(i·{n}/{self.out}) .. "
                f"ceil((i+1)·{n}/{self.out}) − 1; lengths {lengths or '-'})"
            )
        if self.kind == "fractional":
            o = self.out
            alpha = f"({n} − {k}) / ({o} − 1)" if o > 1 else "-"
            return (
                f"{name} = {o}   (fractional: alpha = {alpha}, u = {self.sample:.4f}; starts "
                f"{', '.join(str(self.start(i)) for i in range(o))})"
            )
        if self.same:
            return (
                f"{name} = ceil({n} / {s}) = {self.out}   (same: pad {before + after} = "
                f"{before} {sides[0]} + {after} {sides[1]})"
            )
        rounding = "ceil" if self.ceil_mode else "floor"
        pads = f"2·{before}" if before == after else f"{before} + {after}"
        line = f"{name} = {rounding}(({n} + {pads} − {d}·({k}−1) − 1) / {s}) + 1"
        raw = _raw_out(n, k, s, before + after, d, self.ceil_mode)
        if raw != self.out:
            line += f" = {raw}, − 1 (last window would start past the input) = {self.out}"
        else:
            line += f" = {self.out}"
        if before != after:
            line += f"   (pad {before} {sides[0]} + {after} {sides[1]})"
        return line

    def simple_formula(self, name: str) -> str | None:
        """The seed's simpler ``floor((n - k + 2p) / s) + 1``, when it applies (no dilation,
        no ceil mode, explicit padding)."""
        if self.dilation != 1 or self.ceil_mode or self.same or self.windows is not None:
            return None
        n, k, s, before, after = self.n, self.size, self.stride, self.pad_before, self.pad_after
        pads = f"2·{before}" if before == after else f"{before} + {after}"
        return f"{name} = floor(({n} − {k} + {pads}) / {s}) + 1 = {self.out}"


def avg_divisors(rows: Axis, cols: Axis, count_include_pad: bool) -> np.ndarray:
    """The (oh, ow) int64 grid of average-pooling divisors; PyTorch's divisor is the product of
    the per-axis counts."""
    dh = [rows.avg_divisor(i, count_include_pad) for i in range(rows.out)]
    dw = [cols.avg_divisor(j, count_include_pad) for j in range(cols.out)]
    return np.outer(np.array(dh, dtype=np.int64), np.array(dw, dtype=np.int64))


def _raw_out(n: int, k: int, s: int, pads: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's size before the ceil-mode correction; ``pads`` is both sides' padding."""
    numer = n + pads - d * (k - 1) - 1
    return (-(-numer // s) if ceil_mode else numer // s) + 1


def as_pair(value: int | tuple[int, int] | list[int], name: str, minimum: int = 1) -> Pair:
    """``value`` as an (h, w) pair of integers ``>= minimum``."""
    items: tuple[object, ...]
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise PoolvizError(
                f"{name} must be one integer or an (h, w) pair, got {len(value)} values"
            )
        items = tuple(value)
    else:
        items = (value, value)
    out: list[int] = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise PoolvizError(f"{name} must be an integer >= {minimum}, got {v!r}")
        if int(v) < minimum:
            raise PoolvizError(f"{name} must be an integer >= {minimum}, got {int(v)}")
        out.append(int(v))
    return out[0], out[1]


def axis(
    n: int,
    size: int,
    stride: int | None = None,
    padding: AxisPadding = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
    *,
    name: str = "input",
    pooling: bool = True,
) -> Axis:
    """The windows of one axis of length ``n``; ``padding`` an int (both ends), a ``(before,
    after)`` pair, ``'valid'``, ``'same'`` or ``'same_lower'``. Raises PoolvizError where
    PyTorch (or Keras for ``same``, onnxruntime for padding per side) would refuse: at most half
    the window on both ends, each end smaller than the window per side. ``pooling=False``
    (convolutions) lifts those limits, which apply to pooling only."""
    k = size
    s = k if stride is None else stride
    if n < 1:
        raise PoolvizError(f"the {name} has length {n}; every spatial size must be at least 1")
    if isinstance(padding, str):
        if padding == "valid":
            padding = 0
        elif padding in SAME_PADDINGS:
            if ceil_mode:
                raise PoolvizError(
                    f"ceil_mode does not apply to padding {padding!r}; use one or the other"
                )
            out = -(-n // s)
            total = max((out - 1) * s + dilation * (k - 1) + 1 - n, 0)
            before = (total + 1) // 2 if padding == "same_lower" else total // 2
            return Axis(n, k, s, dilation, before, total - before, False, True, out)
        else:
            raise PoolvizError(f"unknown padding {padding!r}; use {PADDING_CHOICES}")
    before, after = padding if isinstance(padding, tuple) else (padding, padding)
    if min(before, after) < 0:
        raise PoolvizError(f"padding must be >= 0, got {min(before, after)}")
    if pooling and isinstance(padding, tuple):
        if max(before, after) >= k:
            raise PoolvizError(
                f"padding {before} before and {after} after: each side must be smaller than "
                f"the window ({k}); use 0-{k - 1} per side"
            )
    elif pooling and before > k // 2:
        raise PoolvizError(
            f"padding {before} exceeds half the window ({k // 2}); use 0-{k // 2}, valid or same"
        )
    out = _raw_out(n, k, s, before + after, dilation, ceil_mode)
    if ceil_mode and out >= 1 and (out - 1) * s >= n + before:
        out -= 1
    if out < 1:
        pads = str(before) if before == after else f"{before} before and {after} after"
        raise PoolvizError(
            f"a window of {k} (span {dilation * (k - 1) + 1}) does not fit the {name} of "
            f"length {n} with padding {pads}"
        )
    return Axis(n, k, s, dilation, before, after, ceil_mode, False, out)


def axis_padding(padding: PaddingArg) -> tuple[AxisPadding, AxisPadding]:
    """``pool2d``'s ``padding`` split into the height axis's and the width axis's:
    ``(top, left, bottom, right)`` gives ``(top, bottom)`` and ``(left, right)``."""
    if isinstance(padding, str | int):
        return padding, padding
    if len(padding) == 4:
        return (padding[0], padding[2]), (padding[1], padding[3])
    return padding[0], padding[1]


def output_size(
    n: int,
    size: int,
    stride: int | None = None,
    padding: int | str = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Number of pooling windows along one axis of length ``n``.

    >>> output_size(26, 2), output_size(13, 2), output_size(11, 2)
    (13, 6, 5)
    >>> output_size(5, 2, 2, 1, ceil_mode=True), output_size(6, 1, 2, ceil_mode=True)
    (3, 3)
    >>> output_size(7, 3, 2, "same")
    4
    """
    for value, label in ((n, "n"), (size, "size"), (dilation, "dilation")):
        as_pair(value, label, minimum=0 if label == "n" else 1)
    if stride is not None:
        as_pair(stride, "stride")
    return axis(n, size, stride, padding, dilation, ceil_mode).out


class PoolOptions(TypedDict, total=False):
    """The keyword options of every pooling call (``pool2d``, ``pool2d_backward``,
    ``explain``), with their defaults in :meth:`PoolSpec.make` alone."""

    mode: str
    """``'max'`` (default) or ``'avg'``."""
    dilation: IntPair
    """Gap between taps (default 1); max pooling only."""
    ceil_mode: bool
    """Round the output size up, as PyTorch (default False)."""
    count_include_pad: bool
    """Whether explicit padding counts in an average's divisor (default True)."""
    divisor_override: int | None
    """Divide every average window by this instead (PyTorch's; default None)."""


@dataclass(frozen=True)
class PoolSpec:
    """A pooling layer's configuration, validated and with every pair resolved."""

    size: Pair
    stride: Pair
    padding: Pair | Sides | str
    """As given: an (h, w) pair, four sides ``(top, left, bottom, right)``, ``'same'`` or
    ``'same_lower'``; ``'valid'`` is stored as (0, 0)."""
    dilation: Pair
    ceil_mode: bool
    count_include_pad: bool
    mode: Mode
    divisor_override: int | None = None
    """Every average window's divisor, as PyTorch's ``divisor_override``; None: the count."""

    @classmethod
    def make(
        cls,
        size: IntPair,
        stride: IntPair | None = None,
        padding: PaddingArg = 0,
        **options: Unpack[PoolOptions],
    ) -> PoolSpec:
        """Validate arguments as ``pool2d`` takes them (the defaults of :class:`PoolOptions`
        are here)."""
        mode = options.get("mode", "max")
        dilation = options.get("dilation", 1)
        ceil_mode = options.get("ceil_mode", False)
        count_include_pad = options.get("count_include_pad", True)
        override = options.get("divisor_override")
        if override is not None:
            if mode != "avg":
                raise PoolvizError(
                    "divisor_override applies to average pooling only; use mode 'avg'"
                )
            if isinstance(override, bool) or not isinstance(override, int | np.integer):
                raise PoolvizError(f"divisor_override must be an integer, got {override!r}")
            if override == 0:  # PyTorch: "divisor must be not zero"
                raise PoolvizError("divisor_override must not be zero; use a nonzero integer")
        if mode not in MODES:
            raise PoolvizError(f"unknown mode {mode!r}; use 'max' or 'avg'")
        k = as_pair(size, "size")
        s = k if stride is None else as_pair(stride, "stride")
        d = as_pair(dilation, "dilation")
        pad: Pair | Sides | str
        if isinstance(padding, str):
            if padding != "valid" and padding not in SAME_PADDINGS:
                raise PoolvizError(f"unknown padding {padding!r}; use {PADDING_CHOICES}")
            pad = (0, 0) if padding == "valid" else padding
        elif isinstance(padding, tuple | list) and len(padding) == 4:
            top, left = as_pair(tuple(padding[:2]), "padding", minimum=0)  # type: ignore[arg-type]
            bottom, right = as_pair(tuple(padding[2:]), "padding", minimum=0)  # type: ignore[arg-type]
            pad = (top, left, bottom, right)
        else:
            pad = as_pair(padding, "padding", minimum=0)
        if mode == "avg" and d != (1, 1):
            raise PoolvizError(
                "average pooling takes no dilation (PyTorch's avg_pool2d has none); use dilation 1"
            )
        if pad in SAME_PADDINGS and ceil_mode:
            raise PoolvizError(f"ceil_mode does not apply to padding {pad!r}; use one or the other")
        spec = cls(k, s, pad, d, bool(ceil_mode), bool(count_include_pad), mode)  # type: ignore[arg-type]
        return spec if override is None else replace(spec, divisor_override=int(override))

    def axes(self, h: int, w: int) -> tuple[Axis, Axis]:
        """The windows along height and width of an ``h`` x ``w`` input; raises PoolvizError
        when the window does not fit."""
        pads = self.axis_padding
        try:
            return (
                axis(
                    h,
                    self.size[0],
                    self.stride[0],
                    pads[0],
                    self.dilation[0],
                    self.ceil_mode,
                    name="height",
                ),
                axis(
                    w,
                    self.size[1],
                    self.stride[1],
                    pads[1],
                    self.dilation[1],
                    self.ceil_mode,
                    name="width",
                ),
            )
        except PoolvizError as err:
            if "does not fit" not in err.message:
                raise
            raise PoolvizError(
                f"a {self.size[0]}x{self.size[1]} window does not fit a {h}x{w} input with "
                f"padding {self.padding_label}; use a smaller --size or add --padding"
            ) from None

    def divisors(self, rows: Axis, cols: Axis) -> np.ndarray:
        """The (oh, ow) int64 divisors of average pooling over ``rows`` x ``cols``."""
        if self.divisor_override is not None:
            return np.full((rows.out, cols.out), self.divisor_override, dtype=np.int64)
        return avg_divisors(rows, cols, self.count_include_pad)

    @property
    def axis_padding(self) -> tuple[AxisPadding, AxisPadding]:
        """The padding of the height axis and of the width axis, as :func:`axis` takes it."""
        return axis_padding(self.padding)

    @property
    def same(self) -> bool:
        """Padding worked out from the size (``same`` or ``same_lower``)."""
        return self.padding in SAME_PADDINGS

    @property
    def padding_label(self) -> str:
        """Padding as a user would write it: ``0``, ``1x0``, ``0,1,1,0``, ``same``."""
        if isinstance(self.padding, str):
            return self.padding
        if len(self.padding) == 4:
            return ",".join(str(v) for v in self.padding)
        ph, pw = self.padding
        return str(ph) if ph == pw else f"{ph}x{pw}"
