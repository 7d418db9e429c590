"""LP pooling: exact numbers by hand, PyTorch's departures from the textbook, the gradient's
zero guard, and the invariants hypothesis checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poolviz import PoolvizError, lp_pool2d, lp_pool2d_backward


def test_p2_is_the_euclidean_norm_of_each_window() -> None:
    x = np.array([[3.0, 4.0, 1.0, 0.0], [0.0, 0.0, 2.0, 2.0]])
    assert lp_pool2d(x, 2, 2).tolist() == [[5.0, 3.0]]


def test_p1_of_non_negative_cells_is_the_window_sum() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert lp_pool2d(x, 1, 2).tolist() == [[10.0]]


def test_negative_cells_are_not_made_positive() -> None:
    x = np.array([[-3.0, 1.0]])
    assert lp_pool2d(x, 1, (1, 2)).tolist() == [[-2.0]]  # the textbook |x| would give 4
    assert np.isnan(lp_pool2d(x, 3, (1, 2))[0, 0])  # (-26)^(1/3): NaN, as PyTorch
    assert lp_pool2d(x, 2, (1, 2))[0, 0] == np.sqrt(10.0)


def test_ceil_mode_scales_the_overhanging_window_mean_by_the_full_window() -> None:
    x = np.array([[1.0, 2.0, 3.0]])
    # windows [1, 2] and [3]: the second is mean(3) * 2 = 6, not the sum 3
    assert lp_pool2d(x, 1, (1, 2), ceil_mode=True).tolist() == [[3.0, 6.0]]
    assert lp_pool2d(x, 1, (1, 2)).tolist() == [[3.0]]


def test_fractional_and_odd_powers() -> None:
    x = np.array([[4.0, 0.0], [1.0, 2.0]])
    assert lp_pool2d(x, 1.5, (1, 2))[:, 0].tolist() == pytest.approx(
        [4.0, (1 + 2 * 2**0.5) ** (2 / 3)], rel=1e-15
    )
    assert lp_pool2d(x, 3, (1, 2))[1, 0] == pytest.approx(9 ** (1 / 3), rel=1e-15)
    assert lp_pool2d(x, 3, (1, 2))[0, 0] == 3.9999999999999996  # 64^(1/3), as PyTorch rounds it


def test_infinite_powers_are_the_largest_and_smallest_magnitude() -> None:
    x = np.array([[-5.0, 2.0], [0.5, -1.0]], dtype=np.float32)
    assert lp_pool2d(x, np.inf, 2).tolist() == [[5.0]]
    assert lp_pool2d(x, -np.inf, 2).tolist() == [[0.5]]
    assert lp_pool2d(x, np.inf, 2).dtype == np.float32


def test_stride_and_channels() -> None:
    x = np.arange(2 * 3 * 2, dtype=np.float64).reshape(1, 2, 3, 2)  # NHWC, two channels
    out = lp_pool2d(x, 1, (2, 2), stride=1)
    assert out.shape == (1, 1, 2, 2)
    assert out[0, 0].tolist() == [[0 + 2 + 6 + 8, 1 + 3 + 7 + 9], [2 + 4 + 8 + 10, 3 + 5 + 9 + 11]]


def test_integers_are_pooled_as_float64() -> None:
    out = lp_pool2d(np.array([[3, 4]]), 2, (1, 2))
    assert out.dtype == np.float64
    assert out.tolist() == [[5.0]]


@pytest.mark.parametrize(
    ("norm_type", "message"),
    [
        (0, "error: norm_type 0 has no 1/p; use a nonzero number or inf"),
        (float("nan"), "error: norm_type nan has no 1/p; use a nonzero number or inf"),
        ("2", "error: norm_type must be a number, got '2'"),
    ],
)
def test_bad_norm_type(norm_type: object, message: str) -> None:
    with pytest.raises(PoolvizError) as err:
        lp_pool2d(np.ones((2, 2)), norm_type, 2)  # type: ignore[arg-type]
    assert f"error: {err.value}" == message


def test_backward_p2_is_x_over_the_norm() -> None:
    grad = lp_pool2d_backward(np.array([[3.0, 4.0]]), np.ones((1, 1)), 2, (1, 2))
    assert grad[0].tolist() == pytest.approx([0.6, 0.8], rel=1e-15)


def test_backward_zero_guard_gives_zero_where_a_window_sums_to_zero() -> None:
    x = np.array([[0.0, 0.0, 3.0, 4.0]])
    grad = lp_pool2d_backward(x, np.array([[1.0, 2.0]]), 2, (1, 2))
    assert grad[0, :2].tolist() == [0.0, 0.0]  # the formula alone would give NaN
    assert grad[0, 2:].tolist() == pytest.approx([1.2, 1.6], rel=1e-15)


def test_backward_ceil_mode_window_counts_its_real_cells() -> None:
    x = np.array([[1.0, 2.0, 3.0]])
    grad = lp_pool2d_backward(x, np.ones((1, 2)), 1, (1, 2), ceil_mode=True)
    assert grad.tolist() == [[1.0, 1.0, 2.0]]


def test_backward_infinite_power_routes_to_the_magnitude_with_its_sign() -> None:
    x = np.array([[-5.0, 2.0], [np.nan, -1.0]])
    g = np.array([[3.0]])
    assert lp_pool2d_backward(x[:1], g, np.inf, (1, 2)).tolist() == [[-3.0, 0.0]]
    assert lp_pool2d_backward(x[:1], g, -np.inf, (1, 2)).tolist() == [[0.0, 3.0]]
    # a NaN window: the gradient goes to the NaN, whose sign torch takes as 0
    assert lp_pool2d_backward(x[1:], g, np.inf, (1, 2)).tolist() == [[0.0, 0.0]]


def test_backward_checks_the_gradient_shape() -> None:
    with pytest.raises(PoolvizError, match=r"grad_output has shape \(2, 2\)"):
        lp_pool2d_backward(np.ones((2, 2)), np.ones((2, 2)), 2, 2)


@st.composite
def windows(draw: st.DrawFn) -> tuple[np.ndarray, tuple[int, int], tuple[int, int]]:
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    k = (draw(st.integers(1, h)), draw(st.integers(1, w)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    cells = draw(st.lists(st.integers(0, 9), min_size=h * w, max_size=h * w))
    return np.array(cells, dtype=np.float64).reshape(h, w), k, s


@settings(max_examples=60, deadline=None)
@given(windows())
def test_p1_of_non_negative_input_is_each_window_sum(
    case: tuple[np.ndarray, tuple[int, int], tuple[int, int]],
) -> None:
    x, (kh, kw), (sh, sw) = case
    out = lp_pool2d(x, 1, (kh, kw), (sh, sw))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            window = x[i * sh : i * sh + kh, j * sw : j * sw + kw]
            assert out[i, j] == pytest.approx(window.sum(), rel=1e-14)
