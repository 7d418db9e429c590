"""LP (power-average) pooling, forward and backward, as PyTorch's ``F.lp_pool2d`` computes it.

PyTorch does not evaluate the textbook ``(Σ x^p)^(1/p)`` (Sermanet et al., 2012) directly.
For finite ``p`` it is an average pooling of ``x^p`` (padding 0, the divisor counting real cells
only) multiplied back by ``k_h·k_w`` and raised to ``1/p``, so:

- a ceil-mode window hanging off the edge gives the *mean* of its real cells times
  ``k_h·k_w``, not their sum;
- the cells are not made non-negative: with an odd or fractional ``p`` a window's sum can be
  negative, and a negative sum raised to a fractional ``1/p`` is NaN (``p = 1`` keeps the
  negative sum);
- ``sign(s)·relu(|s|)`` guards the sum ``s``: it changes no value, but the gradient is 0
  wherever a window's sum is exactly 0 (instead of the ``0^(1/p − 1)`` of the formula).

For ``p = +inf`` it is ``max_pool2d(|x|)``; for ``p = −inf``, ``−max_pool2d(−|x|)`` (the
smallest magnitude, negated twice). Both are computed by :func:`pool2d`, so they are PyTorch's
to the bit. The finite powers go through NumPy's ``pow`` where PyTorch uses its own vectorised
kernel, so they agree within a few units in the last place (the parity tests state the bound);
the exponents PyTorch special-cases (0, ±0.5, 1, ±1, 2, 3, −2) are computed as it does, exactly.

Integer inputs are pooled as float64 (PyTorch refuses them); float dtypes are kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from poolviz.engine.backward import pool2d_backward
from poolviz.engine.geometry import IntPair, PoolSpec
from poolviz.engine.pooling import pool2d
from poolviz.engine.windows import TILE_BYTES, as_nhwc, like_input
from poolviz.errors import PoolvizError


def lp_pool2d(
    x: np.ndarray,
    norm_type: float,
    size: IntPair,
    stride: IntPair | None = None,
    ceil_mode: bool = False,
) -> np.ndarray:
    """LP pooling of ``x`` (NHWC, or (H, W) / (H, W, C)) with power ``norm_type``, windows of
    ``size``, ``stride`` (None: the size) and no padding, as ``F.lp_pool2d``.

    >>> x = np.array([[3.0, 4.0], [0.0, 0.0]])
    >>> lp_pool2d(x, 2, 2)
    array([[5.]])
    >>> lp_pool2d(np.array([[-3.0, 1.0]]), 1, (1, 2)), lp_pool2d(np.array([[-3.0, 1.0]]), 3, (1, 2))
    (array([[-2.]]), array([[nan]]))
    """
    p = _norm(norm_type)
    xf = _as_float(x)
    if math.isinf(p):
        magnitude = np.abs(xf)
        if p > 0:
            return pool2d(magnitude, size, stride, ceil_mode=ceil_mode)
        return -pool2d(-magnitude, size, stride, ceil_mode=ceil_mode)
    kh, kw = _window(size)
    with np.errstate(all="ignore"):  # as PyTorch, silently: overflow to inf, NaN roots
        total = _guard(_mean_of_powers(xf, p, size, stride, ceil_mode))
        total *= xf.dtype.type(kh * kw)
        return torch_pow(total, 1.0 / p)


def lp_pool2d_backward(
    x: np.ndarray,
    grad_output: np.ndarray,
    norm_type: float,
    size: IntPair,
    stride: IntPair | None = None,
    ceil_mode: bool = False,
) -> np.ndarray:
    """The gradient with respect to ``x`` of a loss whose gradient with respect to
    ``lp_pool2d(x, norm_type, size, stride, ceil_mode)`` is ``grad_output``: PyTorch's
    autograd through the same steps (``pow``, average pooling, the guard, ``pow(1/p)``).

    Where a window's sum is 0 its gradient is 0 (the guard); every cell's share is multiplied
    by ``p·x^(p−1)``, so a cell no window reads still gets NaN when that factor is infinite.
    For ``p = ±inf`` each window's gradient goes to its largest (smallest) magnitude, times
    the sign of the cell (0 for 0 and NaN, as ``torch.sgn``).

    >>> lp_pool2d_backward(np.array([[3.0, 4.0]]), np.ones((1, 1)), 2, (1, 2))
    array([[0.6, 0.8]])
    """
    p = _norm(norm_type)
    xf = _as_float(x)
    g = np.asarray(grad_output)
    with np.errstate(all="ignore"):
        if math.isinf(p):
            magnitude = np.abs(xf)
            if p < 0:
                np.negative(magnitude, out=magnitude)
            g_mag = pool2d_backward(magnitude, g, size, stride, ceil_mode=ceil_mode)
            del magnitude
            return _scaled(g_mag, xf, _sgn)
        kh, kw = _window(size)
        one = xf.dtype.type
        mean = _mean_of_powers(xf, p, size, stride, ceil_mode)
        total = _guard(mean) * one(kh * kw)
        # d/d total of total^(1/p): (1/p)·total^(1/p − 1), as torch's pow_backward
        g_total = g.astype(xf.dtype, copy=False) * _scalar_pow_grad(total, 1.0 / p)
        del total
        g_total *= one(kh * kw)
        g_mean = np.where(mean == 0, one(0), g_total)  # the sign·relu guard
        del mean, g_total  # the output-sized steps, before the input-sized gradient
        # average pooling's backward reads only the shape and dtype of x^p, which are xf's
        g_powered = pool2d_backward(xf, g_mean, size, stride, ceil_mode=ceil_mode, mode="avg")
        return _scaled(g_powered, xf, lambda part: _scalar_pow_grad(part, p))


def _scaled(
    grad: np.ndarray, xf: np.ndarray, factor: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """``grad * factor(xf)`` into ``grad``, a run of cells at a time: the factor never exists
    for the whole input (an elementwise product, so the same numbers)."""
    flat_grad, flat_x = grad.reshape(-1), xf.reshape(-1)
    step = max(1, TILE_BYTES // xf.itemsize)
    for i in range(0, flat_x.size, step):
        part = flat_grad[i : i + step]
        np.multiply(part, factor(flat_x[i : i + step]), out=part)
    return flat_grad.reshape(grad.shape)


def torch_pow(x: np.ndarray, exponent: float) -> np.ndarray:
    """``x ** exponent`` elementwise as ``torch.pow(tensor, scalar)`` rounds it on the CPU: the
    exponents it special-cases (0, 1, ±0.5, −1, 2, 3, −2) by the same products, roots and
    reciprocals, bit for bit; any other through ``pow`` in float64, rounded once to
    ``x``'s dtype (PyTorch's vectorised ``pow`` may differ in the last bit)."""
    one = x.dtype.type(1)
    result: np.ndarray
    if exponent == 0:
        result = np.ones_like(x)
    elif exponent == 1:
        result = x.copy()
    elif exponent == 0.5:
        result = np.sqrt(x)
    elif exponent == -0.5:
        result = one / np.sqrt(x)
    elif exponent == -1:
        result = one / x
    elif exponent == 2:
        result = x * x
    elif exponent == 3:
        result = x * x * x
    elif exponent == -2:
        result = one / (x * x)
    else:
        result = np.power(x.astype(np.float64), exponent).astype(x.dtype, copy=False)
    return result


def _scalar_pow_grad(x: np.ndarray, exponent: float) -> np.ndarray:
    """``exponent · x^(exponent − 1)``, torch's ``pow_backward`` factor (0 for exponent 0)."""
    if exponent == 0:
        return np.zeros_like(x)
    factor: np.ndarray = x.dtype.type(exponent) * torch_pow(x, exponent - 1.0)
    return factor


def _guard(s: np.ndarray) -> np.ndarray:
    """``sign(s)·relu(|s|)``: ``s`` itself, except that −0 becomes +0 (NaN stays NaN), as
    ``s + 0`` is: one pass, where a test and a select took three."""
    guarded: np.ndarray = s + s.dtype.type(0)
    return guarded


LP_CHUNK_BYTES = 4 << 20
"""Input bytes whose powers :func:`_mean_of_powers` pools at a time (one ResNet stem item)."""


def _mean_of_powers(
    xf: np.ndarray, p: float, size: IntPair, stride: IntPair | None, ceil_mode: bool
) -> np.ndarray:
    """``avg_pool2d(x^p)`` (padding 0, PyTorch's divisor) of the float ``xf``, a few items of
    a batch at a time: a chunk's powers are pooled while still in cache, where a whole
    batch's went out to memory and back (a ResNet stem's 51 MB: LP p=2 took 30 ms, 24 so)."""
    step = max(1, LP_CHUNK_BYTES // max(1, xf[:1].nbytes))
    if xf.ndim != 4 or len(xf) <= step:
        return pool2d(torch_pow(xf, p), size, stride, ceil_mode=ceil_mode, mode="avg")
    return np.concatenate(
        [
            pool2d(torch_pow(xf[i : i + step], p), size, stride, ceil_mode=ceil_mode, mode="avg")
            for i in range(0, len(xf), step)
        ]
    )


def _sgn(x: np.ndarray) -> np.ndarray:
    """``torch.sgn`` for real ``x``: −1, 0 or 1, and 0 for NaN (NumPy's ``sign`` gives NaN)."""
    sign: np.ndarray = np.where(np.isnan(x), x.dtype.type(0), np.sign(x))
    return sign


def _norm(norm_type: float) -> float:
    """``norm_type`` checked: any real number but 0 and NaN (PyTorch would divide by it)."""
    if isinstance(norm_type, bool) or not isinstance(norm_type, int | float | np.number):
        raise PoolvizError(f"norm_type must be a number, got {norm_type!r}")
    p = float(norm_type)
    if p == 0 or math.isnan(p):
        raise PoolvizError(f"norm_type {norm_type} has no 1/p; use a nonzero number or inf")
    return p


def _window(size: IntPair) -> tuple[int, int]:
    """The window's (kh, kw), validated as :func:`pool2d` validates it."""
    kh, kw = PoolSpec.make(size).size
    return kh, kw


def _as_float(x: np.ndarray) -> np.ndarray:
    """``x`` as an array of its own float dtype, or float64 for integers and booleans."""
    as_nhwc(x)  # refuses what pooling refuses (rank, dtype, an empty plane)
    arr = np.asarray(x)
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


@dataclass(frozen=True)
class LPRun:
    """One LP pooling with the textbook's numbers beside PyTorch's, for a report to show
    where they part (all NHWC)."""

    input: np.ndarray
    output: np.ndarray
    """PyTorch's numbers (:func:`lp_pool2d`)."""
    textbook: np.ndarray
    """``(Σ |x|^p)^(1/p)`` over each window's real cells, in float64 (max / min |x| for
    p = ±inf)."""
    real_cells: np.ndarray
    """(oh, ow) real cells in each window (fewer than ``kh·kw`` where ceil mode overhangs)."""
    norm_type: float
    size: tuple[int, int]
    stride: tuple[int, int]

    input_ndim: int = 4
    """Rank of the array the user passed (2, 3 or 4), for results in the same layout."""
    ceil_mode: bool = False

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """:func:`lp_pool2d_backward` of this run (NHWC ``grad_output``; NHWC result)."""
        return lp_pool2d_backward(
            self.input, grad_output, self.norm_type, self.size, self.stride, self.ceil_mode
        )

    def output_like_input(self) -> np.ndarray:
        """The output in the layout the user passed."""
        return like_input(self.output, self.input_ndim)

    def window_powers(self, cells: np.ndarray) -> np.ndarray:
        """``x^p`` of a window's ``cells`` in the input's dtype, rounded as PyTorch's
        ``pow`` rounds them (:func:`torch_pow`): the terms a report lists."""
        return torch_pow(cells.astype(self.input.dtype), self.norm_type)

    def window_total(self, powers: np.ndarray) -> float:
        """The sum PyTorch takes the p-th root of, from a window's real cells' ``powers``:
        their sum, or where ceil mode overhangs the edge their mean times ``kh·kw``."""
        with np.errstate(all="ignore"):
            total = float(powers.sum())
        full = self.size[0] * self.size[1]
        return total / powers.size * full if powers.size < full else total

    def departures(self, item: int = 0, channel: int = 0) -> list[tuple[int, int, str]]:
        """Output cells (i, j) of one plane where PyTorch's number is not the textbook's
        (beyond float32 rounding), with why: ``overhang`` (ceil mode: the mean of the real
        cells times kh·kw), ``negative`` (cells are not made positive), ``NaN`` (a negative
        sum under a fractional root)."""
        ours = self.output[item, :, :, channel].astype(np.float64)
        book = self.textbook[item, :, :, channel]
        plane = self.input[item, :, :, channel]
        full = self.size[0] * self.size[1]
        out: list[tuple[int, int, str]] = []
        for (i, j), value in np.ndenumerate(ours):
            if np.isclose(value, book[i, j], rtol=1e-6, atol=0) or (
                np.isnan(value) and np.isnan(book[i, j])
            ):
                continue
            reasons = []
            if np.isnan(value):
                reasons.append("a negative sum under a fractional root: NaN")
            elif self.real_cells[i, j] < full:
                reasons.append("overhang")
            window = plane[i * self.stride[0] :, j * self.stride[1] :][
                : self.size[0], : self.size[1]
            ]
            if (window < 0).any() and not np.isnan(value):
                reasons.append("negative")
            out.append((i, j, " and ".join(reasons) or "rounding"))
        return out


def explain_lp(
    x: np.ndarray,
    norm_type: float,
    size: IntPair,
    stride: IntPair | None = None,
    ceil_mode: bool = False,
) -> LPRun:
    """:func:`lp_pool2d` of ``x`` with the textbook formula's numbers beside it."""
    p = _norm(norm_type)
    xf = as_nhwc(_as_float(x))
    output = as_nhwc(lp_pool2d(xf, p, size, stride, ceil_mode))
    spec = PoolSpec.make(size, stride, ceil_mode=ceil_mode)
    rows, cols = spec.axes(xf.shape[1], xf.shape[2])
    real = np.outer(
        [len(rows.real_taps(i)) for i in range(rows.out)],
        [len(cols.real_taps(j)) for j in range(cols.out)],
    )
    magnitude = np.abs(xf).astype(np.float64)
    with np.errstate(all="ignore"):
        if math.isinf(p):
            textbook = pool2d(magnitude if p > 0 else -magnitude, size, stride, ceil_mode=ceil_mode)
            textbook = textbook if p > 0 else -textbook
        else:
            mean = pool2d(magnitude**p, size, stride, ceil_mode=ceil_mode, mode="avg")
            textbook = (mean * real[None, :, :, None]) ** (1.0 / p)
    return LPRun(xf, output, textbook, real, p, spec.size, spec.stride, np.ndim(x), bool(ceil_mode))
