"""The demos as data (shifts and their measured tolerance, max vs average vs global vs strided,
the output size worked out) and their terminal reports.

Expected numbers are derived here, not copied from the output: by hand from the geometry
(the comments show how), or from PyTorch (``max_pool2d``, ``avg_pool2d``, ``conv2d``) where
it is installed.
"""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from rich.console import Console, RenderableType

from poolviz import PoolvizError, output_size
from poolviz.demos import (
    Pooling,
    Source,
    compare,
    depthwise_conv2d,
    generated_sources,
    nearest_upsample,
    output_sizes,
    seed_shift_cases,
    shift_case,
    shift_image,
    size_steps,
    tolerance_table,
)
from poolviz.engine.geometry import axis
from poolviz.examples import SEED_4X4, SEED_EDGE
from poolviz.render.shift_text import why_line
from poolviz.render.terminal.compare import compare_report
from poolviz.render.terminal.shift import shift_report
from poolviz.render.terminal.size import size_report
from poolviz.render.terminal.view import DemoView

torch = pytest.importorskip("torch")
F = torch.nn.functional


def render(renderable: RenderableType, width: int = 80) -> str:
    out = io.StringIO()
    Console(file=out, width=width, no_color=True, force_terminal=False).print(renderable)
    return out.getvalue()


def plane(values: np.ndarray) -> list[list[float]]:
    return np.asarray(values)[0, :, :, 0].tolist()


def torch_stack(x: np.ndarray, layers: int, **kwargs: object) -> np.ndarray:
    """``layers`` stacked ``max_pool2d`` of NHWC ``x``, by PyTorch."""
    t = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    for _ in range(layers):
        t = F.max_pool2d(t, **kwargs)
    return np.asarray(t.numpy().transpose(0, 2, 3, 1))


def torch_shift(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``x`` moved down and right by padding zeros before and cropping after (PyTorch)."""
    t = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    h, w = t.shape[2:]
    moved = F.pad(t, (dx, 0, dy, 0))[:, :, :h, :w]
    return np.asarray(moved.numpy().transpose(0, 2, 3, 1))


# shifts


def test_seed_edge_shifted_right_stays_in_its_window() -> None:
    same, crossing = seed_shift_cases(1, "x", Pooling())
    # column 2 -> 3: both in the window over columns 2-3; the text's "8 0 / 9 0" -> "8 8 / 9 6"
    # is wrong, the output is 0 8 / 0 9 before and after
    assert plane(same.input) == SEED_EDGE.tolist()
    assert plane(same.shifted) == [[0, 0, 0, 8], [0, 0, 0, 7], [0, 0, 0, 9], [0, 0, 0, 6]]
    assert plane(same.output) == [[0, 8], [0, 9]]
    assert plane(same.shifted_output) == [[0, 8], [0, 9]]
    assert same.changed == ()
    assert same.edge is not None and same.edge.same_windows
    assert (same.edge.before, same.edge.after) == (2, 3)
    # column 1 -> 2 crosses from the window over 0-1 into the one over 2-3
    assert plane(crossing.input) == [[0, 8, 0, 0], [0, 7, 0, 0], [0, 9, 0, 0], [0, 6, 0, 0]]
    assert plane(crossing.output) == [[8, 0], [9, 0]]
    assert plane(crossing.shifted_output) == [[0, 8], [0, 9]]
    assert crossing.changed == ((0, 0), (0, 1), (1, 0), (1, 1))
    assert crossing.edge is not None and not crossing.edge.same_windows
    assert [(s.index, s.first, s.last) for s in crossing.edge.windows_before] == [(0, 0, 1)]
    assert [(s.index, s.first, s.last) for s in crossing.edge.windows_after] == [(1, 2, 3)]


def test_shifts_move_content_with_zeros_and_no_wraparound() -> None:
    x = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    assert plane(shift_image(x, 0, 1)) == [[0, 1, 2], [0, 4, 5], [0, 7, 8]]
    assert plane(shift_image(x, 1, 0)) == [[0, 0, 0], [1, 2, 3], [4, 5, 6]]
    assert plane(shift_image(x, 2, 2)) == [[0, 0, 0], [0, 0, 0], [0, 0, 1]]
    assert plane(shift_image(x, 0, 3)) == [[0, 0, 0]] * 3
    assert np.array_equal(shift_image(x, 1, 2), torch_shift(x, 1, 2))


def test_edge_shifted_two_leaves_the_input_and_down_moves_along_it() -> None:
    gone, _ = seed_shift_cases(2, "x", Pooling())
    assert plane(gone.shifted_output) == [[0, 0], [0, 0]]
    assert gone.changed == ((0, 1), (1, 1))
    assert gone.edge is not None and gone.edge.windows_after == ()
    down, _ = seed_shift_cases(1, "y", Pooling())
    # 8 7 9 6 -> 0 8 7 9: the row windows now hold 0 8 / 7 9, maxima 8 and 9 as before
    assert plane(down.shifted_output) == [[0, 8], [0, 9]] and down.changed == ()
    assert down.edge is None  # the edge does not move sideways
    both, _ = seed_shift_cases(1, "both", Pooling())
    assert both.offsets == (1, 1) and plane(both.shifted_output) == [[0, 8], [0, 9]]


def test_overlapping_windows_see_a_shift_inside_a_window() -> None:
    case = seed_shift_cases(1, "x", Pooling(size=3, stride=1))[0]
    # columns 0-2 and 1-3 read column 2; only 1-3 reads column 3. Rows 0-2 and 1-3 both hold
    # the 9, so every window's max is 9 before; after, the windows over columns 0-2 hold zeros
    assert plane(case.output) == [[9, 9], [9, 9]]
    assert plane(case.shifted_output) == [[0, 9], [0, 9]]
    assert case.changed == ((0, 0), (1, 0))


def test_edge_table_rows_derived_by_hand() -> None:
    table = tolerance_table(generated_sources("x"), Pooling(), layers=1, shifts=2, along="x")
    one, two = table.of("edge")
    # 32 inputs, the edge in column c = 0..31; 2x2 pooling gives 16x16, and an edge column
    # pools to 8 9 8 9 ... (max of 8 7 and of 9 6) down its 16 rows.
    # Shift 1: even c stays in its window (16 identical outputs); odd c = 1..29 leaves output
    # column c//2 and enters c//2+1 (32 cells change), c = 31 leaves the input (16 cells).
    changed = 15 * 32 + 16
    assert one.output_shape == (16, 16) and one.identical == 16 and one.inputs == 32
    assert one.unchanged_fraction == 1 - changed / (32 * 256)
    # each changed column changes by 8 and 9, 8 times each; the outputs span 0-9
    assert one.mean_abs_change == pytest.approx((31 * 8 * (8 + 9)) / (32 * 256) / 9, rel=1e-12)
    # shift 2 moves every edge one whole window: two columns change for c <= 29, one for 30, 31
    assert two.identical == 0
    assert two.unchanged_fraction == 1 - (30 * 32 + 2 * 16) / (32 * 256)


def test_tolerance_table_matches_pytorch_on_a_fixed_input() -> None:
    x = np.random.default_rng(7).integers(0, 100, (2, 20, 18, 2)).astype(float)
    source = Source("fixed", "a fixed random input", x)
    table = tolerance_table([source], Pooling(size=2), layers=3, shifts=3, along="both")
    assert len(table.rows) == 9
    for row in table.rows:
        a = torch_stack(x, row.layers, kernel_size=2)
        b = torch_stack(torch_shift(x, row.shift, row.shift), row.layers, kernel_size=2)
        same = a == b
        span = max(a.max(), b.max()) - min(a.min(), b.min())
        assert row.output_shape == a.shape[1:3]
        assert row.unchanged_fraction == pytest.approx(same.mean(), abs=0)
        assert row.mean_abs_change == pytest.approx(np.abs(a - b).mean() / span, rel=1e-12)
        assert row.identical == int(same.reshape(2, -1).all(axis=1).sum())


def test_depths_that_no_longer_fit_are_reported() -> None:
    source = Source("small", "4x4", SEED_EDGE[None, :, :, None])
    table = tolerance_table([source], Pooling(), layers=4, shifts=1, along="x")
    assert [(r.layers, r.fits, r.output_shape) for r in table.rows] == [
        (1, True, (2, 2)),
        (2, True, (1, 1)),
        (3, False, None),
        (4, False, None),
    ]
    assert table.trend("small").deepest == 2


def test_default_table_verdicts() -> None:
    table = tolerance_table(generated_sources("x"), Pooling(), layers=3, shifts=4, along="x")
    edge, texture = table.trend("edge"), table.trend("texture")
    assert edge.verdict == "mixed" and texture.verdict == "more"
    # per output cell the edge gains little at shifts 1-2 and loses at 3-4 ...
    assert edge.signs == (0, 1, -1, -1)
    # ... while the share of edge positions whose whole output is unchanged grows with depth
    assert edge.first_identical == (0.5, 0.0, 0.0, 0.0)
    assert edge.last_identical == (28 / 32, 24 / 32, 20 / 32, 16 / 32)
    assert all(b > a for a, b in zip(texture.first, texture.last, strict=True))


def test_shift_refuses_a_shift_below_one_and_an_unknown_axis() -> None:
    with pytest.raises(PoolvizError, match="at least 1 pixel"):
        shift_case(SEED_EDGE, 0, "x", Pooling(), "t")
    with pytest.raises(PoolvizError, match="use x, y or both"):
        shift_case(SEED_EDGE, 1, "z", Pooling(), "t")


def test_shift_report_at_80_columns() -> None:
    cases = seed_shift_cases(1, "x", Pooling())
    table = tolerance_table(generated_sources("x"), Pooling(), layers=3, shifts=4, along="x")
    text = render(shift_report(cases, table, DemoView(colour=False)))
    lines = [line.rstrip() for line in text.splitlines()]
    assert max(len(line) for line in lines) <= 80
    assert " 0  0 │ 8  0     0  0 │ 0  8     0  8         0  8" in text
    assert "no output cell changed (0 of 4): the shift is invisible after pooling" in text
    assert "why: column 2 → 3 stays inside the window over columns 2-3" in text
    assert "4 of 4 output cells changed (100%): (0,0) (0,1) (1,0) (1,1)" in text
    assert "[8][0]       [0][8]" in text
    assert "      1    16x16       1       93.9%     5.7%            16 of 32" in lines
    assert "      3      4x4       1       94.5%     5.5%            28 of 32" in lines
    assert "                       4       78.1%    21.9%            16 of 32" in lines
    claim = "The claim that deeper stacks tolerate shifts better holds for texture, not for edge"
    assert claim in " ".join(text.split())  # wrapped at 80 columns


def test_why_says_dropped_where_the_column_is_there_and_off_the_input_only_past_it() -> None:
    # 3x3 windows, stride 3, on 4 columns: one window (columns 0-2); column 3 is dropped
    edge_2, edge_1 = seed_shift_cases(1, "x", Pooling(size=3))
    assert edge_2.edge is not None and edge_2.edge.width == 4
    assert why_line(edge_2) == (
        "why: column 2 → 3: column 3 is read by no window (dropped), so the edge leaves the "
        "window over columns 0-2 and its maxima vanish"
    )
    assert why_line(edge_1) == (
        "why: column 1 → 2 stays inside the window over columns 0-2, so every window keeps its "
        "maximum"
    )
    edge_2, edge_1 = seed_shift_cases(2, "x", Pooling(size=3))
    assert why_line(edge_2) == (
        "why: column 2 → 4: column 4 is off the input, so the edge leaves the window over "
        "columns 0-2 and its maxima vanish"
    )
    assert why_line(edge_1) == (
        "why: column 1 → 3: column 3 is read by no window (dropped), so the edge leaves the "
        "window over columns 0-2 and its maxima vanish"
    )
    # 2x2 windows: 2 → 4 is past the last column, 3
    assert why_line(seed_shift_cases(2, "x", Pooling())[0]) == (
        "why: column 2 → 4: column 4 is off the input, so the edge leaves the window over "
        "columns 2-3 and its maxima vanish"
    )


def test_why_where_the_edge_starts_in_a_dropped_column() -> None:
    # 1x1 windows, stride 3: windows over columns 0 and 3; 1 and 2 are dropped
    edge_2, edge_1 = seed_shift_cases(1, "x", Pooling(size=1, stride=3))
    assert why_line(edge_2) == (
        "why: column 2 → 3: column 2 is read by no window (dropped) but column 3 is read by "
        "the window over column 3, so the edge appears in output column 1"
    )
    assert edge_2.changed == ((0, 1), (1, 1))
    assert why_line(edge_1) == (
        "why: column 1 → 2: both are read by no window (dropped), so the edge never shows"
    )
    assert edge_1.changed == ()
    edge_2, _ = seed_shift_cases(2, "x", Pooling(size=1, stride=3))
    assert why_line(edge_2) == (
        "why: column 2 → 4: column 2 is read by no window (dropped) and column 4 is off the "
        "input, so the edge never shows"
    )


def test_why_names_overlapping_windows_in_the_plural() -> None:
    edge_2, edge_1 = seed_shift_cases(1, "x", Pooling(size=2, stride=1))
    assert why_line(edge_2) == (
        "why: column 2 → 3 crosses from the windows over columns 1-2 and 2-3 into the one over "
        "columns 2-3, so the maxima move to output column 2"
    )
    assert why_line(edge_1) == (
        "why: column 1 → 2 crosses from the windows over columns 0-1 and 1-2 into the ones over "
        "columns 1-2 and 2-3, so the maxima move to output columns 1 and 2"
    )
    assert why_line(seed_shift_cases(1, "x", Pooling(size=1))[0]) == (
        "why: column 2 → 3 crosses from the window over column 2 into the one over column 3, "
        "so the maxima move to output column 3"
    )
    assert why_line(seed_shift_cases(1, "y", Pooling())[0]) == (
        "why: every window still holds the same largest value"
    )


def test_shift_report_maps_changed_cells_one_mark_each_where_numbers_do_not_fit() -> None:
    # 1.23456e7 is too wide for a quarter of 80 columns: a 2x2 map of marks, not [v] numbers
    x = np.array([[1.23456e7, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]])
    case = shift_case(x, 1, "x", Pooling(), "t")
    assert case.changed == ((0, 1), (1, 0), (1, 1))
    table = tolerance_table(generated_sources("x"), Pooling(), layers=1, shifts=1, along="x")
    lines = render(shift_report([case], table, DemoView(colour=False))).splitlines()
    top = lines.index("input 4x4   changed output cells (2x2)")
    assert [line[12:].rstrip() for line in lines[top + 1 : top + 3]] == ["· ■", "■ ■"]
    assert lines[top + 3 : top + 5] == [
        "■ changed  · unchanged",
        "3 of 4 output cells changed (75%): (0,1) (1,0) (1,1)",
    ]
    ascii_view = DemoView(colour=False, ascii_only=True)
    lines = render(shift_report([case], table, ascii_view)).splitlines()
    assert [line[12:].rstrip() for line in lines[top + 1 : top + 3]] == [". #", "# #"]
    assert lines[top + 3] == "# changed  . unchanged"


# compare


def test_compare_on_the_seed_4x4() -> None:
    result = compare(SEED_4X4, Pooling())
    ops = {op.key: op for op in result.operations}
    assert plane(ops["max"].output) == [[6, 8], [4, 7]]
    assert plane(ops["avg"].output) == [[3.75, 3.75], [1.75, 3.75]]
    assert plane(ops["global_max"].output) == [[8]]
    assert plane(ops["global_avg"].output) == [[52 / 16]]
    assert plane(ops["conv"].output) == [[3.75, 3.75], [1.75, 3.75]]
    assert result.conv_equals_average
    # adaptive average to max's 2x2: the same bins as 2x2 windows, the same averages
    assert plane(ops["adaptive_avg"].output) == [[3.75, 3.75], [1.75, 3.75]]
    # blur: max 2x2 at stride 1 (6 8 8 / 6 8 8 / 4 7 7), reflected 1 before and 2 after,
    # the [1 3 3 1]/8 filter in both directions, every second position
    assert plane(ops["blur"].output) == [[7.078125, 7.609375], [6.734375, 7.328125]]
    assert [op.params for op in result.operations] == [0, 0, 0, 0, 0, 0, 4]
    assert ops["conv"].learned_params == 2 * 2 * 1 * 1 + 1
    quarter, one = 0.25, 1 / 16
    assert [op.kept_fraction for op in result.operations] == [quarter] * 4 + [one, one, quarter]
    # unpooling keeps the four maxima (6 8 4 7 = 25) and zeros the rest (52 - 25 = 27)
    assert ops["max"].reconstruction_error == 27 / 16
    assert plane(ops["max"].reconstruction) == [
        [0, 0, 0, 0],
        [0, 6, 8, 0],
        [0, 4, 7, 0],
        [0, 0, 0, 0],
    ]
    # |x - window mean| summed per window: 7 + 9 + 5 + 6.5
    assert ops["avg"].reconstruction_error == 27.5 / 16
    assert [op.reconstruction_error for op in result.operations[2:]] == [None] * 5


def test_compare_one_window_max_6_average_375() -> None:
    result = compare(np.array([[1.0, 3.0], [5.0, 6.0]]), Pooling())
    assert plane(result.operation("max").output) == [[6]]
    assert plane(result.operation("avg").output) == [[3.75]]


def test_compare_channels_weights_and_overlap() -> None:
    x = np.random.default_rng(1).random((6, 6, 3))
    weights = np.array([[1.0, -1.0], [0.5, 2.0]])
    result = compare(x, Pooling(size=2), weights)
    conv = result.operation("conv")
    assert conv.params == 2 * 2 * 3 and conv.learned_params == 2 * 2 * 3 * 3 + 3
    assert not result.conv_equals_average
    overlapping = compare(x, Pooling(size=3, stride=1))
    assert overlapping.overlapping
    assert overlapping.operation("max").reconstruction is None
    assert overlapping.operation("avg").note is not None
    dilated = compare(SEED_4X4, Pooling(size=2, dilation=2))
    assert dilated.operation("avg").output is None
    assert dilated.operation("avg").note == (
        "average pooling takes no dilation (PyTorch's avg_pool2d has none); use dilation 1"
    )


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation"),
    [((2, 2), 2, 0, 1), ((3, 3), 2, 1, 1), ((2, 3), (1, 2), (1, 0), 1), ((3, 2), 2, 2, 2)],
)
def test_depthwise_conv_matches_pytorch(
    kernel: tuple[int, int],
    stride: int | tuple[int, int],
    padding: int | tuple[int, int],
    dilation: int,
) -> None:
    rng = np.random.default_rng(3)
    x = rng.random((2, 7, 8, 3))
    w = rng.random(kernel)
    ours = depthwise_conv2d(x, w, stride, padding, dilation)
    weight = torch.from_numpy(np.repeat(w[None, None], 3, axis=0))
    theirs = F.conv2d(
        torch.from_numpy(x.transpose(0, 3, 1, 2).copy()),
        weight,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=3,
    )
    assert np.allclose(ours, theirs.numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12)


def test_nearest_upsample_repeats_each_window_value() -> None:
    values = np.arange(6.0).reshape(1, 2, 3, 1)
    rows, cols = axis(5, 2), axis(6, 2)  # the fifth row is dropped
    up = nearest_upsample(values, rows, cols)
    expected = np.zeros((5, 6))
    expected[:4] = np.repeat(np.repeat(values[0, :, :, 0], 2, axis=0), 2, axis=1)
    assert np.array_equal(up[0, :, :, 0], expected)


def test_compare_report_at_80_columns() -> None:
    text = render(compare_report(compare(SEED_4X4, Pooling()), DemoView(colour=False)))
    assert max(len(line) for line in text.splitlines()) <= 80
    # seven outputs do not fit 80 columns: global average and the convolution wrap below
    assert " 1  3  2  1    6  8     3.75  3.75    3.75  3.75        7.08  7.61   8" in text
    assert "global avg  conv 2x2" in text
    assert " max pooling                (1, 2, 2, 1)        0     25%   1.69 (unpool)" in text
    assert " adaptive average pooling   (1, 2, 2, 1)        0     25%   -" in text
    assert " global max pooling         (1, 1, 1, 1)        0   6.25%   -" in text
    assert " strided convolution        (1, 2, 2, 1)        4     25%   -" in text
    assert "Conv2D(1, 2, strides=2) has 2·2·1·1 + 1 = 5." in text
    assert "With these weights the convolution equals average pooling." in text


# size


def test_size_of_the_seeds_examples() -> None:
    (dim,) = output_sizes([26], Pooling()).dims
    assert (dim.input, dim.output, dim.dropped, dim.padding) == (26, 13, (), (0, 0))
    (dim,) = output_sizes([13], Pooling()).dims
    assert (dim.output, dim.dropped) == (6, (12,))
    (dim,) = output_sizes([11], Pooling()).dims
    assert (dim.output, dim.dropped) == (5, (10,))
    assert dim.steps == (
        "out = floor((n + 2p − d·(k−1) − 1) / s) + 1",
        "    = floor((11 + 2·0 − 1·(2−1) − 1) / 2) + 1",
        "    = floor(9 / 2) + 1",
        "    = 4 + 1 = 5",
    )
    mnist = output_sizes([26, 26], Pooling(), channels=32)
    assert mnist.input_shape == (26, 26) and mnist.output_shape == (13, 13)
    assert mnist.kept_fraction == 0.25


def test_ceil_mode_and_same() -> None:
    (dim,) = output_sizes([5], Pooling(size=2, padding=1, ceil_mode=True)).dims
    # ceil((5 + 2 - 1 - 1) / 2) + 1 = 4, but window 3 would start at 3*2 - 1 = 5: past the input
    assert dim.output == 3 and dim.padding_used == (-1,) and dim.overhang == ()
    assert (
        dim.steps[-1] == "      its start = (4−1)·2 − 1 = 5 ≥ 5 (past the input): drop it, out = 3"
    )
    (dim,) = output_sizes([13], Pooling(size=2, ceil_mode=True)).dims
    assert dim.output == 7 and dim.dropped == () and dim.overhang == (13,)
    (dim,) = output_sizes([5], Pooling(size=2, padding="same")).dims
    # Keras: ceil(5 / 2) = 3; padding (3-1)*2 + 2 - 5 = 1, the odd cell at the bottom/right
    assert dim.output == 3 and dim.padding == (0, 1) and dim.padding_used == (5,)
    assert dim.steps[-1] == (
        "split: 0 before (top/left), 1 after (bottom/right); the odd cell goes after"
    )
    (dim,) = output_sizes([5], Pooling(size=2, padding="same_lower")).dims  # ONNX's SAME_LOWER
    assert dim.padding == (1, 0)
    assert dim.steps[-1] == (
        "split: 1 before (top/left), 0 after (bottom/right); the odd cell goes before"
    )


def _torch_size(n: int, k: int, s: int, p: int, d: int, ceil: bool) -> int | None:
    """PyTorch's output length, or None where it refuses the configuration."""
    try:
        out = F.max_pool2d(torch.zeros(1, 1, n, 1), (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode=ceil)
    except RuntimeError:
        return None
    return int(out.shape[2])


def test_size_against_output_size_and_pytorch() -> None:
    checked = 0
    for n, k, s, p, d, ceil in itertools.product(
        range(1, 14), range(1, 5), range(1, 4), range(3), range(1, 3), (False, True)
    ):
        expected = _torch_size(n, k, s, p, d, ceil)
        pooling = Pooling(size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil)
        if expected is None:
            with pytest.raises(PoolvizError):
                output_sizes([n], pooling)
            continue
        (dim,) = output_sizes([n], pooling).dims
        assert dim.output == expected == output_size(n, k, s, p, d, ceil), (n, k, s, p, d, ceil)
        assert dim.steps[-1].endswith(f"= {expected}") or "keep it" in dim.steps[-1]
        checked += 1
    assert checked > 1000


def test_dropped_cells_get_no_gradient_in_pytorch() -> None:
    for n, k, s, p, ceil in itertools.product(
        range(2, 12), range(1, 4), range(1, 5), range(2), (False, True)
    ):
        if p > k // 2 or _torch_size(n, k, s, p, 1, ceil) is None:
            continue
        x = torch.ones(1, 1, n, 1, requires_grad=True, dtype=torch.float64)
        F.avg_pool2d(x, (k, 1), (s, 1), (p, 0), ceil_mode=ceil).sum().backward()
        assert x.grad is not None
        unread = tuple(int(i) for i in np.nonzero(x.grad.numpy()[0, 0, :, 0] == 0)[0])
        (dim,) = output_sizes([n], Pooling(size=k, stride=s, padding=p, ceil_mode=ceil)).dims
        assert dim.dropped == unread, (n, k, s, p, ceil)


def test_size_refusals() -> None:
    with pytest.raises(PoolvizError) as err:
        output_sizes([4], Pooling(size=5))
    assert err.value.message == (
        "a window of 5 does not fit a length of 4 with padding 0; use a smaller --size or add "
        "--padding"
    )
    with pytest.raises(PoolvizError, match="padding 2 exceeds half the window"):
        output_sizes([8], Pooling(size=2, padding=2))
    with pytest.raises(PoolvizError, match="size 3x2 has two axes"):
        output_sizes([8], Pooling(size=(3, 2)))


def test_size_steps_doctest_shape_for_same() -> None:
    assert size_steps(axis(7, 3, 2, "same")) == (
        "out = ceil(n / s) = ceil(7 / 2) = 4",
        "padding = max((out−1)·s + d·(k−1) + 1 − n, 0)",
        "        = max((4−1)·2 + 1·(3−1) + 1 − 7, 0) = max(2, 0) = 2",
        "split: 1 before (top/left), 1 after (bottom/right)",
    )


def test_size_report_at_80_columns() -> None:
    text = render(size_report(output_sizes([26, 26], Pooling(), 32), DemoView(colour=False)))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "(batch, 26, 26, 32) → (batch, 13, 13, 32)" in text
    assert "values per item: 21,632 → 5,408 (25% kept); 0 parameters" in text
    assert "Height and width: 26 → 13" in text
    assert "  dropped: none; every row/column is read" in text
    text = render(size_report(output_sizes([13, 12], Pooling(size=2))))
    assert "  dropped: row 12 (1 of 13), read by no window" in text
    assert "  dropped: none; every column is read" in text
    text = render(size_report(output_sizes([12], Pooling(size=2, stride=3))))
    assert "  dropped: cells 2, 5, 8, 11 (4 of 12), read by no window" in text


def test_size_report_folds_long_code_as_pool_does() -> None:
    pooling = Pooling(size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(2, 3), ceil_mode=True)
    text = render(size_report(output_sizes([224, 224], pooling), DemoView(colour=False)))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "  PyTorch: nn.MaxPool2d(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)," in lines
    assert "             dilation=(2, 3), ceil_mode=True)" in lines


def test_shift_blur_beside_max_on_the_seed_edge() -> None:
    from poolviz.demos import BlurPooling

    blur = BlurPooling(2, 2, 4)
    same, crossing = seed_shift_cases(1, "x", Pooling(), blur)
    assert [o.label for o in same.shown] == ["max", blur.label]
    # the filter weights are sixty-fourths: 5.390625 = 345/64
    assert same.blur is not None and crossing.blur is not None
    assert same.blur.output[0, :, :, 0].tolist() == [[5.390625, 7.546875], [5.546875, 7.765625]]
    assert same.blur.changed == ((0, 0), (0, 1), (1, 0), (1, 1))
    assert same.max_outputs.mean_abs_change == 0.0
    assert same.blur.mean_abs_change == 4.375
    assert crossing.max_outputs.mean_abs_change == 8.5
    assert crossing.blur.mean_abs_change == 2.1875
    only_blur = seed_shift_cases(1, "x", Pooling(), blur, show_max=False)[0]
    assert [o.label for o in only_blur.shown] == [blur.label]


def test_tolerance_table_measures_blur_rows() -> None:
    from poolviz.demos import BlurPooling

    table = tolerance_table(
        generated_sources("x"), Pooling(), 2, 1, "x", BlurPooling(), modes=("max", "blur")
    )
    assert [(r.source, r.mode, r.layers) for r in table.rows] == [
        ("edge", "max", 1),
        ("edge", "max", 2),
        ("edge", "blur", 1),
        ("edge", "blur", 2),
        ("texture", "max", 1),
        ("texture", "max", 2),
        ("texture", "blur", 1),
        ("texture", "blur", 2),
    ]
    blur = table.of("texture", "blur")
    assert [r.output_shape for r in blur] == [(16, 16), (8, 8)]
    # blur's outputs are weighted means: a shift moves almost every value a little
    assert blur[0].unchanged_fraction == 0.0
    assert table.of("texture")[0].mean_abs_change > blur[0].mean_abs_change
