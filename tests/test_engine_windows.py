"""The windowing fast path: tap lists, tiles, and results that span many tiles, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz import PoolvizError, pool2d, pool2d_backward
from poolviz.engine.geometry import axis
from poolviz.engine.windows import axis_taps, phase_taps, spare_phase, tiles

AXES = [
    axis(n, k, s, p, d, ceil)
    for n in (1, 2, 5, 9, 16)
    for k in (1, 2, 3, 4)
    for s in (1, 2, 3)
    for p in range(k // 2 + 1)
    for d in (1, 2, 3)
    for ceil in (False, True)
    if (n + 2 * p - d * (k - 1) - 1) // s + 1 >= 1
]


@pytest.mark.parametrize("ax", AXES, ids=str)
def test_taps_split_each_window_into_its_first_real_cell_and_the_rest(ax: object) -> None:
    for lo, hi in ((0, ax.out), (ax.out // 2, ax.out)):  # type: ignore[attr-defined]
        seen: dict[int, list[int]] = {}
        for tap in axis_taps(ax, lo, hi):  # type: ignore[arg-type]
            outs = range(hi - lo)[tap.out]
            inps = range(ax.n)[tap.inp]  # type: ignore[attr-defined]
            assert list(inps) == [ax.start(lo + i) + tap.offset * ax.dilation for i in outs]  # type: ignore[attr-defined]
            for k, i in enumerate(outs):
                assert (k < tap.fresh) == (i not in seen)
                seen.setdefault(i, []).append(tap.offset)
        for i in range(hi - lo):
            real = [j for j, t in enumerate(ax.taps(lo + i)) if 0 <= t < ax.n]  # type: ignore[attr-defined]
            assert seen.get(i, []) == real


@pytest.mark.parametrize("ax", AXES, ids=str)
def test_a_spare_phase_is_read_by_its_tap_alone_at_the_outputs_own_positions(ax: object) -> None:
    spare = spare_phase(ax)  # type: ignore[arg-type]
    read = phase_taps(ax)  # type: ignore[arg-type]
    if spare is None:
        return
    phase, tap = read[spare]
    assert [p for p, _ in read].count(phase) == 1
    assert tap.inp == tap.out
    assert spare == 0 or axis_taps(ax)[1].fresh < len(range(ax.out)[tap.out])  # type: ignore[arg-type,attr-defined]


def test_the_resnet_stem_folds_its_columns_into_the_even_phase() -> None:
    ax = axis(112, 3, 2, 1)
    assert spare_phase(ax) == 1  # the tap at offset 1 reads columns 0, 2, ...
    assert phase_taps(ax)[1][0] == 0
    assert spare_phase(axis(112, 5, 2, 2)) is None  # offsets 0, 2 and 4 share a phase...
    assert spare_phase(axis(112, 3, 1, 1)) is None  # ...and without a stride nothing is split


@pytest.mark.parametrize("rows", [axis(300, 3, 2, 1), axis(37, 2, 2), axis(9, 3, 1, 1, 2)])
@pytest.mark.parametrize("n,row_bytes", [(1, 1 << 17), (5, 1 << 10), (40, 100)])
def test_tiles_cover_every_output_row_once(rows: object, n: int, row_bytes: int) -> None:
    covered = np.zeros((n, rows.out), dtype=int)  # type: ignore[attr-defined]
    for tile in tiles(n, rows, row_bytes):  # type: ignore[arg-type]
        covered[tile.items, tile.rows] += 1
        lo = tile.rows.start
        for tap in tile.row_taps:
            first = range(rows.out)[tap.out][0] + lo  # type: ignore[attr-defined]
            assert tile.inp.start + tap.inp.start == rows.start(first) + tap.offset * rows.dilation  # type: ignore[attr-defined]
    assert (covered == 1).all()


def test_a_tie_between_signed_zeros_keeps_the_first() -> None:
    plus_first = np.array([[0.0, -0.0], [-0.0, -0.0]], dtype=np.float32)
    assert not np.signbit(pool2d(plus_first, 2)).any()
    assert np.signbit(pool2d(-plus_first, 2)).all()
    assert pool2d(-plus_first, 2, return_indices=True)[1].tolist() == [[0]]
    # rows first would find +0.0 (first in column-major order); row-major order finds -0.0
    x = np.array([[-1.0, -0.0], [0.0, -1.0]], dtype=np.float32)
    assert np.signbit(pool2d(x, 2)).all() and not np.signbit(pool2d(x.T, 2)).any()


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.bool_])
def test_small_integers_sum_without_wrapping(dtype: type) -> None:
    x = np.full((5, 5), np.iinfo(dtype).max if dtype != np.bool_ else True, dtype=dtype)
    expected = float(x[0, 0])
    assert (pool2d(x, 3, 1, 1, mode="avg", count_include_pad=False) == expected).all()
    assert (pool2d(x, 2, mode="avg") == expected).all()


def test_no_items_give_empty_results() -> None:
    shape = (0, 6, 6, 3)
    x = np.zeros(shape, dtype=np.float32)
    g = np.zeros((0, 3, 3, 3), dtype=np.float32)
    values, indices = pool2d(x, 2, return_indices=True)
    assert values.shape == indices.shape == g.shape
    assert pool2d(x, 2, mode="avg").shape == g.shape
    assert pool2d_backward(x, g, 2).shape == pool2d_backward(x, g, 2, mode="avg").shape == shape


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_no_channels_are_refused_as_pytorch_does(mode: str) -> None:
    # PyTorch: "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size"
    with pytest.raises(PoolvizError) as err:
        pool2d(np.zeros((2, 6, 6, 0)), 2, mode=mode)
    assert err.value.message == (
        "input has 0 channels; every axis but the batch must be at least 1 "
        "(an empty batch, N = 0, is fine)"
    )


def test_strided_channels_give_what_contiguous_ones_do() -> None:
    x = np.random.default_rng(3).standard_normal((2, 40, 30, 6)).astype(np.float32)[..., ::2]
    g = np.ones((2, 20, 15, 3), dtype=np.float32)
    for mode in ("max", "avg"):
        assert np.array_equal(pool2d(x, 3, 2, 1, mode=mode), pool2d(x.copy(), 3, 2, 1, mode=mode))
        assert np.array_equal(
            pool2d_backward(x, g, 3, 2, 1, mode=mode),
            pool2d_backward(x.copy(), g, 3, 2, 1, mode=mode),
        )
    got = pool2d(x, 3, 2, 1, return_indices=True)[1]
    assert np.array_equal(got, pool2d(x.copy(), 3, 2, 1, return_indices=True)[1])


def test_a_global_window_of_more_than_65536_cells_finds_the_first_maximum() -> None:
    x = np.random.default_rng(5).integers(0, 50, (1, 300, 250, 2)).astype(np.float32)
    values, indices = pool2d(x, (300, 250), return_indices=True)
    plane = x.reshape(-1, 2)
    assert indices.ravel().tolist() == [int(np.argmax(plane[:, ch])) for ch in range(2)]
    assert values.ravel().tolist() == plane.max(axis=0).tolist()


def test_sums_past_the_largest_float_are_inf_without_warnings() -> None:
    # pytest turns warnings into errors; PyTorch gives inf and NaN silently
    top = np.finfo(np.float64).max
    assert (pool2d(np.full((4, 4), top), 2, mode="avg") == np.inf).all()
    assert np.isnan(pool2d(np.array([[np.inf, -np.inf]]), (1, 2), mode="avg")).all()
    peak = np.zeros((4, 4))
    peak[1, 1] = 1.0  # the winner of all four windows
    grad = pool2d_backward(peak, np.full((2, 2), top), 3, 1)
    assert grad[1, 1] == np.inf and grad.sum() == np.inf
    shares = pool2d_backward(
        np.zeros((3, 3)), np.full((3, 3), top), 3, 1, 1, mode="avg", count_include_pad=False
    )
    assert shares[1, 1] == np.inf
    narrow = pool2d_backward(np.zeros((4, 4), dtype=np.float32), np.full((2, 2), top), 2)
    assert (narrow == np.inf).sum() == 4


torch = pytest.importorskip("torch")
F = torch.nn.functional

CONFIGS = [  # size, stride, padding, dilation, ceil_mode: each spans several tiles
    ((3, 3), (2, 2), (1, 1), (1, 1), False),
    ((2, 2), (2, 2), (0, 0), (1, 1), False),
    ((3, 3), (2, 2), (0, 0), (1, 1), True),
    ((3, 2), (1, 2), (1, 0), (2, 1), False),
    ((4, 4), (3, 3), (2, 2), (2, 3), True),
]


def _nhwc(t: torch.Tensor) -> np.ndarray:
    return t.permute(0, 2, 3, 1).numpy()


@pytest.mark.parametrize("cfg", CONFIGS, ids=str)
@pytest.mark.parametrize("flavour", ["normal", "ties", "nan"])
@pytest.mark.parametrize("channels", [4, 65])  # pixels gathered whole, and not
def test_many_tiles_match_torch_bit_for_bit(cfg: tuple, flavour: str, channels: int) -> None:
    size, stride, padding, dilation, ceil_mode = cfg
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 420, 300, channels)).astype(np.float32)
    if flavour == "ties":
        x = rng.integers(-2, 3, x.shape).astype(np.float32) * np.float32(0.0)
        x[rng.random(x.shape) < 0.3] = 1.0
    if flavour == "nan":
        x[rng.random(x.shape) < 0.002] = np.nan
    kwargs = {"dilation": dilation, "ceil_mode": ceil_mode}
    values, indices = pool2d(x, size, stride, padding, return_indices=True, **kwargs)  # type: ignore[arg-type]
    t = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().requires_grad_()
    tv, ti = F.max_pool2d(t, size, stride, padding, dilation, ceil_mode, return_indices=True)
    assert np.array_equal(values.view(np.uint32), _nhwc(tv.detach()).view(np.uint32))
    assert np.array_equal(indices, _nhwc(ti))
    alone = pool2d(x, size, stride, padding, **kwargs)  # type: ignore[arg-type]
    assert np.array_equal(alone.view(np.uint32), values.view(np.uint32))  # rows first
    g = rng.standard_normal(values.shape).astype(np.float32)
    g[rng.random(g.shape) < 0.01] = -0.0
    tv.backward(torch.from_numpy(g).permute(0, 3, 1, 2))
    grad = pool2d_backward(x, g, size, stride, padding, **kwargs)  # type: ignore[arg-type]
    assert np.array_equal(grad.view(np.uint32), _nhwc(t.grad).view(np.uint32))


def test_infinite_gradients_go_only_to_their_argmax() -> None:
    x = np.arange(16, dtype=np.float32).reshape(4, 4)
    g = np.array([[np.inf, np.nan], [-np.inf, 1.0]], dtype=np.float32)
    t = torch.from_numpy(x)[None, None].requires_grad_()
    F.max_pool2d(t, 3, 1, 0).backward(torch.from_numpy(g)[None, None])
    grad = pool2d_backward(x, g, 3, 1)
    assert np.array_equal(grad, t.grad[0, 0].numpy(), equal_nan=True)


@pytest.mark.parametrize("size", [(17, 16), (40, 33)])  # codes wider than one byte
def test_windows_of_more_than_256_cells_match_torch(size: tuple[int, int]) -> None:
    rng = np.random.default_rng(11)
    x = rng.integers(-3, 4, (2, 40, 33, 3)).astype(np.float32)
    x[0, 30, 20, 1] = np.nan
    values, indices = pool2d(x, size, 1, return_indices=True)
    t = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().requires_grad_()
    tv, ti = F.max_pool2d(t, size, 1, return_indices=True)
    assert np.array_equal(values, _nhwc(tv.detach()), equal_nan=True)
    assert np.array_equal(indices, _nhwc(ti))
    g = rng.standard_normal(values.shape).astype(np.float32)
    tv.backward(torch.from_numpy(g).permute(0, 3, 1, 2))
    assert np.array_equal(pool2d_backward(x, g, size, 1), _nhwc(t.grad))


def test_an_item_of_a_few_mib_is_one_tile_and_a_larger_one_is_cut_in_bands() -> None:
    stem = axis(112, 3, 2, 1)  # ResNet stem: 56 output rows of 57 KiB, 3.1 MiB an image
    assert [(t.items, t.rows) for t in tiles(2, stem, 57344)] == [
        (slice(0, 1), slice(0, 56)),
        (slice(1, 2), slice(0, 56)),
    ]
    photo = axis(2160, 2, 2)  # 1080 output rows of 67 KiB: 70 MiB, in 1 MiB bands
    bands = tiles(1, photo, 69120)
    assert [t.rows.stop - t.rows.start for t in bands[:2]] == [15, 15]
    assert len(bands) == 72
