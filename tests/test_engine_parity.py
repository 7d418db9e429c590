"""The engine against PyTorch on randomised configurations (skipped where torch is absent)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest

from poolviz import PoolvizError, max_unpool2d, pool2d, pool2d_backward

torch = pytest.importorskip("torch")
F = torch.nn.functional


@dataclass(frozen=True)
class Case:
    x: np.ndarray
    size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    ceil_mode: bool

    @property
    def kwargs(self) -> dict[str, object]:
        return {"dilation": self.dilation, "ceil_mode": self.ceil_mode}

    def tensor(self) -> torch.Tensor:
        return torch.from_numpy(self.x).permute(0, 3, 1, 2)  # NHWC memory as NCHW channels_last


def cases(seed: int, count: int) -> Iterator[Case]:
    """Valid random configurations, with ties, NaN and -inf mixed in."""
    rng = np.random.default_rng(seed)
    made = 0
    while made < count:
        k = tuple(int(v) for v in rng.integers(1, 5, 2))
        s = tuple(int(v) for v in rng.integers(1, 4, 2))
        d = tuple(int(v) for v in rng.integers(1, 3, 2))
        p = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
        n, h, w, c = (int(v) for v in rng.integers(1, [3, 11, 11, 4]))
        x = rng.integers(-3, 4, (n, h, w, c)).astype(np.float32)  # small ints: many ties
        if rng.random() < 0.2:
            x[rng.random(x.shape) < 0.2] = np.nan
        if rng.random() < 0.1:
            x[rng.random(x.shape) < 0.3] = -np.inf
        case = Case(x, k, s, p, d, bool(rng.integers(0, 2)))  # type: ignore[arg-type]
        try:
            pool2d(case.x, case.size, case.stride, case.padding, **case.kwargs)  # type: ignore[arg-type]
        except PoolvizError:
            continue
        made += 1
        yield case


def nhwc(t: torch.Tensor) -> np.ndarray:
    return t.permute(0, 2, 3, 1).numpy()


@pytest.mark.parametrize(
    "case",
    list(cases(0, 300)),
    ids=lambda c: f"{c.size}{c.stride}{c.padding}{c.dilation}{c.ceil_mode}{c.x.shape}",
)
def test_max_pool_matches_torch(case: Case) -> None:
    values, indices = pool2d(
        case.x, case.size, case.stride, case.padding, return_indices=True, **case.kwargs
    )  # type: ignore[arg-type]
    tv, ti = F.max_pool2d(
        case.tensor(),
        case.size,
        case.stride,
        case.padding,
        case.dilation,
        case.ceil_mode,
        return_indices=True,
    )
    assert np.array_equal(values, nhwc(tv), equal_nan=True)
    real = indices >= 0  # torch leaves an out-of-range index on windows over padding alone
    assert np.array_equal(indices[real], nhwc(ti)[real])
    assert np.all(values[~real] == -np.inf)
    if real.all():
        t = case.tensor().contiguous().requires_grad_()
        g = np.random.default_rng(1).standard_normal(values.shape).astype(np.float32)
        F.max_pool2d(
            t, case.size, case.stride, case.padding, case.dilation, case.ceil_mode
        ).backward(torch.from_numpy(g).permute(0, 3, 1, 2))
        grad = pool2d_backward(case.x, g, case.size, case.stride, case.padding, **case.kwargs)  # type: ignore[arg-type]
        assert np.array_equal(grad, nhwc(t.grad))


@pytest.mark.parametrize(
    ("shape", "size", "stride", "padding"),
    [
        ((2, 1, 32767, 2), 3, 2, 1),  # a plane of 32767 cells: int16 starts
        ((2, 1, 32768, 2), 3, 2, 1),  # one more: int32 starts
        ((2, 181, 181, 2), (3, 5), (1, 2), (1, 2)),  # 16-bit codes plus 16-bit starts
        ((2, 1, 16383, 1), 5, (1, 2), 2),  # the lowest start: -(2 * 16383 + 2) = -32768, int16
        ((2, 1, 8192, 4), (1, 3), (1, 2), (0, 1)),  # backward's whole starts: H*W*C = 32768
        ((2, 160, 160, 64), 3, 2, 1),  # backward in many bands of rows, band by band
    ],
    ids=lambda v: str(v),
)
def test_max_pool_index_types_and_bands_match_torch(
    shape: tuple[int, int, int, int],
    size: int | tuple[int, int],
    stride: int | tuple[int, int],
    padding: int | tuple[int, int],
) -> None:
    """Where the window starts change type (int16, int32) and where backward's tiles run band
    by band across the items, values, indices and the gradient are still PyTorch's."""
    rng = np.random.default_rng(7)
    x = np.round(rng.standard_normal(shape) * 2).astype(np.float32)  # many ties
    values, indices = pool2d(x, size, stride, padding, return_indices=True)
    t = torch.from_numpy(x).permute(0, 3, 1, 2).requires_grad_()
    tv, ti = F.max_pool2d(t, size, stride, padding, return_indices=True)
    assert np.array_equal(values, nhwc(tv.detach()))
    assert np.array_equal(indices, nhwc(ti))
    g = rng.standard_normal(values.shape).astype(np.float32)
    tv.backward(torch.from_numpy(g).permute(0, 3, 1, 2))
    assert np.array_equal(pool2d_backward(x, g, size, stride, padding), nhwc(t.grad))


@pytest.mark.parametrize(
    "case",
    [c for c in cases(2, 300) if c.dilation == (1, 1)],
    ids=lambda c: f"{c.size}{c.stride}{c.padding}{c.ceil_mode}{c.x.shape}",
)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool_matches_torch(case: Case, count_include_pad: bool) -> None:
    x = np.nan_to_num(case.x, nan=0.5, neginf=-2.5)
    x = x * np.float32(1.1)  # non-integers, so summation order could show
    t = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().requires_grad_()
    expected = F.avg_pool2d(
        t, case.size, case.stride, case.padding, case.ceil_mode, count_include_pad
    )
    out = pool2d(
        x,
        case.size,
        case.stride,
        case.padding,
        mode="avg",
        ceil_mode=case.ceil_mode,
        count_include_pad=count_include_pad,
    )
    # bit for bit: both add a window's cells from 0, row by row, left to right
    assert np.array_equal(out, nhwc(expected.detach()))
    g = np.random.default_rng(3).standard_normal(out.shape).astype(np.float32)
    expected.backward(torch.from_numpy(g).permute(0, 3, 1, 2))
    grad = pool2d_backward(
        x,
        g,
        case.size,
        case.stride,
        case.padding,
        mode="avg",
        ceil_mode=case.ceil_mode,
        count_include_pad=count_include_pad,
    )
    assert np.array_equal(grad, nhwc(t.grad))


@pytest.mark.parametrize(
    "case",
    [c for c in cases(5, 60) if c.dilation == (1, 1)],
    ids=lambda c: f"{c.size}{c.stride}{c.padding}{c.ceil_mode}{c.x.shape}",
)
@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_avg_pool_in_half_and_double_matches_torch_bit_for_bit(case: Case, dtype: type) -> None:
    x = (np.nan_to_num(case.x, nan=0.5, neginf=-2.5) * 1.1).astype(dtype)
    t = torch.from_numpy(x).permute(0, 3, 1, 2)
    expected = F.avg_pool2d(t, case.size, case.stride, case.padding, case.ceil_mode, False)
    out = pool2d(
        x,
        case.size,
        case.stride,
        case.padding,
        mode="avg",
        ceil_mode=case.ceil_mode,
        count_include_pad=False,
    )
    assert out.dtype == dtype and np.array_equal(out, nhwc(expected))


@pytest.mark.parametrize(
    "case",
    [c for c in cases(4, 200) if c.dilation == (1, 1)],
    ids=lambda c: f"{c.size}{c.stride}{c.padding}{c.ceil_mode}{c.x.shape}",
)
def test_max_unpool_matches_torch(case: Case) -> None:
    values, indices = pool2d(
        case.x, case.size, case.stride, case.padding, ceil_mode=case.ceil_mode, return_indices=True
    )
    tv, ti = F.max_pool2d(
        case.tensor(), case.size, case.stride, case.padding, 1, case.ceil_mode, return_indices=True
    )
    target = case.x.shape[1:3]
    try:
        expected = F.max_unpool2d(tv, ti, case.size, case.stride, case.padding, output_size=target)
    except (ValueError, RuntimeError):
        pytest.skip("torch refuses this output size")
    out = max_unpool2d(values, indices, case.size, case.stride, case.padding, output_size=target)
    assert np.array_equal(out, nhwc(expected), equal_nan=True)


@pytest.mark.parametrize("seed", range(40))
def test_padding_per_side_matches_torch_after_f_pad(seed: int) -> None:
    # PyTorch pads both ends alike; F.pad with -inf (max) or 0 (average, padding counted) is
    # the same layer as poolviz's padding per side (top, left, bottom, right)
    rng = np.random.default_rng(seed)
    k = tuple(int(v) for v in rng.integers(2, 5, 2))
    s = tuple(int(v) for v in rng.integers(1, 4, 2))
    pads = tuple(int(rng.integers(0, k[i % 2])) for i in range(4))
    x = (rng.integers(-3, 4, (2, 9, 8, 3)) * 1.1).astype(np.float32)
    t = torch.from_numpy(x).permute(0, 3, 1, 2)
    top, left, bottom, right = pads
    for mode, fill in (("max", float("-inf")), ("avg", 0.0)):
        try:
            out = pool2d(x, k, s, pads, mode=mode)  # type: ignore[arg-type]
        except PoolvizError:
            continue
        padded = F.pad(t, (left, right, top, bottom), value=fill)
        pool = F.max_pool2d if mode == "max" else F.avg_pool2d
        assert np.array_equal(out, nhwc(pool(padded, k, s)))
