import numpy as np
import pytest

from poolviz import PoolvizError, global_pool2d, pool2d

SEED4 = np.array([[1, 3, 2, 1], [5, 6, 8, 4], [2, 4, 7, 3], [1, 0, 3, 2]], dtype=float)
SEED5 = np.array(
    [[1, 3, 2, 1, 4], [5, 6, 8, 4, 2], [2, 4, 7, 3, 1], [1, 0, 3, 2, 5], [3, 2, 1, 4, 0]],
    dtype=float,
)


def test_seed_4x4() -> None:
    values, indices = pool2d(SEED4, 2, return_indices=True)
    assert values.tolist() == [[6, 8], [4, 7]]
    assert indices.tolist() == [[5, 6], [9, 10]]


def test_seed_5x5_overlapping() -> None:
    values, indices = pool2d(SEED5, 3, 2, return_indices=True)
    assert values.tolist() == [[8, 8], [7, 7]]
    # both top windows share the 8 at (1, 2); both bottom windows the 7 at (2, 2)
    assert indices.tolist() == [[7, 7], [12, 12]]


def test_seed_average() -> None:
    assert pool2d(np.array([[1.0, 3.0], [5.0, 6.0]]), 2, mode="avg").tolist() == [[3.75]]


def test_ties_first_occurrence_in_row_major_order() -> None:
    x = np.array([[2.0, 5.0], [5.0, 5.0]])
    assert pool2d(x, 2, return_indices=True)[1].tolist() == [[1]]
    assert pool2d(np.full((3, 3), 7.0), 3, return_indices=True)[1].tolist() == [[0]]


def test_nan_wins_and_the_last_nan_is_the_index() -> None:
    x = np.array([[1.0, np.nan], [np.nan, 9.0]])
    values, indices = pool2d(x, 2, return_indices=True)
    assert np.isnan(values[0, 0]) and indices.tolist() == [[2]]


def test_all_minus_inf_window_points_at_its_first_real_cell() -> None:
    x = np.full((2, 2), -np.inf)
    values, indices = pool2d(x, 2, padding=1, return_indices=True)
    assert values.tolist() == [[-np.inf, -np.inf], [-np.inf, -np.inf]]
    assert indices.tolist() == [[0, 1], [2, 3]]


def test_padding_cells_never_win() -> None:
    x = -np.arange(1.0, 10.0).reshape(3, 3)  # all negative: a zero pad would win
    values, indices = pool2d(x, 2, 2, 1, return_indices=True)
    assert values.tolist() == [[-1, -2], [-4, -5]]
    assert indices.tolist() == [[0, 1], [3, 4]]


def test_dilation() -> None:
    x = np.arange(25.0).reshape(5, 5)
    values, indices = pool2d(x, 2, 1, dilation=2, return_indices=True)
    assert values.shape == (3, 3)
    assert values[0, 0] == 12 and indices[0, 0] == 12  # taps (0,0) (0,2) (2,0) (2,2)


def test_window_over_padding_alone() -> None:
    # 1x1 input, a 2-wide window dilated by 2 with padding 1: taps at -1 and 1, both padding
    values, indices = pool2d(
        np.array([[5.0]]), (1, 2), 1, (0, 1), dilation=(1, 2), return_indices=True
    )
    assert values.tolist() == [[-np.inf]] and indices.tolist() == [[-1]]
    ints = pool2d(np.array([[5]], dtype=np.int16), (1, 2), 1, (0, 1), dilation=(1, 2))
    assert ints.tolist() == [[-32768]]


def test_ceil_mode_adds_the_partial_window() -> None:
    x = np.arange(25.0).reshape(5, 5)
    assert pool2d(x, 2, ceil_mode=True).tolist() == [[6, 8, 9], [16, 18, 19], [21, 23, 24]]
    # count_include_pad: the explicit pad counts, the ceil overhang never does
    avg = pool2d(np.ones((5, 5)), 2, 2, 1, mode="avg", ceil_mode=True)
    assert avg.tolist() == [[0.25, 0.5, 0.5], [0.5, 1, 1], [0.5, 1, 1]]
    overhang = pool2d(np.ones((5, 5)), 2, mode="avg", ceil_mode=True)
    assert overhang.tolist() == [[1.0] * 3] * 3
    no_pad = pool2d(np.ones((5, 5)), 2, 2, 1, mode="avg", ceil_mode=True, count_include_pad=False)
    assert no_pad.tolist() == [[1.0] * 3] * 3


def test_keras_same() -> None:
    x = np.arange(1.0, 10.0).reshape(3, 3)
    assert pool2d(x, 3, 1, "same").tolist() == [[5, 6, 6], [8, 9, 9], [8, 9, 9]]
    # padded cells never count in the average, whatever count_include_pad says
    avg = pool2d(x, 3, 1, "same", mode="avg", count_include_pad=True)
    assert avg[0, 0] == (1 + 2 + 4 + 5) / 4


def test_dtypes() -> None:
    x32 = SEED4.astype(np.float32)
    assert pool2d(x32, 2).dtype == np.float32
    assert pool2d(x32, 2, mode="avg").dtype == np.float32
    ints = SEED4.astype(np.int64)
    assert pool2d(ints, 2).dtype == np.int64
    mean = pool2d(np.array([[1, 2], [2, 2]], dtype=np.uint8), 2, mode="avg")
    assert mean.dtype == np.float64 and mean.tolist() == [[1.75]]
    assert pool2d(x32, 2, return_indices=True)[1].dtype == np.int64
    assert pool2d(SEED4 > 4, 2).tolist() == [[True, True], [False, True]]


def test_ranks_and_layouts() -> None:
    nhwc = np.stack([SEED4, -SEED4], axis=-1)[None]  # (1, 4, 4, 2)
    out = pool2d(nhwc, 2)
    assert out.shape == (1, 2, 2, 2)
    assert out[0, :, :, 0].tolist() == [[6, 8], [4, 7]]
    assert out[0, :, :, 1].tolist() == [[-1, -1], [0, -2]]
    assert pool2d(nhwc[0], 2).shape == (2, 2, 2)
    fortran = np.asfortranarray(SEED4)
    assert pool2d(fortran, 2).tolist() == [[6, 8], [4, 7]]
    reversed_view = SEED4[::-1, ::-1]
    assert pool2d(reversed_view, 2).tolist() == [[7, 4], [8, 6]]
    strided = np.zeros((8, 8))
    strided[::2, ::2] = SEED4
    assert pool2d(strided[::2, ::2], 2).tolist() == [[6, 8], [4, 7]]


def test_input_is_never_modified() -> None:
    x = SEED4.copy()
    pool2d(x, 2, padding=1, mode="avg")
    pool2d(x, 3, 1, 1, return_indices=True)
    assert np.array_equal(x, SEED4)


def test_global_pooling() -> None:
    nhwc = np.stack([SEED4, -SEED4], axis=-1)[None]
    assert global_pool2d(nhwc, "max").tolist() == [[[[8.0, 0.0]]]]
    assert global_pool2d(nhwc, "avg").tolist() == [[[[3.25, -3.25]]]]
    with pytest.raises(PoolvizError, match="unknown global pooling mode 'sum'; use 'max' or 'avg'"):
        global_pool2d(nhwc, "sum")


def test_large_windows_and_tiles_agree_with_small() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 300, 257, 3)).astype(np.float32)
    # many tiles of rows; compare against the per-item result
    out, idx = pool2d(x, 3, 2, 1, return_indices=True)
    for n in range(2):
        o, i = pool2d(x[n], 3, 2, 1, return_indices=True)
        assert np.array_equal(out[n], o) and np.array_equal(idx[n], i)
    flat = x.reshape(2, -1, 3)
    assert np.array_equal(out[:, 10, 20], flat[np.arange(2)[:, None], idx[:, 10, 20], np.arange(3)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"mode": "avg", "return_indices": True},
            "indices exist for max pooling only; use mode 'max' or drop return_indices",
        ),
        (
            {"size": 5},
            "a 5x5 window does not fit a 4x4 input with padding 0; use a smaller --size or add --padding",
        ),
    ],
)
def test_pool_refusals(kwargs: dict, message: str) -> None:
    args = {"size": 2, **kwargs}
    with pytest.raises(PoolvizError) as err:
        pool2d(SEED4, **args)
    assert err.value.message == message


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (
            np.zeros((2, 2, 2, 2, 2)),
            "input has 5 dimensions; use (H, W), (H, W, C) or (N, H, W, C)",
        ),
        (np.zeros(4), "input has 1 dimensions; use (H, W), (H, W, C) or (N, H, W, C)"),
        (np.zeros((0, 4)), "input has height 0 and width 4; both must be at least 1"),
        (
            np.zeros((2, 2), dtype=complex),
            "cannot pool an array of dtype complex128; use real numbers (float, int or bool)",
        ),
    ],
)
def test_bad_arrays(x: np.ndarray, message: str) -> None:
    with pytest.raises(PoolvizError) as err:
        pool2d(x, 1)
    assert err.value.message == message


@pytest.mark.parametrize("shape", [(1, 3, 20000, 1), (2, 30, 40, 3)])
def test_global_average_adds_cells_one_at_a_time_in_row_major_order(shape: tuple[int, ...]) -> None:
    # PyTorch's kernel adds in float32, cell by cell: pairwise summation would differ here
    x = (np.random.default_rng(5).standard_normal(shape) * 1000).astype(np.float32)
    expected = np.zeros((shape[0], shape[3]), dtype=np.float32)
    for n in range(shape[0]):
        for cell in x[n].reshape(-1, shape[3]):
            expected[n] += cell
    expected /= np.float32(shape[1] * shape[2])
    assert np.array_equal(global_pool2d(x, "avg")[:, 0, 0, :], expected)
    assert global_pool2d(x, "avg").dtype == np.float32


def test_global_max_keeps_the_first_zero_and_nan() -> None:
    x = np.array([[-1.0, -0.0], [0.0, -3.0]], dtype=np.float32)
    assert np.signbit(global_pool2d(x, "max")).all()
    assert not np.signbit(global_pool2d(x.T.copy(), "max")).any()
    x[1, 1] = np.nan
    assert np.isnan(global_pool2d(x, "max")).all()
    assert global_pool2d(np.arange(12, dtype=np.int16).reshape(3, 4), "max").tolist() == [[11]]
