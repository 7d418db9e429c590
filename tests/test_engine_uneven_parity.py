"""Adaptive and fractional max pooling against PyTorch, bit for bit (skipped without torch)."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz import PoolvizError
from poolviz.engine.uneven import (
    adaptive_pool2d,
    adaptive_pool2d_backward,
    fractional_max_pool2d,
    fractional_max_pool2d_backward,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional
DTYPES = (np.float16, np.float32, np.float64)


def nchw(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x).permute(0, 3, 1, 2)


def nhwc(t: torch.Tensor) -> np.ndarray:
    return t.permute(0, 2, 3, 1).numpy()


def random_input(rng: np.random.Generator, dtype: type) -> np.ndarray:
    n, c = (int(v) for v in rng.integers(1, 3, 2))
    h, w = (int(v) for v in rng.integers(1, [38, 42]))
    x = (rng.integers(-3, 4, (n, h, w, c)) * 1.1).astype(dtype)  # many ties
    if rng.random() < 0.2:
        x[rng.random(x.shape) < 0.1] = np.nan
    return x


@pytest.mark.parametrize("seed", range(60))
def test_adaptive_max_matches_torch(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = random_input(rng, DTYPES[seed % 3])
    out = (int(rng.integers(1, x.shape[1] + 4)), int(rng.integers(1, x.shape[2] + 4)))
    values, indices = adaptive_pool2d(x, out, "max", return_indices=True)
    tv, ti = F.adaptive_max_pool2d(nchw(x), out, return_indices=True)
    assert np.array_equal(values, nhwc(tv), equal_nan=True)
    assert np.array_equal(indices, nhwc(ti))
    if x.dtype != np.float16 and not np.isnan(x).any():
        g = rng.standard_normal(values.shape).astype(x.dtype)
        t = nchw(x).contiguous().requires_grad_()
        F.adaptive_max_pool2d(t, out).backward(nchw(g))
        assert np.array_equal(adaptive_pool2d_backward(x, g, out, "max"), nhwc(t.grad))


@pytest.mark.parametrize("seed", range(60))
def test_adaptive_avg_matches_torch(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    x = np.nan_to_num(random_input(rng, DTYPES[seed % 3]), nan=0.5)
    out = (int(rng.integers(1, x.shape[1] + 4)), int(rng.integers(1, x.shape[2] + 4)))
    t = nchw(x).contiguous().requires_grad_()
    expected = F.adaptive_avg_pool2d(t, out)
    values = adaptive_pool2d(x, out, "avg")
    assert values.dtype == x.dtype and np.array_equal(values, nhwc(expected.detach()))
    if x.dtype != np.float16:
        g = rng.standard_normal(values.shape).astype(x.dtype)
        expected.backward(nchw(g).contiguous())  # ATen's contiguous kernel, as below
        assert np.array_equal(adaptive_pool2d_backward(x, g, out, "avg"), nhwc(t.grad))


@pytest.mark.parametrize(("seed", "channels"), [(0, 16), (1, 33), (2, 64), (3, 70)])
def test_adaptive_avg_of_long_pixels_matches_torch(seed: int, channels: int) -> None:
    # pixels of 64 bytes and more are read in order before their gather (bin_average.warm)
    rng = np.random.default_rng(300 + seed)
    dtype = (np.float16, np.float32, np.float64, np.float32)[seed]
    x = rng.standard_normal((2, 23, 29, channels)).astype(dtype)
    out = (7, 10)  # bins of two lengths that overlap
    t = nchw(x).contiguous().requires_grad_()
    expected = F.adaptive_avg_pool2d(t, out)
    assert np.array_equal(adaptive_pool2d(x, out, "avg"), nhwc(expected.detach()))
    if x.dtype != np.float16:
        g = rng.standard_normal((2, *out, channels)).astype(x.dtype)
        # a contiguous gradient: ATen picks its backward kernel by the gradient's layout,
        # and its channels-last one divides by kh * kw at once (see poolviz.engine.uneven)
        expected.backward(nchw(g).contiguous())
        assert np.array_equal(adaptive_pool2d_backward(x, g, out, "avg"), nhwc(t.grad))


@pytest.mark.parametrize("seed", range(60))
def test_fractional_max_matches_torch_with_its_samples(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    x = random_input(rng, DTYPES[seed % 3])
    n, h, w, c = x.shape
    k = (int(rng.integers(1, min(h, 4) + 1)), int(rng.integers(1, min(w, 4) + 1)))
    out = (int(rng.integers(1, h - k[0] + 2)), int(rng.integers(1, w - k[1] + 2)))
    samples = rng.random((n, c, 2)).astype(x.dtype)
    samples = np.minimum(samples, np.nextafter(x.dtype.type(1), x.dtype.type(0)))
    values, indices = fractional_max_pool2d(x, k, out, samples=samples, return_indices=True)
    tv, ti = F.fractional_max_pool2d(
        nchw(x), k, output_size=out, return_indices=True, _random_samples=torch.from_numpy(samples)
    )
    assert np.array_equal(values, nhwc(tv), equal_nan=True)
    assert np.array_equal(indices, nhwc(ti))
    if x.dtype != np.float16 and not np.isnan(x).any():
        g = rng.standard_normal(values.shape).astype(x.dtype)
        t = nchw(x).contiguous().requires_grad_()
        F.fractional_max_pool2d(
            t, k, output_size=out, _random_samples=torch.from_numpy(samples)
        ).backward(nchw(g))
        grad = fractional_max_pool2d_backward(x, g, k, out, samples=samples)
        assert np.array_equal(grad, nhwc(t.grad))


def test_adaptive_edge_cases_match_torch() -> None:
    x = np.random.default_rng(0).standard_normal((2, 10, 7, 3)).astype(np.float32)
    for out in [(4, 3), (0, 3), (None, 2), (12, 9), (1, 1)]:
        for mode, fn in (("max", F.adaptive_max_pool2d), ("avg", F.adaptive_avg_pool2d)):
            got, want = adaptive_pool2d(x, out, mode), nhwc(fn(nchw(x), out))
            if mode == "avg" and out == (1, 1):
                # PyTorch hands 1x1 to input.mean(), whose reduction order is its own; poolviz
                # keeps the adaptive kernel's sum (and global_pool2d's): within float32 rounding
                np.testing.assert_allclose(got, want, rtol=2e-6, atol=0)
                continue
            assert np.array_equal(got, want), out


def test_fractional_refusals_where_torch_refuses() -> None:
    x = np.zeros((1, 7, 7, 2), dtype=np.float32)
    with pytest.raises(RuntimeError, match="too large relative to input height 7"):
        F.fractional_max_pool2d(nchw(x), 3, output_size=6)
    with pytest.raises(PoolvizError) as err:
        fractional_max_pool2d(x, 3, 6)
    assert err.value.message == (
        "6 windows of 3 do not fit the height of 7 (fractional pooling needs output + size - 1 "
        "<= 7); use an output height of at most 5"
    )


@pytest.mark.parametrize("override", [1, 3, -2, 7])
def test_divisor_override_matches_torch(override: int) -> None:
    from poolviz import pool2d, pool2d_backward

    x = (np.random.default_rng(override % 5).standard_normal((2, 9, 8, 3)) * 1.1).astype(np.float32)
    t = nchw(x).contiguous().requires_grad_()
    expected = F.avg_pool2d(t, 3, 2, 1, divisor_override=override)
    out = pool2d(x, 3, 2, 1, mode="avg", divisor_override=override)
    assert np.array_equal(out, nhwc(expected.detach()))
    g = np.random.default_rng(9).standard_normal(out.shape).astype(np.float32)
    expected.backward(nchw(g))
    grad = pool2d_backward(x, g, 3, 2, 1, mode="avg", divisor_override=override)
    assert np.array_equal(grad, nhwc(t.grad))
