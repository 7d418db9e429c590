"""The grad figure: facts about what is drawn (labels, colours, frames, the colour scale), and
that the saved file opens at a sensible size."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from poolviz.engine.explain import explain  # noqa: E402
from poolviz.engine.gradient import GradResult, gradient, upstream_gradient  # noqa: E402
from poolviz.render.figure.grad import grad_figure  # noqa: E402
from poolviz.render.figure.grid import INDEX_GID  # noqa: E402
from poolviz.render.figure.sheet import Sheet, Surface  # noqa: E402
from tests.test_engine_pooling import SEED4, SEED5  # noqa: E402


def run(x: np.ndarray, given: str | np.ndarray = "ones", **kwargs: object) -> GradResult:
    forward = explain(x, **kwargs)  # type: ignore[arg-type]
    return gradient(forward, upstream_gradient(forward, given))


def surfaces(fig: Figure) -> list[Surface]:
    """Every panel: the sheets of grids and colour bars, the Axes of pictures."""
    return [*fig.axes, *(a for a in fig.artists if isinstance(a, Sheet))]


def panel(fig: Figure, title: str) -> Surface:
    (ax,) = [ax for ax in surfaces(fig) if ax.get_title().startswith(title)]
    return ax


def colour_bar(fig: Figure, label: str) -> Sheet:
    """The colour bar labelled ``label`` (its one upright text)."""
    (bar,) = [
        a
        for a in surfaces(fig)
        if isinstance(a, Sheet) and [t.get_text() for t in a.texts if t.get_rotation()] == [label]
    ]
    return bar


def cell_texts(ax: Surface) -> list[Text]:
    """The numbers in the cells, without the row and column indices around them."""
    return [t for t in ax.texts if t.get_gid() != INDEX_GID]


def labels(ax: Surface) -> list[str]:
    return [t.get_text() for t in cell_texts(ax)]


def cell_colour(ax: Surface, r: int, c: int) -> tuple[float, ...]:
    """Face colour of the cell at (r, c) (x = c, y = r)."""
    return fills(ax)[r, c]


def fills(ax: Surface) -> dict[tuple[int, int], tuple[float, ...]]:
    """Face colour of each cell at (r, c), from the grid's one collection of cells."""
    (grid,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    return {
        (round(path.vertices[0][1]), round(path.vertices[0][0])): tuple(face)
        for path, face in zip(grid.get_paths(), grid.get_facecolors(), strict=True)
    }


def frames(ax: Surface) -> list[tuple[float, float]]:
    """Top-left corners of the black frames around cells fed by 2+ windows."""
    return [
        (round(p.get_y()), round(p.get_x()))
        for p in ax.patches
        if isinstance(p, Rectangle) and p.get_linewidth() == 3.0 and not p.get_fill()
    ]


def test_default_example_panels_and_labels(tmp_path: Path) -> None:
    fig = grad_figure(run(SEED5, size=3, stride=2))
    grad = panel(fig, "gradient at the input 5x5")
    expected = ["0"] * 25
    expected[7] = expected[12] = "2"
    assert labels(grad) == expected
    assert labels(panel(fig, "upstream gradient")) == ["1"] * 4
    # the cells holding 2 are coloured (red), the zeros are not, and their text contrasts
    assert cell_colour(grad, 1, 2) != cell_colour(grad, 0, 0)
    colours = {t.get_text(): t.get_color() for t in cell_texts(grad)}
    assert colours == {"0": "#000000", "2": "#FFFFFF"}
    # the two shared winners are framed, in the gradient and in the unpooled panel
    assert sorted(frames(grad)) == [(1, 2), (2, 2)]
    unpooled = panel(fig, "unpooled 5x5")
    assert sorted(frames(unpooled)) == [(1, 2), (2, 2)]
    assert [t for t in labels(unpooled) if t != "0"] == ["8", "7"]
    assert labels(panel(fig, "indices")) == ["7", "7", "12", "12"]
    assert labels(panel(fig, "output 2x2")) == ["8", "8", "7", "7"]
    # one colour bar, centred on 0, its ticks where matplotlib's colour bar put them
    bar = colour_bar(fig, "gradient")
    low, high = bar.get_ylim()
    assert low == -high == -2
    ticks = [t.get_text() for t in bar.texts if not t.get_rotation()]
    assert ticks == ["−2.0", "−1.5", "−1.0", "−0.5", "0.0", "0.5", "1.0", "1.5", "2.0"]
    path = tmp_path / "grad.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    with Image.open(path) as image:
        width, height = image.size
    # auto: three columns, for a slide; placed by hand, no wider than their words need
    assert (width, height) == (1053, 683)


def test_winners_ringed_in_the_forward_panel() -> None:
    fig = grad_figure(run(SEED4, size=2))
    forward = panel(fig, "input 4x4")
    bold = [t.get_text() for t in cell_texts(forward) if t.get_fontweight() == "bold"]
    assert bold == ["6", "8", "4", "7"]
    assert frames(panel(fig, "gradient at the input")) == []


def test_padding_draws_the_gradient_in_the_padded_frame() -> None:
    fig = grad_figure(run(SEED4, size=2, padding=1))
    grad = panel(fig, "gradient at the input 4x4")
    texts = labels(grad)
    assert len(texts) == 36  # 6x6 with the padding ring left empty
    inner = [texts[r * 6 + c] for r in range(1, 5) for c in range(1, 5)]
    assert inner == ["1", "1", "0", "1", "1", "0", "1", "1", "0", "0", "0", "0", "1", "0", "1", "1"]
    assert all(t == "" for k, t in enumerate(texts) if k < 6 or k >= 30)


def test_negative_gradients_are_blue_and_positive_red() -> None:
    fig = grad_figure(run(SEED5, np.array([[1, -2], [0.5, 3]]), size=3, stride=2))
    grad = panel(fig, "gradient at the input")
    red, green, blue, _ = cell_colour(grad, 2, 2)  # 3.5
    assert red > blue
    red, green, blue, _ = cell_colour(grad, 1, 2)  # -1
    assert blue > red


def test_average_shows_max_for_comparison() -> None:
    fig = grad_figure(run(SEED4, size=2, mode="avg"))
    assert labels(panel(fig, "gradient at the input")) == ["0.250"] * 16
    compare = panel(fig, "max pooling's gradient")
    assert labels(compare) == [
        "0", "0", "0", "0", "0", "1", "1", "0", "0", "1", "1", "0", "0", "0", "0", "0",
    ]  # fmt: skip
    assert not [ax for ax in surfaces(fig) if ax.get_title().startswith("unpooled")]


def test_no_unpool_drops_the_third_row() -> None:
    fig = grad_figure(run(SEED4, size=2), unpool=False)
    assert not [ax for ax in surfaces(fig) if ax.get_title().startswith("unpooled")]


def test_large_input_is_pictures(tmp_path: Path) -> None:
    x = np.random.default_rng(0).random((28, 28))
    fig = grad_figure(run(x, size=2))
    grad = panel(fig, "gradient at the input 28x28")
    assert len(grad.images) == 1 and len(grad.texts) == 0
    assert panel(fig, "output 14x14, put back").images
    path = tmp_path / "big.png"
    fig.savefig(path, dpi=80, bbox_inches="tight")
    with Image.open(path) as image:
        assert image.size == (936, 624)  # 3.2-inch input pictures, in three columns


def test_grad_figure_with_many_windows_gives_each_drawn_window_a_colour_of_its_own() -> None:
    # 16 overlapping windows on a 4x4 (-k 3 -s 1 -p 1): the first 2x2 outlined, each in a
    # colour no other drawn window has; the output and indices colour only those four
    x = np.arange(1.0, 17.0).reshape(1, 4, 4, 1)
    fig = grad_figure(run(x, size=3, stride=1, padding=1))
    outlined = [
        tuple(p.get_edgecolor())
        for p in panel(fig, "input 4x4").patches
        if isinstance(p, Rectangle) and not p.get_fill() and p.get_linewidth() == 2.4
    ]
    assert len(outlined) == 4 and len(set(outlined)) == 4
    grey = (0xF2 / 255, 0xF2 / 255, 0xF2 / 255, 1.0)
    for title in ("output 4x4", "indices"):
        cells = fills(panel(fig, title))
        coloured = {rc: c for rc, c in cells.items() if c != grey}
        assert sorted(coloured) == [(0, 0), (0, 1), (1, 0), (1, 1)], title
        assert len(set(coloured.values())) == 4, title
    assert fig.get_supxlabel() == (
        "7 of 16 input cells get no gradient from this example\n"
        "framed: 5 cells won 2+ windows (their gradients add up; unpooling places the value once)\n"
        "7 values and every non-winning position are gone after unpooling\n"
        "outlined: windows 0,0 0,1 1,0 1,1 of 16\n"
        "gradient in 16, gradient out 16"
    )


def test_caption_counts_one_lost_value_in_the_singular() -> None:
    # a 1x2 input in one 1x2 window: unpooling keeps the winner and loses one value
    fig = grad_figure(run(np.array([[1.0, 2.0]]).reshape(1, 1, 2, 1), size=(1, 2)))
    assert "1 value and every non-winning position are gone after unpooling" in (
        fig.get_supxlabel().splitlines()
    )


def test_a_max_and_its_unpooling_write_the_value_as_the_input_does() -> None:
    # 0.4 beside -1.5 is 0.40 in the input: the output and the unpooled grid say 0.40 too
    # (a lone 0.4 would be written 0.400)
    fig = grad_figure(run(np.array([[-1.5, 0.2], [0.3, 0.4]]), size=2))
    assert labels(panel(fig, "input")) == ["-1.50", "0.20", "0.30", "0.40"]
    assert labels(panel(fig, "output")) == ["0.40"]
    assert labels(panel(fig, "unpooled")) == ["0", "0", "0", "0.40"]
    avg = grad_figure(run(np.array([[-1.5, 0.2], [0.3, 0.4]]), size=2, mode="avg"))
    assert labels(panel(avg, "output")) == ["-0.150"]  # a mean keeps the places it needs


def test_an_averages_caption_counts_the_cells_maxs_gradient_misses() -> None:
    result = run(SEED5, size=3, stride=2, mode="avg")
    line = "max pooling's gradient over the same windows: 23 of 25 cells get none"
    for panel, shown in ((None, True), ("unpool", True), ("forward", False), ("gradient", False)):
        words = "\n".join(t.get_text() for t in grad_figure(result, panel=panel).texts)
        assert "every one of the 25 input cells gets some gradient" in words
        assert (line in words) is shown, panel


def test_a_colour_bars_scale_sits_clear_of_its_top_tick() -> None:
    # a gradient of 1e-5: the bar's ticks read 1.0 ... and its scale 1e-5 above them; the
    # scale started at the bar's right edge, over the 1.0
    fig = grad_figure(run(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1e-5]]), size=2))
    bar = colour_bar(fig, "gradient")
    renderer = FigureCanvasAgg(fig).get_renderer()
    scale = next(t for t in bar.texts if t.get_text() == "1e\u22125")
    top = next(t for t in bar.texts if t.get_text() == "1.0")
    assert not scale.get_window_extent(renderer).overlaps(top.get_window_extent(renderer))
    assert scale.get_window_extent(renderer).x1 <= bar.bbox.x1 + 1
