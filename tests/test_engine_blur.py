"""Blur pooling: the binomial filters, worked examples by hand, the gradient through both
stages, errors, and the invariants hypothesis checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poolviz import PoolvizError, blur_pool2d, blur_pool2d_backward, pool2d
from poolviz.engine.blur import binomial_row, blur_filter, blur_padding, blur_stage

GRID = np.arange(16, dtype=np.float64).reshape(4, 4)


def test_binomial_rows_and_padding() -> None:
    assert [binomial_row(f) for f in (1, 2, 3, 5, 7)] == [
        (1,),
        (1, 1),
        (1, 2, 1),
        (1, 4, 6, 4, 1),
        (1, 6, 15, 20, 15, 6, 1),
    ]
    assert [blur_padding(f) for f in range(1, 8)] == [
        (0, 0),
        (0, 1),
        (1, 1),
        (1, 2),
        (2, 2),
        (2, 3),
        (3, 3),
    ]


def test_filters_are_normalised_outer_products() -> None:
    assert (blur_filter(3, np.float64) * 16).tolist() == [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
    assert (blur_filter(4) * 64).tolist()[1] == [3, 9, 9, 3]
    for f in range(1, 8):
        assert blur_filter(f, np.float64).sum() == 1.0
        assert blur_filter(f).dtype == np.float32


def test_one_tap_subsamples_the_max_map() -> None:
    # max map of 2x2 windows at stride 1: [[5, 6, 7], [9, 10, 11], [13, 14, 15]]
    assert blur_pool2d(GRID, 2, 2, 1).tolist() == [[5.0, 7.0], [13.0, 15.0]]


def test_two_taps_average_with_the_reflected_edge() -> None:
    # the max map padded after by reflection: column 3 repeats column 1, row 3 repeats row 1
    assert blur_pool2d(GRID, 2, 2, 2).tolist() == [[7.5, 8.5], [11.5, 12.5]]


def test_four_taps_on_an_impulse() -> None:
    x = np.zeros((6, 6))
    x[2, 2] = 64.0
    out = blur_pool2d(x, 1, 2, 4)  # size 1: the max stage keeps x
    # padding 1 before: output i weighs input cells 2i-1..2i+2 by 1, 3, 3, 1 (of 8 per axis),
    # so cell 2 is output 0's last tap (1) and output 1's second (3)
    assert out.tolist() == [[1.0, 3.0, 0.0], [3.0, 9.0, 0.0], [0.0, 0.0, 0.0]]


def test_stride_pair_and_output_size() -> None:
    out = blur_pool2d(np.ones((1, 9, 7, 2)), (2, 3), (3, 2), 3)
    assert out.shape == (1, 3, 3, 2)  # max map 8x5: ceil(8/3), ceil(5/2)
    assert (out == 1.0).all()


def test_blur_stage_is_the_second_half() -> None:
    x = np.random.default_rng(0).standard_normal((1, 8, 8, 3))
    assert np.array_equal(blur_stage(pool2d(x, 3, 1), 2, 5), blur_pool2d(x, 3, 2, 5))


def test_integers_keep_their_max_and_blur_in_float64() -> None:
    out = blur_pool2d(GRID.astype(np.int32), 2, 2, 2)
    assert out.dtype == np.float64
    assert out.tolist() == [[7.5, 8.5], [11.5, 12.5]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((2, 2, 8), "filter_size 8 has no binomial filter; use 1-7 taps (as antialiased-cnns)"),
        ((2, 2, 0), "filter_size 0 has no binomial filter; use 1-7 taps (as antialiased-cnns)"),
        (
            (2, 2, 7),
            "a 7-tap filter reflects 3 cells past the edge of a 3x3 max map, which needs at "
            "least 4 per side; use a smaller filter or a larger input",
        ),
        ((2, 0, 3), "stride must be an integer >= 1, got 0"),
    ],
)
def test_errors(args: tuple[int, int, int], message: str) -> None:
    with pytest.raises(PoolvizError) as err:
        blur_pool2d(GRID, *args)
    assert str(err.value) == message


def test_backward_one_tap_routes_to_the_sampled_maxima() -> None:
    grad = blur_pool2d_backward(GRID, np.array([[1.0, 2.0], [3.0, 4.0]]), 2, 2, 1)
    expected = np.zeros((4, 4))
    expected[1, 1], expected[1, 3], expected[3, 1], expected[3, 3] = 1, 2, 3, 4
    assert grad.tolist() == expected.tolist()


def test_backward_two_taps_fold_the_reflection_back() -> None:
    # output (0, 1) reads max-map columns 2, 3 -> column 3 is the reflection of column 1
    grad = blur_pool2d_backward(GRID, np.array([[0.0, 4.0], [0.0, 0.0]]), 2, 2, 2)
    expected = np.zeros((4, 4))
    # max-map cell (r, c) is x cell (r + 1, c + 1): cells (0, 1), (0, 2), (1, 1), (1, 2) get 1
    expected[1, 2], expected[1, 3], expected[2, 2], expected[2, 3] = 1, 1, 1, 1
    assert grad.tolist() == expected.tolist()


def test_backward_sends_the_whole_gradient_back() -> None:
    x = np.random.default_rng(1).standard_normal((2, 9, 9, 2))
    g = np.random.default_rng(2).standard_normal(blur_pool2d(x, 2, 2, 4).shape)
    assert blur_pool2d_backward(x, g, 2, 2, 4).sum() == pytest.approx(g.sum(), rel=1e-12)


def test_backward_checks_the_gradient_shape() -> None:
    with pytest.raises(PoolvizError, match=r"grad_output has shape \(3, 3\) but the blurred"):
        blur_pool2d_backward(GRID, np.ones((3, 3)))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(-1000, 1000),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 7),
    st.integers(8, 12),
    st.integers(8, 12),
)
def test_blur_of_a_constant_is_that_constant(
    value: int, size: int, stride: int, filter_size: int, h: int, w: int
) -> None:
    # the weights are dyadic (the binomial sums are powers of two), so every step is exact
    out = blur_pool2d(np.full((h, w), float(value), dtype=np.float32), size, stride, filter_size)
    assert (out == value).all()
    assert out.shape == (-(-(h - size + 1) // stride), -(-(w - size + 1) // stride))
