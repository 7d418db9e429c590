"""The exact-order sums of adaptive average pooling (poolviz.engine.bin_average): PyTorch's
order of additions, signed zeros, and pixels read before their gather."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz.engine.uneven import adaptive_pool2d

# a window where the order of the additions shows: in float32, row-major from 0 gives 1
# (1e8 + 1 rounds back to 1e8); pairs first, or a column first, give 0 or 2
ORDERED = np.array([[1e8, 1.0], [-1e8, 1.0]], dtype=np.float32)


@pytest.mark.parametrize("channels", [1, 2, 64])
def test_average_adds_row_by_row_from_zero(channels: int) -> None:
    x = np.repeat(ORDERED[None, :, :, None], channels, axis=3)
    assert adaptive_pool2d(x, (1, 1), "avg")[0, 0, 0].tolist() == [0.25] * channels
    wide = np.concatenate([x, x], axis=2)  # two windows a row: ow * c > 1
    assert adaptive_pool2d(wide, (1, 2), "avg")[0, 0, :, 0].tolist() == [0.25, 0.25]


@pytest.mark.parametrize("size", [(1, 1), (1, 2), (3, 1)])
def test_average_of_negative_zeros_is_positive_zero(size: tuple[int, int]) -> None:
    x = np.full((6, 4), -0.0, dtype=np.float32)
    out = adaptive_pool2d(x, size, "avg")
    assert out.shape == size and not np.signbit(out).any()


def test_average_of_sixteen_cells_one_number_a_row_is_sequential() -> None:
    # sixteen cells: NumPy's pairwise sum would add them in eight lanes; in order from 0,
    # 1e8 swallows each of the seven 1s, then -1e8 leaves 0, and the last seven 1s give 7
    cells = np.array([1e8] + [1.0] * 7 + [-1e8] + [1.0] * 7, dtype=np.float32)
    x = cells.reshape(4, 4)
    assert adaptive_pool2d(x, (1, 1), "avg").tolist() == [[7 / 16]]
    assert adaptive_pool2d(x[None, :, :, None].repeat(2, 3), 1, "avg").ravel().tolist() == [
        7 / 16,
        7 / 16,
    ]


@pytest.mark.parametrize(
    ("dtype", "channels", "mean"),
    [(np.float16, 33, 0.5), (np.float32, 16, 0.25), (np.float64, 9, 0.5)],
)
def test_warm_reads_whole_pixels_of_any_byte_count(dtype: type, channels: int, mean: float) -> None:
    # pixels of 66, 64 and 72 bytes (66 * 25 is no multiple of 8) are read before the
    # gather; the sums are unchanged: float32 shows its order (1e8 + 1 is 1e8), float16 adds
    # in float32 and float64 in float64, where 1e4 + 1 and 1e8 + 1 are exact
    big = 1e4 if dtype == np.float16 else 1e8
    x = np.zeros((1, 5, 5, channels), dtype=dtype)
    x[0, :2, :2] = np.array([[big, 1.0], [-big, 1.0]], dtype=dtype)[:, :, None]
    out = adaptive_pool2d(x, (3, 3), "avg")
    assert out.dtype == dtype
    assert out[0, 0, 0].tolist() == [mean] * channels
