import pytest

from poolviz.engine.geometry import PoolSpec, avg_divisors, axis, output_size
from poolviz.errors import PoolvizError


@pytest.mark.parametrize(
    ("n", "kwargs", "expected"),
    [
        (26, {"size": 2}, 13),  # the seed's MNIST first pool
        (13, {"size": 2}, 6),  # odd: last row dropped
        (11, {"size": 2}, 5),
        (5, {"size": 3, "stride": 2}, 2),  # the seed's overlapping 5x5
        (5, {"size": 2, "stride": 2, "padding": 1, "ceil_mode": True}, 3),  # last-window rule
        (6, {"size": 1, "stride": 2, "ceil_mode": True}, 3),
        (5, {"size": 2, "ceil_mode": True}, 3),
        (7, {"size": 3, "stride": 2, "padding": "same"}, 4),
        (3, {"size": 3, "stride": 1, "padding": "same"}, 3),
        (8, {"size": 3, "stride": 1, "dilation": 2}, 4),
        (4, {"size": 2, "padding": "valid"}, 2),
    ],
)
def test_output_size(n: int, kwargs: dict, expected: int) -> None:
    assert output_size(n, **kwargs) == expected


def test_same_padding_puts_the_odd_cell_after() -> None:
    ax = axis(4, 3, 2, "same")  # out 2, total pad (2-1)*2 + 3 - 4 = 1
    assert (ax.out, ax.pad_before, ax.pad_after) == (2, 0, 1)
    ax = axis(5, 4, 1, "same")  # out 5, total 3
    assert (ax.pad_before, ax.pad_after) == (1, 2)


def test_dropped_cells_and_read_counts() -> None:
    ax = axis(13, 2)
    assert ax.used == 12
    assert ax.reads() == [1] * 12 + [0]
    overlap = axis(5, 3, 2)
    assert overlap.reads() == [1, 1, 2, 1, 1]


def test_formula_strings() -> None:
    assert axis(4, 2).formula("out_h") == "out_h = floor((4 + 2·0 − 1·(2−1) − 1) / 2) + 1 = 2"
    assert axis(13, 2).simple_formula("out_h") == "out_h = floor((13 − 2 + 2·0) / 2) + 1 = 6"
    assert axis(5, 2, 2, 1, ceil_mode=True).formula("out_w") == (
        "out_w = ceil((5 + 2·1 − 1·(2−1) − 1) / 2) + 1 = 4, "
        "− 1 (last window would start past the input) = 3"
    )
    assert axis(7, 3, 2, "same").formula("out_w") == (
        "out_w = ceil(7 / 2) = 4   (same: pad 2 = 1 before + 1 after)"
    )
    assert axis(5, 2, dilation=2).simple_formula("out_h") is None


def test_avg_divisors_count_explicit_padding_but_not_the_ceil_overhang() -> None:
    # L=5, k=2, s=2, p=1, ceil: windows start at -1, 1, 3; the last one ends at 5 = n, inside
    # the right padding (n + p = 6), so it counts 2 with count_include_pad.
    rows = axis(5, 2, 2, 1, ceil_mode=True)
    assert [rows.avg_divisor(i, True) for i in range(rows.out)] == [2, 2, 2]
    assert [rows.avg_divisor(i, False) for i in range(rows.out)] == [1, 2, 2]
    # L=5, k=2, s=2, p=0, ceil: the last window overhangs by one cell, never counted
    rows = axis(5, 2, 2, 0, ceil_mode=True)
    assert [rows.avg_divisor(i, True) for i in range(rows.out)] == [2, 2, 1]
    same = axis(3, 3, 1, "same")
    assert [same.avg_divisor(i, True) for i in range(3)] == [2, 3, 2]
    assert avg_divisors(same, same, True).tolist() == [[4, 6, 4], [6, 9, 6], [4, 6, 4]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: PoolSpec.make(2, mode="min"), "unknown mode 'min'; use 'max' or 'avg'"),
        (lambda: PoolSpec.make(0), "size must be an integer >= 1, got 0"),
        (lambda: PoolSpec.make(2, -1), "stride must be an integer >= 1, got -1"),
        (lambda: PoolSpec.make(2.5), "size must be an integer >= 1, got 2.5"),  # type: ignore[arg-type]
        (
            lambda: PoolSpec.make((2, 2, 2)),
            "size must be one integer or an (h, w) pair, got 3 values",
        ),  # type: ignore[arg-type]
        (lambda: PoolSpec.make(2, dilation=0), "dilation must be an integer >= 1, got 0"),
        (lambda: PoolSpec.make(2, padding=-1), "padding must be an integer >= 0, got -1"),
        (
            lambda: PoolSpec.make(2, padding="full"),
            "unknown padding 'full'; use an integer >= 0, an (h, w) pair, (top, left, bottom, right), "
            "'valid', 'same' or 'same_lower'",
        ),
        (
            lambda: PoolSpec.make(2, mode="avg", dilation=2),
            "average pooling takes no dilation (PyTorch's avg_pool2d has none); use dilation 1",
        ),
        (
            lambda: PoolSpec.make(2, padding="same", ceil_mode=True),
            "ceil_mode does not apply to padding 'same'; use one or the other",
        ),
        (
            lambda: PoolSpec.make(3, padding=2).axes(5, 5),
            "padding 2 exceeds half the window (1); use 0-1, valid or same",
        ),
        (
            lambda: PoolSpec.make(3).axes(2, 2),
            "a 3x3 window does not fit a 2x2 input with padding 0; use a smaller --size or add --padding",
        ),
        (
            lambda: output_size(0, 2),
            "the input has length 0; every spatial size must be at least 1",
        ),
    ],
)
def test_refusals(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PoolvizError) as err:
        call()
    assert err.value.message == message
    assert isinstance(err.value, ValueError)


def test_overhang_counts_the_cells_a_ceil_mode_window_reaches_past_the_padding() -> None:
    assert axis(5, 2, 2, ceil_mode=True).overhang == 1  # the last window reads 4 and "5"
    assert axis(5, 2, 2).overhang == 0
    assert axis(5, 3, 2, 1, ceil_mode=True).overhang == 0  # it ends in the padding
    assert axis(6, 3, 2, 1, ceil_mode=True).overhang == 1  # 6 + 1 padding, reaches index 7
    assert axis(13, 2, 2, ceil_mode=True).overhang == 1


def test_padding_per_side_follows_the_onnx_formula() -> None:
    # ONNX: out = floor((n + top + bottom - d(k-1) - 1) / s) + 1
    spec = PoolSpec.make(2, 2, (0, 1, 1, 0))
    rows, cols = spec.axes(5, 5)
    assert (rows.pad_before, rows.pad_after, rows.out) == (0, 1, 3)
    assert (cols.pad_before, cols.pad_after, cols.out) == (1, 0, 3)
    assert spec.padding_label == "0,1,1,0"
    assert rows.formula("out_h", ("top", "bottom")) == (
        "out_h = floor((5 + 0 + 1 − 1·(2−1) − 1) / 2) + 1 = 3   (pad 0 top + 1 bottom)"
    )
    assert rows.simple_formula("out_h") == "out_h = floor((5 − 2 + 0 + 1) / 2) + 1 = 3"


def test_same_lower_puts_the_odd_cell_before() -> None:
    upper = axis(6, 3, 2, "same")
    lower = axis(6, 3, 2, "same_lower")
    assert (upper.pad_before, upper.pad_after) == (0, 1)
    assert (lower.pad_before, lower.pad_after, lower.out, lower.same) == (1, 0, 3, True)


@pytest.mark.parametrize(
    ("padding", "message"),
    [
        (
            (0, 3, 0, 0),
            "padding 3 before and 0 after: each side must be smaller than the window (3); "
            "use 0-2 per side",
        ),
        ((0, -1, 0, 0), "padding must be an integer >= 0, got -1"),
    ],
)
def test_padding_per_side_refusals(padding: tuple[int, ...], message: str) -> None:
    with pytest.raises(PoolvizError) as err:
        PoolSpec.make(3, 1, padding).axes(5, 5)  # type: ignore[arg-type]
    assert err.value.message == message


def test_ceil_mode_with_padding_per_side_drops_a_window_starting_past_the_top_padding() -> None:
    # numer = 5 + 0 + 2 - 3 = 4, ceil(4/3) + 1 = 3 windows; the last starts at 6 >= 5 + 0
    ax = axis(5, 3, 3, (0, 2), ceil_mode=True)
    assert ax.out == 2
