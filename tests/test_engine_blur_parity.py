"""Blur pooling against the PyTorch composition antialiased-cnns builds (skipped where torch is
absent): ``max_pool2d(x, k, stride=1)``, ``F.pad(..., mode='reflect')`` by ``(f − 1)//2``
before and ``ceil((f − 1)/2)`` after, a depthwise ``conv2d`` with the normalised binomial
filter and stride ``s`` (one tap: ``[::s, ::s]``, as their ``BlurPool``).

Tolerances, measured on these cases with torch 2.13 (CPU): the max stage and the one-tap
filter bit for bit; the output within 8 units in the last place for non-negative inputs
(measured 2 for 2-3 taps, up to 5 for 7 taps: ``conv2d`` adds the taps in its own order)
and within 4·eps of the largest output magnitude for signed ones (measured 3.6·eps; a
weighted sum of mixed signs cancels); the gradient within 4·eps of its largest magnitude
(measured 1.6·eps).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from poolviz import blur_pool2d, blur_pool2d_backward, pool2d
from poolviz.engine.blur import blur_filter, blur_padding

torch = pytest.importorskip("torch", reason="the PyTorch parity suite needs torch (test-only)")
F = torch.nn.functional

ULPS = 8
EPS = 4

Config = tuple[np.ndarray, tuple[int, int], tuple[int, int], int]


def cases(seed: int, count: int) -> Iterator[Config]:
    """Random inputs (float32 and float64, half non-negative), windows, strides and every
    filter size, on maps large enough to reflect."""
    rng = np.random.default_rng(seed)
    for made in range(count):
        f = made % 7 + 1
        n, h, w, c = (int(v) for v in rng.integers([1, 6, 6, 1], [3, 15, 15, 4]))
        k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        x = rng.standard_normal((n, h, w, c)).astype((np.float32, np.float64)[made % 2])
        yield (np.abs(x) if made % 4 < 2 else x), k, s, f


def nchw(x: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.from_numpy(x.copy()).permute(0, 3, 1, 2).requires_grad_(grad)


def nhwc(t: torch.Tensor) -> np.ndarray:
    return t.detach().permute(0, 2, 3, 1).numpy()


def torch_blur(t: torch.Tensor, k: tuple[int, int], s: tuple[int, int], f: int) -> torch.Tensor:
    m = F.max_pool2d(t, k, 1)
    if f == 1:
        return m[:, :, :: s[0], :: s[1]]
    before, after = blur_padding(f)
    padded = F.pad(m, (before, after, before, after), mode="reflect")
    weights = torch.from_numpy(blur_filter(f, nhwc(t).dtype))[None, None]
    return F.conv2d(padded, weights.repeat(t.shape[1], 1, 1, 1), stride=s, groups=t.shape[1])


def ulps(ours: np.ndarray, theirs: np.ndarray) -> float:
    same = ours == theirs
    spacing = np.spacing(np.maximum(np.abs(ours), np.abs(theirs)))
    return float(np.where(same, 0, np.abs(ours - theirs) / spacing).max(initial=0))


def normwise(ours: np.ndarray, theirs: np.ndarray) -> float:
    scale = float(np.abs(theirs).max(initial=0))
    if scale == 0:
        return 0.0 if not ours.any() else np.inf
    return float(np.abs(ours - theirs).max() / (np.finfo(ours.dtype).eps * scale))


def test_max_stage_is_bit_exact() -> None:
    for x, k, _, _ in cases(1, 40):
        assert np.array_equal(pool2d(x, k, 1), nhwc(F.max_pool2d(nchw(x), k, 1)))


@pytest.mark.parametrize("filter_size", range(1, 8))
def test_forward_matches_the_composition(filter_size: int) -> None:
    worst = 0.0
    for made, (x, k, s, f) in enumerate(cases(2, 140)):
        if f != filter_size:
            continue
        theirs = nhwc(torch_blur(nchw(x), k, s, f))
        ours = blur_pool2d(x, k, s, f)
        assert ours.shape == theirs.shape and ours.dtype == x.dtype
        if made % 4 < 2:
            worst = max(worst, ulps(ours, theirs) / ULPS)
        else:
            worst = max(worst, normwise(ours, theirs) / EPS)
    assert worst <= 1.0


@pytest.mark.parametrize("filter_size", range(1, 8))
def test_backward_matches_autograd(filter_size: int) -> None:
    worst = 0.0
    rng = np.random.default_rng(3)
    for x, k, s, f in cases(4, 140):
        if f != filter_size:
            continue
        t = nchw(x, grad=True)
        out = torch_blur(t, k, s, f)
        g = rng.standard_normal(nhwc(out).shape).astype(x.dtype)
        out.backward(nchw(g))
        ours = blur_pool2d_backward(x, g, k, s, f)
        assert ours.dtype == x.dtype
        worst = max(worst, normwise(ours, nhwc(t.grad)) / EPS)
    assert worst <= 1.0


def test_a_map_too_small_to_reflect_is_refused_by_both() -> None:
    x = np.ones((1, 4, 4, 1))
    with pytest.raises(RuntimeError, match="Padding size should be less"):
        torch_blur(nchw(x), (2, 2), (2, 2), 7)
    with pytest.raises(ValueError, match="reflects 3 cells past the edge of a 3x3 max map"):
        blur_pool2d(x, 2, 2, 7)
