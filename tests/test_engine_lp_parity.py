"""LP pooling against ``F.lp_pool2d`` on random configurations (skipped where torch is absent).

Tolerances, measured on these cases with torch 2.13 (CPU):

- p = ±inf: bit for bit (max pooling of |x|), forward and backward.
- Finite p, forward: within 4 units in the last place of each output (measured 4, at p = 1
  where average pooling adds a window in another order; 3 at p = 1.5, 2 at p = 2 and 3),
  except where a signed input makes a window's sum cancel (p = 1, 3): there ``out^p`` agrees
  within 16·eps of the window's ``Σ|x|^p`` (measured 1.4·eps at p = 1, 9.8·eps at p = 3,
  where cubing the root triples its rounding). NumPy's ``pow`` and PyTorch's vectorised one
  round differently.
- Finite p, backward: within 8·eps of the gradient's largest magnitude (measured 3.1·eps),
  for non-negative inputs and for signed ones with p = 1, 1.5, 2. A signed input with p = 3
  is left out: near a window whose sum cancels, ``sum^(1/3 − 1)`` amplifies any rounding.
- NaN where PyTorch gives NaN, nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest

from poolviz import PoolvizError, lp_pool2d, lp_pool2d_backward

torch = pytest.importorskip("torch", reason="the PyTorch parity suite needs torch (test-only)")
F = torch.nn.functional

POWERS = (1.0, 1.5, 2.0, 3.0, float("inf"), float("-inf"))
ULPS = 4
SUM_EPS = 16
GRAD_EPS = 8


@dataclass(frozen=True)
class Case:
    x: np.ndarray
    size: tuple[int, int]
    stride: tuple[int, int]
    ceil_mode: bool
    signed: bool


def cases(seed: int, count: int) -> Iterator[Case]:
    """Valid random configurations, float32 and float64, half of them with negative cells."""
    rng = np.random.default_rng(seed)
    made = 0
    while made < count:
        n, h, w, c = (int(v) for v in rng.integers(1, [3, 12, 12, 4]))
        k = (int(rng.integers(1, min(h, 4) + 1)), int(rng.integers(1, min(w, 4) + 1)))
        s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        dtype = (np.float32, np.float64)[made % 2]
        x = (rng.standard_normal((n, h, w, c)) * 2).astype(dtype)
        signed = made % 4 >= 2
        if not signed:
            x = np.abs(x)
        if rng.random() < 0.2:
            x[rng.random(x.shape) < 0.2] = 0  # whole windows of zeros: the gradient's guard
        made += 1
        yield Case(x, k, s, bool(rng.integers(0, 2)), signed)


def nchw(x: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.from_numpy(x.copy()).permute(0, 3, 1, 2).requires_grad_(grad)


def nhwc(t: torch.Tensor) -> np.ndarray:
    return t.detach().permute(0, 2, 3, 1).numpy()


def ulps(ours: np.ndarray, theirs: np.ndarray) -> float:
    """The largest difference in units in the last place of the larger of each pair."""
    assert np.array_equal(np.isnan(ours), np.isnan(theirs))
    same = np.isnan(ours) | (ours == theirs)
    spacing = np.spacing(np.maximum(np.abs(ours), np.abs(theirs)))
    return float(np.where(same, 0, np.abs(ours - theirs) / spacing).max(initial=0))


def normwise(ours: np.ndarray, theirs: np.ndarray, scale: np.ndarray | float) -> float:
    """The largest difference in eps of ``scale`` (an array of ``ours``' shape, or a number)."""
    assert np.array_equal(np.isnan(ours), np.isnan(theirs))
    keep = ~np.isnan(ours)
    eps = np.finfo(ours.dtype).eps
    scale = np.broadcast_to(scale, ours.shape)[keep]
    diff = np.abs(ours[keep] - theirs[keep])
    return float((diff / (eps * np.maximum(scale, np.finfo(ours.dtype).tiny))).max(initial=0))


@pytest.mark.parametrize("p", POWERS)
def test_forward_matches_lp_pool2d(p: float) -> None:
    worst = 0.0
    for case in cases(19, 120):
        args = (case.size, case.stride, case.ceil_mode)
        theirs = nhwc(F.lp_pool2d(nchw(case.x), p, *args))
        ours = lp_pool2d(case.x, p, *args)
        assert ours.dtype == case.x.dtype and ours.shape == theirs.shape
        if np.isinf(p):
            assert np.array_equal(ours, theirs, equal_nan=True), case
        elif case.signed and p in (1.0, 3.0):
            with np.errstate(all="ignore"):
                sums = lp_pool2d(np.abs(case.x), p, *args) ** p
                worst = max(worst, normwise(ours**p, theirs**p, sums) / SUM_EPS)
        else:
            worst = max(worst, ulps(ours, theirs) / ULPS)
    assert worst <= 1.0


@pytest.mark.parametrize("p", POWERS)
def test_backward_matches_autograd(p: float) -> None:
    worst = 0.0
    rng = np.random.default_rng(7)
    for case in cases(23, 120):
        if case.signed and p == 3.0:
            continue
        args = (case.size, case.stride, case.ceil_mode)
        t = nchw(case.x, grad=True)
        out = F.lp_pool2d(t, p, *args)
        g = rng.standard_normal(nhwc(out).shape).astype(case.x.dtype)
        out.backward(nchw(g))
        theirs = nhwc(t.grad)
        ours = lp_pool2d_backward(case.x, g, p, *args)
        assert ours.dtype == case.x.dtype
        if np.isinf(p):
            assert np.array_equal(ours, theirs, equal_nan=True), case
        else:
            scale = float(np.nanmax(np.abs(theirs), initial=0))
            worst = max(worst, normwise(ours, theirs, scale) / GRAD_EPS)
    assert worst <= 1.0


def test_nan_and_negative_sums_as_pytorch() -> None:
    x = np.array([[[[-3.0], [1.0], [np.nan], [2.0]]]])  # (1, 1, 4, 1)
    for p in (1.0, 1.5, 2.0, 3.0):
        ours = lp_pool2d(x, p, (1, 2))
        theirs = nhwc(F.lp_pool2d(nchw(x), p, (1, 2)))
        assert np.array_equal(np.isnan(ours), np.isnan(theirs)), p


def test_window_too_large_is_refused_as_pytorch_refuses() -> None:
    x = np.ones((1, 2, 2, 1))
    with pytest.raises(RuntimeError):
        F.lp_pool2d(nchw(x), 2.0, 3)
    with pytest.raises(PoolvizError):
        lp_pool2d(x, 2.0, 3)
