"""Adaptive and fractional pooling: hand-checked bins, starts, values, indices, gradients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poolviz import (
    PoolvizError,
    adaptive_pool2d,
    adaptive_pool2d_backward,
    fractional_max_pool2d,
    fractional_max_pool2d_backward,
    fractional_samples,
    pool2d,
)
from poolviz.engine.uneven import adaptive_axis, fractional_axis, fractional_starts

X5 = np.arange(25.0).reshape(5, 5)


@pytest.mark.parametrize("size", [(0, 0), (3, 0), (0, 3), (None, 0)])
def test_adaptive_max_to_an_empty_output(size: tuple[int | None, int]) -> None:
    x = np.ones((2, 5, 4, 3))
    expected = (2, 5 if size[0] is None else size[0], size[1], 3)
    assert adaptive_pool2d(x, size, "max").shape == expected
    values, indices = adaptive_pool2d(x, size, "max", return_indices=True)
    assert values.shape == indices.shape == expected


def test_adaptive_5_to_3_bins_overlap() -> None:
    ax = adaptive_axis(5, 3)
    assert [ax.taps(i) for i in range(3)] == [[0, 1], [1, 2, 3], [3, 4]]
    assert ax.reads() == [1, 2, 1, 2, 1]  # cells 1 and 3 are read by two bins
    assert (ax.kind, ax.size, ax.out, ax.used) == ("adaptive", 3, 3, 5)
    assert ax.formula("out_h") == (
        "out_h = 3   (adaptive: bin i reads floor(i·5/3) .. ceil((i+1)·5/3) − 1; lengths 2/3)"
    )
    values, indices = adaptive_pool2d(X5, 3, "max", return_indices=True)
    assert values.tolist() == [[6, 8, 9], [16, 18, 19], [21, 23, 24]]
    assert indices.tolist() == [[6, 8, 9], [16, 18, 19], [21, 23, 24]]
    assert adaptive_pool2d(X5, 3, "avg").tolist() == [
        [3.0, 4.5, 6.0],
        [10.5, 12.0, 13.5],
        [18.0, 19.5, 21.0],
    ]


def test_adaptive_10_to_4_gives_four_bins_of_three() -> None:
    ax = adaptive_axis(10, 4)
    assert [(ax.start(i), ax.taps_of(i)) for i in range(4)] == [(0, 3), (2, 3), (5, 3), (7, 3)]


def test_adaptive_more_outputs_than_cells_repeat_cells_and_none_keeps_a_side() -> None:
    assert [adaptive_axis(2, 4).taps(i) for i in range(4)] == [[0], [0], [1], [1]]
    assert adaptive_pool2d(X5, (None, 1), "max").tolist() == [[4], [9], [14], [19], [24]]
    assert adaptive_pool2d(X5, (0, 3), "avg").shape == (0, 3)


def test_adaptive_backward_routes_and_spreads() -> None:
    g = np.ones((3, 3))
    grad = adaptive_pool2d_backward(X5, g, 3, "max")
    assert grad[1, 1] == 1 and grad[3, 3] == 1 and grad.sum() == 9
    spread = adaptive_pool2d_backward(X5, g, 3, "avg")
    # cell (0, 0) is in one 2x2 bin: 1/2/2; cell (1, 1) in four bins of 2x2, 2x3, 3x2, 3x3
    assert spread[0, 0] == 0.25 and spread[1, 1] == 0.25 + 1 / 6 + 1 / 6 + 1 / 9


def test_fractional_7_to_4_starts_and_values() -> None:
    ax = fractional_axis(0.5, 7, 4, 2, np.float64)
    assert [ax.start(i) for i in range(4)] == [0, 2, 4, 5]
    assert ax.formula("out_w") == (
        "out_w = 4   (fractional: alpha = (7 − 2) / (4 − 1), u = 0.5000; starts 0, 2, 4, 5)"
    )
    x = np.arange(49.0).reshape(7, 7)
    samples = np.full((1, 1, 2), 0.5)
    values, indices = fractional_max_pool2d(x, 2, 4, samples=samples, return_indices=True)
    assert values[0].tolist() == [8.0, 10.0, 12.0, 13.0]
    assert indices[3].tolist() == [43, 45, 47, 48]  # rows 5-6, columns 0-1, 2-3, 4-5, 5-6
    grad = fractional_max_pool2d_backward(x, np.ones((4, 4)), 2, 4, samples=samples)
    assert grad.sum() == 16 and grad[1, 1] == 1 and grad[0, 0] == 0


def test_fractional_float16_starts_round_in_half() -> None:
    # alpha = 10/3 rounds to 3.334 in float16, and (2 + u) * alpha to a different integer part
    u = np.float16(0.7998)
    half = fractional_starts(u, 14, 4, 4, np.float16).tolist()
    double = fractional_starts(float(u), 14, 4, 4, np.float64).tolist()
    assert half[-1] == double[-1] == 10 and len(half) == 4


def test_fractional_seed_is_reproducible_and_ratio_as_pytorch() -> None:
    x = np.random.default_rng(0).standard_normal((2, 9, 9, 3))
    a = fractional_max_pool2d(x, 2, output_ratio=0.7, seed=4)
    assert a.shape == (2, 6, 6, 3)  # int(9 * 0.7)
    assert np.array_equal(a, fractional_max_pool2d(x, 2, output_ratio=0.7, seed=4))
    samples = fractional_samples(2, 3, np.float64, seed=4)
    assert samples.shape == (2, 3, 2) and ((samples >= 0) & (samples < 1)).all()
    assert np.array_equal(a, fractional_max_pool2d(x, 2, 6, samples=samples))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: fractional_max_pool2d(X5, 2, 3, 0.5),
            "fractional max pooling takes exactly one of output_size and output_ratio; "
            "pass one, such as output_size=5 or output_ratio=0.7",
        ),
        (
            lambda: fractional_max_pool2d(X5, 2, output_ratio=1.0),
            "output_ratio must be between 0 and 1 (got 1.0); use one number or an (h, w) pair "
            "in (0, 1), such as 0.7",
        ),
        (
            lambda: fractional_max_pool2d(X5, 0, 3),
            "size must be an integer >= 1, got 0",
        ),
        (
            lambda: fractional_max_pool2d(X5, 2, 3, samples=np.zeros((1, 1, 3))),
            "samples have shape (1, 1, 3); pass one (width, height) pair per item and channel, "
            "shape (1, 1, 2)",
        ),
        (
            lambda: adaptive_pool2d(X5, (-1, 3)),
            "output_size (-1, 3) has a negative size; use integers >= 0 or None",
        ),
        (
            lambda: adaptive_pool2d(np.zeros((1, 3, 3, 0)), 2, "max"),
            "input has 0 channels; every axis but the batch must be at least 1 (an empty batch, "
            "N = 0, is fine)",
        ),
        (
            lambda: pool2d(X5, 2, mode="avg", divisor_override=0),
            "divisor_override must not be zero; use a nonzero integer",
        ),
    ],
)
def test_refusals(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PoolvizError) as err:
        call()
    assert err.value.message == message


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30))
def test_every_cell_is_read_by_some_adaptive_bin(n: int, o: int) -> None:
    assert min(adaptive_axis(n, o).reads()) >= 1


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 6), st.integers(1, 12))
def test_adaptive_avg_over_a_dividing_size_is_plain_avg_pooling(k: int, o: int) -> None:
    x = np.random.default_rng(k * 31 + o).standard_normal((1, k * o, k * o, 2))
    # the same windows; adaptive divides by k twice (as ATen), pool2d once by k*k
    np.testing.assert_allclose(adaptive_pool2d(x, o, "avg"), pool2d(x, k, mode="avg"), rtol=1e-15)
    assert np.array_equal(adaptive_pool2d(x, o, "max"), pool2d(x, k))


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1, exclude_max=True), st.integers(1, 40), st.integers(1, 6), st.data())
def test_fractional_starts_rise_and_stay_in_range(u: float, n: int, k: int, data) -> None:  # type: ignore[no-untyped-def]
    if k > n:
        return
    o = data.draw(st.integers(1, n - k + 1))
    for dtype in (np.float16, np.float32, np.float64):
        starts = fractional_starts(dtype(u) if dtype(u) < 1 else 0.0, n, o, k, dtype).tolist()
        assert starts == sorted(starts)
        assert starts[0] >= 0 and starts[-1] == n - k
