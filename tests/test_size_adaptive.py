"""``poolviz size --output-size``: adaptive pooling's bins worked out with the user's numbers
(each bin's first and last cell, the lengths that occur, the cells neighbouring bins share),
in the terminal at 80 columns and in ``--json``; the options it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.text import Text
from PIL import Image

from poolviz.demos import adaptive_sizes, adaptive_steps
from poolviz.engine.uneven import adaptive_axis
from poolviz.errors import PoolvizError
from tests.cli import json_of, run


def test_ten_to_four_gives_four_overlapping_bins_of_three() -> None:
    assert adaptive_steps(adaptive_axis(10, 4)) == (
        "bin i reads cells floor(i·n/o) .. ceil((i+1)·n/o) − 1   (n = 10, o = 4)",
        "  bin 0: floor(0·10/4) = 0 .. ceil(1·10/4) − 1 = 2   (3 cells)",
        "  bin 1: floor(1·10/4) = 2 .. ceil(2·10/4) − 1 = 4   (3 cells)",
        "  bin 2: floor(2·10/4) = 5 .. ceil(3·10/4) − 1 = 7   (3 cells)",
        "  bin 3: floor(3·10/4) = 7 .. ceil(4·10/4) − 1 = 9   (3 cells)",
        "lengths: 3 (every bin)",
        "shared: cell 2 (bins 0, 1), cell 7 (bins 2, 3)",
    )


def test_two_lengths_a_tiling_and_a_larger_output() -> None:
    assert adaptive_steps(adaptive_axis(5, 3))[-2:] == (
        "lengths: 2 (bins 0, 2), 3 (bin 1)",
        "shared: cell 1 (bins 0, 1), cell 3 (bins 1, 2)",
    )
    assert adaptive_steps(adaptive_axis(12, 4))[-2:] == (
        "lengths: 3 (every bin)",
        "shared: none; the bins tile the axis",
    )
    # 3 -> 7: bins [0,1) [0,1) [0,2) [1,2) [1,3) [2,3) [2,3); each cell read by three
    assert adaptive_steps(adaptive_axis(3, 7))[-2:] == (
        "lengths: 1 (5 bins), 2 (bins 2, 4)",
        "shared: o > n, so every cell is read by 3 bins",
    )


def test_a_long_axis_lists_three_bins_and_the_last() -> None:
    steps = adaptive_steps(adaptive_axis(100, 30))
    assert steps[4:6] == (
        "  …",
        "  bin 29: floor(29·100/30) = 96 .. ceil(30·100/30) − 1 = 99   (4 cells)",
    )
    assert steps[-1] == (
        "shared: cell 3 (bins 0, 1), cell 6 (bins 1, 2), cell 13 (bins 3, 4), … (20 cells)"
    )


def test_result_shapes() -> None:
    result = adaptive_sizes((5, 7), (3, 9), 8)
    assert (result.input_shape, result.output_shape, result.bins) == ((5, 7), (3, 9), (3, 9))
    assert result.spec is None and [d.dropped for d in result.dims] == [(), ()]
    with pytest.raises(PoolvizError) as err:
        adaptive_sizes((10,), (4, 3))
    assert err.value.message == (
        "--output-size 4x3 has two axes but the input has one length; give one number"
    )


def test_terminal_at_80_columns() -> None:
    code, out, err = run("size", "5x7", "--output-size", "3x9", "--channels", "8")
    assert (code, err) == (0, "")
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[:4] == [
        "Output size of a pooling layer",
        "adaptive pooling to 3x9: bins fitted to the output size",
        "(batch, 5, 7, 8) → (batch, 3, 9, 8)",
        "values per item: 280 → 216 (77% kept); 0 parameters",
    ]
    assert "  bins: 3, starting at 0, 1, 3; each reads 2 or 3 rows" in lines
    assert "  bins: 9, starting at 0, 0, 1, …, 6; each reads 1 or 2 columns" in lines
    assert "  shared: o > n, so every cell is read by 2 or 3 bins" in lines
    assert lines[-4:] == [
        "The same layer as code (average or max: the same bins):",
        "  PyTorch: nn.AdaptiveAvgPool2d((3, 9)), nn.AdaptiveMaxPool2d((3, 9))",
        "  Keras:   keras.layers.AdaptiveAveragePooling2D((3, 9)),",
        "           keras.layers.AdaptiveMaxPooling2D((3, 9))",
    ]
    assert max(len(line) for line in lines) <= 80


def test_json_bins() -> None:
    body = json_of("size", "10", "--output-size", "4")
    assert body["config"] == {"output_size": 4}
    assert (body["input_shape"], body["output_shape"]) == ([10], [4])
    (dim,) = body["dims"]
    assert dim["bins"] == [[0, 3], [2, 3], [5, 3], [7, 3]]
    assert dim["steps"][-1] == "shared: cell 2 (bins 0, 1), cell 7 (bins 2, 3)"
    assert "bins" not in json_of("size", "10")["dims"][0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-k", "3", "--ceil-mode"],
            "error: --output-size sets adaptive bins, which take no --size, --ceil-mode; give "
            "either --output-size or the window options",
        ),
    ],
)
def test_refused(args: list[str], message: str) -> None:
    code, out, err = run("size", "10", "--output-size", "4", *args)
    assert (code, out, err.splitlines()) == (2, "", [message])


def test_the_figure_draws_the_bins(tmp_path: Path) -> None:
    """Bins in lanes so that overlapping ones never share one: 10 -> 4 needs two (cell 2 is
    read by bins 0 and 1); the title says adaptive."""
    from poolviz.render.figure.size import _lanes, size_figure

    result = adaptive_sizes((10,), (4, 4))
    assert _lanes(result.dims[0]) == 2
    assert _lanes(adaptive_sizes((7,), (9, 9)).dims[0]) == 3
    figure = size_figure(result)
    assert figure.get_suptitle() == "Output size: adaptive pooling to 4 (bins, not a window)"
    target = tmp_path / "bins.png"
    code, out, err = run("size", "10", "--output-size", "4", "-o", str(target))
    assert (code, err) == (0, "")
    with Image.open(target) as image:
        assert image.format == "PNG" and image.size[0] > image.size[1] > 300


def test_dark_theme_keeps_the_cells_numbers_dark_on_their_light_fill() -> None:
    # dress turns words light on a dark page; the cells stay light, so their numbers stay
    # dark (they turned #E8E8E8 on #F4F4F4, unreadable), and the bins' numbers turn light
    from poolviz.render.figure.look import Look, dress
    from poolviz.render.figure.size import size_figure

    figure = size_figure(adaptive_sizes((10,), (4, 4)))
    dress(figure, Look(theme="dark"))
    numbers = [
        (t.get_text(), t.get_color()) for t in figure.findobj(Text) if t.get_text().isdigit()
    ]
    cells, bins = numbers[:10], numbers[10:]
    assert cells == [(str(k), "#222222") for k in range(10)]
    assert bins == [(str(i), "#E8E8E8") for i in range(4)]
