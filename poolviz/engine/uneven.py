"""Pooling whose windows along an axis have their own starts and lengths: adaptive pooling and
fractional max pooling, forward and backward, PyTorch's numbers bit for bit.

- **Adaptive** (``F.adaptive_max_pool2d``, ``F.adaptive_avg_pool2d``): output ``i`` of ``o``
  over length ``n`` reads ``[floor(i·n/o), ceil((i+1)·n/o))`` (ATen's ``start_index`` and
  ``end_index``). Bins have one or two lengths, overlap when ``o`` does not divide ``n`` and
  repeat cells when ``o > n``; the same bins serve every item and channel.
- **Fractional max** (Graham 2014, ``F.fractional_max_pool2d``): windows of a fixed size ``k``
  whose starts come from one sample ``u`` in [0, 1) per (item, channel, axis): with
  ``alpha = (n - k) / (o - 1)``, start ``i`` is ``int((i + u)·alpha) - int(u·alpha)`` and the
  last is ``n - k`` (ATen's ``generate_intervals``, every step rounded in the input's floating
  type, so float16 and float32 starts can differ from float64's).

The numbers, as PyTorch's CPU kernels compute them:

- max: each window's cells in row-major order, a cell winning when it is greater than the best
  so far or NaN: the first maximum wins ties, the last NaN wins. Indices are ``h * W + w`` in
  the plane, int64.
- average (adaptive): the bin's cells added from 0 row by row, left to right, in float32 for
  float16 and float32 inputs, then divided by the bin's height and then by its width (two
  divisions, as ATen does: not by their product). One exception: for a 1x1 output PyTorch
  calls ``input.mean()``, whose reduction order differs in the last bit; poolviz keeps the
  adaptive kernel's sum there too.
- backward: max routes each gradient to its window's winner; average spreads
  ``grad / kh / kw`` over the bin; both add in output row-major order, as PyTorch does.
- average, forward and backward, follows ATen's contiguous (NCHW) kernels, which a model in
  PyTorch's default layout runs. Its channels-last kernels divide by ``kh * kw`` at once in
  their vector lanes and by ``kh`` then ``kw`` in the lanes left over, so their last bit
  depends on the channel count; they are picked by the tensor's memory format (for the
  backward, the gradient's), and poolviz's numbers are the same for any layout of its own.
- dtypes: floats keep their dtype; integer max keeps its dtype; integer average is float64
  (the mean of the exact sum), as :func:`~poolviz.engine.pooling.pool2d`; backward of integer
  inputs is float64.

The windows become arrays of starts and lengths (:class:`~poolviz.engine.bins.Bins`), read
by the kernels of :mod:`poolviz.engine.bins` (max: one tap of every window at a time) and of
:mod:`poolviz.engine.bin_average` (average: every column tap of a tile's rows at once, then
summed in order by one reduction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from poolviz.engine.bin_average import spread, sum_divided
from poolviz.engine.bins import Bins, argmax, max_values, route
from poolviz.engine.geometry import Axis, Span, as_pair
from poolviz.engine.windows import as_nhwc, like_input
from poolviz.errors import PoolvizError

OutputSize = int | None | tuple[int | None, int | None]
"""An adaptive output size: one length for both axes, or (h, w); None keeps that side."""
ADAPTIVE_MODES: tuple[str, ...] = ("max", "avg")


def adaptive_axis(n: int, o: int) -> Axis:
    """The ``o`` bins over a length ``n``: bin ``i`` is ``[floor(i·n/o), ceil((i+1)·n/o))``.

    >>> [(w.start, w.taps) for w in (adaptive_axis(5, 3).windows or ())]
    [(0, 2), (1, 3), (3, 2)]
    """
    bins = tuple(Span(i * n // o, -(-(i + 1) * n // o) - i * n // o) for i in range(o))
    return _uneven_axis(n, bins, "adaptive")


def fractional_starts(u: Any, n: int, o: int, k: int, dtype: Any) -> np.ndarray:
    """ATen's ``generate_intervals``: the ``o`` window starts of size ``k`` over length ``n``
    from the samples ``u`` (any shape; the starts run along a new last axis), every step
    rounded in ``dtype``, the input's floating type, as ATen computes in it.

    >>> fractional_starts(0.5, 7, 4, 2, np.float64).tolist()
    [0, 2, 4, 5]
    """
    t = np.dtype(dtype).type
    sample = np.asarray(u, dtype=dtype)[..., None]
    starts = np.empty((*sample.shape[:-1], o), dtype=np.int64)
    if o > 1:
        alpha = t(n - k) / t(o - 1)
        steps = np.arange(o - 1).astype(dtype)
        # int() in C++ truncates toward zero; every value here is >= 0
        starts[..., :-1] = ((steps + sample) * alpha).astype(np.int64)
        starts[..., :-1] -= (sample * alpha).astype(np.int64)
    if o > 0:
        starts[..., -1] = n - k
    return starts


def fractional_axis(u: float, n: int, o: int, k: int, dtype: Any) -> Axis:
    """The windows of one plane's axis in fractional max pooling (see
    :func:`fractional_starts`)."""
    starts = fractional_starts(u, n, o, k, dtype)
    return _uneven_axis(n, tuple(Span(int(s), k) for s in starts), "fractional", float(u))


def _uneven_axis(n: int, spans: tuple[Span, ...], kind: str, sample: float | None = None) -> Axis:
    longest = max((s.taps for s in spans), default=1)
    return Axis(n, longest, 0, 1, 0, 0, False, False, len(spans), spans, kind, sample)


def adaptive_output(h: int, w: int, output_size: OutputSize) -> tuple[int, int]:
    """``output_size`` resolved against an ``h`` x ``w`` input (None keeps that side);
    PoolvizError for a negative or non-integer size, as PyTorch refuses."""
    sizes = output_size if isinstance(output_size, tuple | list) else (output_size, output_size)
    if len(sizes) != 2:
        raise PoolvizError(
            f"output_size must be one integer or an (h, w) pair, got {len(sizes)} values"
        )
    out: list[int] = []
    for value, keep in zip(sizes, (h, w), strict=True):
        if value is None:
            out.append(keep)
            continue
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise PoolvizError(f"output_size must be integers >= 0 or None, got {value!r}")
        if value < 0:
            raise PoolvizError(
                f"output_size {tuple(sizes)} has a negative size; use integers >= 0 or None"
            )
        out.append(int(value))
    return out[0], out[1]


def adaptive_pool2d(
    x: np.ndarray,
    output_size: OutputSize,
    mode: str = "max",
    return_indices: bool = False,
) -> Any:
    """Pool ``x`` (NHWC, or (H, W), (H, W, C)) to ``output_size`` with PyTorch's adaptive
    bins (see the module docstring); returns the pooled array of the input's rank, and with
    ``return_indices`` (max only) the int64 indices. An output size of 0 gives an empty
    result; zero channels are refused for max, as PyTorch does.

    >>> adaptive_pool2d(np.arange(25.0).reshape(5, 5), 3, "avg").tolist()
    [[3.0, 4.5, 6.0], [10.5, 12.0, 13.5], [18.0, 19.5, 21.0]]
    """
    if mode not in ADAPTIVE_MODES:
        raise PoolvizError(f"unknown mode {mode!r}; use 'max' or 'avg'")
    if return_indices and mode != "max":
        raise PoolvizError(
            "indices exist for max pooling only; use mode 'max' or drop return_indices"
        )
    x4 = as_nhwc(x, empty_channels=mode == "avg")
    oh, ow = adaptive_output(x4.shape[1], x4.shape[2], output_size)
    rows, cols = _adaptive_bins(x4, oh, ow)
    if mode == "avg":
        mean = sum_divided(x4, rows, cols, _sum_dtype(x4.dtype))
        out_dtype = np.dtype(np.float64) if x4.dtype.kind in "biu" else x4.dtype
        return like_input(mean.astype(out_dtype, copy=False), np.ndim(x))
    if not return_indices:
        return like_input(max_values(x4, rows, cols), np.ndim(x))
    values, indices = argmax(x4, rows, cols)
    return like_input(values, np.ndim(x)), like_input(indices, np.ndim(x))


def _adaptive_bins(x4: np.ndarray, oh: int, ow: int) -> tuple[Bins, Bins]:
    """The adaptive bins along height and width."""
    return (
        Bins.of_axis(adaptive_axis(x4.shape[1], oh)),
        Bins.of_axis(adaptive_axis(x4.shape[2], ow)),
    )


def _sum_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype PyTorch sums in: float32 for float16 and float32, float64 for integers."""
    return np.dtype(np.float64) if dtype.kind in "biu" else np.result_type(dtype, np.float32)


def adaptive_pool2d_backward(
    x: np.ndarray, grad_output: np.ndarray, output_size: OutputSize, mode: str = "max"
) -> np.ndarray:
    """The gradient with respect to ``x`` of ``adaptive_pool2d(x, output_size, mode)``,
    given ``grad_output``: max routes each gradient to its bin's winner, average spreads
    ``grad / kh / kw`` over the bin, added in PyTorch's order."""
    if mode not in ADAPTIVE_MODES:
        raise PoolvizError(f"unknown mode {mode!r}; use 'max' or 'avg'")
    x4 = as_nhwc(x, empty_channels=mode == "avg")
    oh, ow = adaptive_output(x4.shape[1], x4.shape[2], output_size)
    rows, cols = _adaptive_bins(x4, oh, ow)
    g4 = _grad(x4, grad_output, (oh, ow), np.ndim(x))
    if mode == "max":
        return like_input(route(x4, g4, rows, cols), np.ndim(x))
    with np.errstate(over="ignore", invalid="ignore"):
        share = g4 / rows.length.astype(g4.dtype)[None, :, None, None]
        share /= cols.length.astype(g4.dtype)[None, None, :, None]
    return like_input(spread(x4, share, rows, cols), np.ndim(x))


def _grad(x4: np.ndarray, grad_output: np.ndarray, out: tuple[int, int], ndim: int) -> np.ndarray:
    """``grad_output`` checked against the pooled shape, as NHWC in the gradient dtype."""
    n, _, _, c = x4.shape
    expected = like_input(np.broadcast_to(0, (n, out[0], out[1], c)), ndim).shape
    g = np.asarray(grad_output)
    if g.shape != expected:
        raise PoolvizError(
            f"grad_output has shape {g.shape} but the pooled output has {expected}; "
            "pass one gradient per output cell"
        )
    dtype = x4.dtype if x4.dtype.kind == "f" else np.dtype(np.float64)
    return as_nhwc(g, empty_channels=True).astype(dtype, copy=False)


def fractional_samples(n: int, c: int, dtype: Any, seed: int | None = None) -> np.ndarray:
    """(N, C, 2) samples in [0, 1), width's then height's, in ``dtype``: PyTorch's
    ``_random_samples`` layout, drawn from NumPy's generator seeded with ``seed`` (None:
    fresh entropy). Rounding to float16 can reach 1.0: such a sample is the largest below."""
    values = np.random.default_rng(seed).random((n, c, 2)).astype(dtype)
    below_one = np.nextafter(np.dtype(dtype).type(1), np.dtype(dtype).type(0))
    capped: np.ndarray = np.minimum(values, below_one)
    return capped


def fractional_output(
    h: int,
    w: int,
    size: tuple[int, int],
    output_size: int | tuple[int, int] | None,
    output_ratio: float | tuple[float, float] | None,
) -> tuple[int, int]:
    """The output size of fractional max pooling from ``output_size`` or ``output_ratio``
    (``int(n * ratio)``, as ``nn.FractionalMaxPool2d``); PoolvizError where PyTorch refuses,
    and where the windows cannot fit (``out + size - 1 <= n``)."""
    if (output_size is None) == (output_ratio is None):
        raise PoolvizError(
            "fractional max pooling takes exactly one of output_size and output_ratio; "
            "pass one, such as output_size=5 or output_ratio=0.7"
        )
    if output_ratio is not None:
        ratios = output_ratio if isinstance(output_ratio, tuple | list) else (output_ratio,) * 2
        if len(ratios) != 2 or not all(
            isinstance(r, float | int) and not isinstance(r, bool) and 0 < r < 1 for r in ratios
        ):
            raise PoolvizError(
                f"output_ratio must be between 0 and 1 (got {output_ratio!r}); use one number "
                "or an (h, w) pair in (0, 1), such as 0.7"
            )
        out = (int(h * ratios[0]), int(w * ratios[1]))
    else:
        assert output_size is not None
        out = as_pair(output_size, "output_size", minimum=0)
    for name, o, k, n in (("height", out[0], size[0], h), ("width", out[1], size[1], w)):
        if o + k - 1 > n:
            raise PoolvizError(
                f"{o} windows of {k} do not fit the {name} of {n} (fractional pooling needs "
                f"output + size - 1 <= {n}); use an output {name} of at most {n - k + 1}"
            )
    return out


@dataclass(frozen=True)
class Fractional:
    """One fractional max pooling run's windows: the samples and the starts they give."""

    samples: np.ndarray
    """(N, C, 2): width's then height's sample per plane, in the input's floating type."""
    row_starts: np.ndarray
    """(N, C, oh) window starts along the height."""
    col_starts: np.ndarray
    """(N, C, ow) window starts along the width."""
    size: tuple[int, int]

    def bins(self) -> tuple[Bins, Bins]:
        """The windows of every plane along height and width."""
        kh, kw = self.size
        return Bins.per_plane(self.row_starts, kh), Bins.per_plane(self.col_starts, kw)

    def axes(self, item: int = 0, channel: int = 0) -> tuple[Axis, Axis]:
        """The windows of one plane as height and width axes."""
        kh, kw = self.size
        n_h = int(self.row_starts[item, channel, -1]) + kh if self.row_starts.shape[2] else kh
        n_w = int(self.col_starts[item, channel, -1]) + kw if self.col_starts.shape[2] else kw
        u = self.samples[item, channel]
        rows = tuple(Span(int(s), kh) for s in self.row_starts[item, channel])
        cols = tuple(Span(int(s), kw) for s in self.col_starts[item, channel])
        return (
            _uneven_axis(n_h, rows, "fractional", float(u[1])),
            _uneven_axis(n_w, cols, "fractional", float(u[0])),
        )


def fractional_windows(
    x4: np.ndarray,
    size: int | tuple[int, int],
    output_size: int | tuple[int, int] | None = None,
    output_ratio: float | tuple[float, float] | None = None,
    samples: np.ndarray | None = None,
    seed: int | None = None,
) -> Fractional:
    """The windows fractional max pooling places over the NHWC ``x4``: from ``samples`` (N, C,
    2) as PyTorch's ``_random_samples``, or drawn with ``seed``."""
    n, h, w, c = x4.shape
    k = as_pair(size, "size")
    oh, ow = fractional_output(h, w, k, output_size, output_ratio)
    dtype = x4.dtype if x4.dtype.kind == "f" else np.dtype(np.float64)
    if samples is None:
        u = fractional_samples(n, c, dtype, seed)
    else:
        u = np.asarray(samples)
        if u.shape != (n, c, 2):
            raise PoolvizError(
                f"samples have shape {u.shape}; pass one (width, height) pair per item and "
                f"channel, shape {(n, c, 2)}"
            )
        if u.dtype.kind != "f" or not ((u >= 0) & (u < 1)).all():
            raise PoolvizError("samples must be floats in [0, 1); pass PyTorch's _random_samples")
        u = u.astype(dtype, copy=False)
    return Fractional(
        u,
        fractional_starts(u[..., 1], h, oh, k[0], dtype),
        fractional_starts(u[..., 0], w, ow, k[1], dtype),
        k,
    )


def fractional_max_pool2d(
    x: np.ndarray,
    size: int | tuple[int, int],
    output_size: int | tuple[int, int] | None = None,
    output_ratio: float | tuple[float, float] | None = None,
    samples: np.ndarray | None = None,
    seed: int | None = None,
    return_indices: bool = False,
) -> Any:
    """Fractional max pooling of ``x`` (NHWC, or (H, W), (H, W, C)) with windows of ``size``
    to ``output_size`` or ``output_ratio`` (see the module docstring); returns the pooled
    array of the input's rank, and with ``return_indices`` the int64 indices. With PyTorch's
    ``samples`` the result is its ``F.fractional_max_pool2d(..., _random_samples=...)``;
    without, ``seed`` makes it reproducible (:func:`fractional_samples` gives the samples).

    >>> x = np.arange(49.0).reshape(7, 7)
    >>> fractional_max_pool2d(x, 2, 4, samples=np.full((1, 1, 2), 0.5)).tolist()[0]
    [8.0, 10.0, 12.0, 13.0]
    """
    x4 = as_nhwc(x)
    frac = fractional_windows(x4, size, output_size, output_ratio, samples, seed)
    if not return_indices:
        return like_input(max_values(x4, *frac.bins()), np.ndim(x))
    values, indices = argmax(x4, *frac.bins())
    return like_input(values, np.ndim(x)), like_input(indices, np.ndim(x))


def fractional_max_pool2d_backward(
    x: np.ndarray,
    grad_output: np.ndarray,
    size: int | tuple[int, int],
    output_size: int | tuple[int, int] | None = None,
    output_ratio: float | tuple[float, float] | None = None,
    samples: np.ndarray | None = None,
    seed: int | None = None,
) -> np.ndarray:
    """The gradient with respect to ``x`` of ``fractional_max_pool2d`` with the same
    arguments (the same ``samples`` or ``seed``), given ``grad_output``: each gradient goes to
    its window's winner."""
    x4 = as_nhwc(x)
    frac = fractional_windows(x4, size, output_size, output_ratio, samples, seed)
    rows, cols = frac.bins()
    g4 = _grad(x4, grad_output, (rows.out, cols.out), np.ndim(x))
    return like_input(route(x4, g4, rows, cols), np.ndim(x))
