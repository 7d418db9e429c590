import numpy as np
import pytest

from poolviz import PoolvizError, max_unpool2d, pool2d, pool2d_backward
from tests.test_engine_pooling import SEED4, SEED5


def test_seed_2x2_backward() -> None:
    x = np.array([[1.0, 3.0], [5.0, 6.0]])
    assert pool2d_backward(x, np.ones((1, 1)), 2).tolist() == [[0, 0], [0, 1]]


def test_overlapping_windows_sum_at_a_shared_winner() -> None:
    grad = pool2d_backward(SEED5, np.ones((2, 2)), 3, 2)
    expected = np.zeros((5, 5))
    expected[1, 2] = 2  # the 8, winner of both top windows
    expected[2, 2] = 2  # the 7, winner of both bottom windows
    assert np.array_equal(grad, expected)
    assert grad.sum() == 4


def test_average_backward_spreads_by_the_forward_divisor() -> None:
    grad = pool2d_backward(np.ones((3, 3)), np.ones((2, 2)), 2, 2, 1, mode="avg")
    # every window divides by 4 (explicit padding counts); corners and edges are read once,
    # so each real cell receives 1/4
    assert np.array_equal(grad, np.full((3, 3), 0.25))
    grad = pool2d_backward(
        np.ones((3, 3)), np.ones((2, 2)), 2, 2, 1, mode="avg", count_include_pad=False
    )
    # windows cover rows/cols {0} and {1, 2}: the corner window has one real cell
    assert grad.tolist() == [[1, 0.5, 0.5], [0.5, 0.25, 0.25], [0.5, 0.25, 0.25]]


def test_window_over_padding_alone_sends_no_gradient() -> None:
    grad = pool2d_backward(
        np.array([[5.0, 1.0]]), np.ones((1, 2)), (1, 2), 1, (0, 1), dilation=(1, 2)
    )
    # window 0 taps -1 and 1 (winner col 1); window 1 taps 0 and 2 (winner col 0)
    assert grad.tolist() == [[1, 1]]


def test_backward_dtypes_and_shape_check() -> None:
    assert pool2d_backward(SEED4.astype(np.float32), np.ones((2, 2)), 2).dtype == np.float32
    assert pool2d_backward(SEED4.astype(int), np.ones((2, 2)), 2).dtype == np.float64
    with pytest.raises(PoolvizError) as err:
        pool2d_backward(SEED4, np.ones((3, 3)), 2)
    assert err.value.message == (
        "grad_output has shape (3, 3) but the pooled output has (2, 2); "
        "pass one gradient per output cell"
    )


def test_seed_unpooling() -> None:
    values, indices = pool2d(np.array([[1.0, 3.0], [5.0, 6.0]]), 2, return_indices=True)
    assert max_unpool2d(values, indices, 2).tolist() == [[0, 0], [0, 6]]


def test_unpool_shared_winner_gets_the_value_once_and_odd_sizes() -> None:
    values, indices = pool2d(SEED5, 3, 2, return_indices=True)
    default = max_unpool2d(values, indices, 3, 2)
    assert default.shape == (5, 5)  # (2-1)*2 + 3
    assert default[1, 2] == 8 and default[2, 2] == 7 and default.sum() == 15
    values, indices = pool2d(np.arange(169.0).reshape(13, 13), 2, return_indices=True)
    # the indices address the 13x13 plane, so PyTorch's default 12x12 target cannot hold them
    with pytest.raises(PoolvizError, match="index 144 is outside the 12x12 target"):
        max_unpool2d(values, indices, 2)
    full = max_unpool2d(values, indices, 2, output_size=(13, 13))
    assert full.shape == (13, 13) and full[12].sum() == 0 and full[11, 11] == 11 * 13 + 11


def test_unpool_keeps_dtype_and_skips_minus_one() -> None:
    out = max_unpool2d(
        np.array([[7, 9]], dtype=np.int32), np.array([[-1, 2]]), 1, 2, output_size=(1, 3)
    )
    assert out.dtype == np.int32 and out.tolist() == [[0, 0, 9]]


def test_unpool_of_an_empty_batch_is_empty_zeros() -> None:
    values, indices = pool2d(np.zeros((0, 6, 6, 3), dtype=np.float32), 2, return_indices=True)
    out = max_unpool2d(values, indices, 2)
    assert out.shape == (0, 6, 6, 3) and out.dtype == np.float32


def test_unpool_with_no_channels_is_refused_as_pytorch_does() -> None:
    with pytest.raises(PoolvizError) as err:
        max_unpool2d(np.zeros((1, 3, 3, 0)), np.zeros((1, 3, 3, 0), dtype=np.int64), 2)
    assert err.value.message.startswith("input has 0 channels;")


@pytest.mark.parametrize(("side", "ok"), [(3, False), (4, True), (5, True), (6, True), (7, False)])
def test_unpool_output_size_within_one_stride_of_the_default(side: int, ok: bool) -> None:
    # a 5x5 pooled with k3 s2 gives 2x2; PyTorch's default is 5 and it takes 4..6 per side
    values, indices = pool2d(SEED5, 3, 2, return_indices=True)
    if ok:
        assert max_unpool2d(values, indices, 3, 2, output_size=(5, side)).shape == (5, side)
        return
    with pytest.raises(PoolvizError) as err:
        max_unpool2d(values, indices, 3, 2, output_size=(5, side))
    assert err.value.message == (
        f"output_size width {side} cannot come from 2 pooled columns with size 3 and stride 2; "
        "use 4-6"
    )


def test_unpool_output_size_after_same_padding_is_what_pools_to_the_output() -> None:
    values, indices = pool2d(SEED5, 2, padding="same", return_indices=True)  # 3x3
    assert max_unpool2d(values, indices, 2, 2, "same", output_size=(5, 6)).shape == (5, 6)
    with pytest.raises(PoolvizError, match="output_size height 7 .* use 5-6$"):
        max_unpool2d(values, indices, 2, 2, "same", output_size=(7, 5))


@pytest.mark.parametrize(
    ("indices", "message"),
    [
        (np.array([[4]]), "index 4 is outside the 2x2 target; indices must be -1 or 0-3"),
        (np.array([[-2]]), "index -2 is outside the 2x2 target; indices must be -1 or 0-3"),
        (
            np.array([[1, 2]]),
            "indices have shape (1, 2) but values have (1, 1); pass the indices pool2d returned with these values",
        ),
        (np.array([[1.0]]), "indices must be integers, got dtype float64"),
    ],
)
def test_unpool_refusals(indices: np.ndarray, message: str) -> None:
    with pytest.raises(PoolvizError) as err:
        max_unpool2d(np.array([[6.0]]), indices, 2)
    assert err.value.message == message
