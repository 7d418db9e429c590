"""Dressing a figure for a slide (--figsize, --font-scale, --theme, --cmap): exact page sizes,
word sizes, the dark page, and every picture in the chosen colour map."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from PIL import Image

from poolviz.engine.explain import explain
from poolviz.engine.gradient import gradient, upstream_gradient
from poolviz.examples import SEED_4X4, SEED_5X5
from poolviz.render.figure.grad import grad_figure
from poolviz.render.figure.grid import INDEX_GID
from poolviz.render.figure.look import CELL_GID, DARK_TEXT, Look, dress
from poolviz.render.figure.pool import pool_figure
from tests.cli import run
from tests.legibility import problems


def saved(tmp_path: Path, command: str, *args: str) -> Image.Image:
    target = tmp_path / "figure.png"
    code, out, err = run(command, *args, "-o", str(target))
    assert code == 0, err
    assert out == f"wrote {target}\n"
    with Image.open(target) as image:
        image.load()
        return image


@pytest.mark.parametrize(
    ("command", "args", "size"),
    [
        ("pool", ("--figsize", "16x9", "--dpi", "100"), (1600, 900)),
        ("grad", ("--figsize", "16x9", "--dpi", "50"), (800, 450)),
        ("grad", ("--figsize", "13.33x7.5", "--dpi", "150"), (2000, 1125)),  # 1999.5 rounds up
        ("pool", ("--sample", "photo", "--figsize", "4x3", "--dpi", "100"), (400, 300)),
    ],
)
def test_figsize_gives_the_exact_page_in_pixels(
    tmp_path: Path, command: str, args: tuple[str, ...], size: tuple[int, int]
) -> None:
    image = saved(tmp_path, command, *args)
    assert image.size == size
    # the figure is centred on the page: the far corners are both the page's white
    pixels = np.asarray(image.convert("RGB"))
    assert tuple(pixels[0, 0]) == tuple(pixels[-1, -1]) == (255, 255, 255)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "16by9",
            "error: --figsize '16by9' is not a size; use WxH in inches, width first, "
            "such as 16x9 or 13.33x7.5",
        ),
        ("0x9", "error: --figsize 0x9: each side must be 1 to 100 inches; use e.g. 16x9"),
    ],
)
def test_a_bad_figsize_is_refused_and_nothing_written(
    tmp_path: Path, value: str, message: str
) -> None:
    target = tmp_path / "x.png"
    code, _, err = run("pool", "--figsize", value, "-o", str(target))
    assert code == 2
    assert err.splitlines()[0] == message
    assert not target.exists()


def _pool(font_scale: float) -> Figure:
    return pool_figure(
        explain(SEED_4X4, mode="max", size=(2, 2), stride=(2, 2)), font_scale=font_scale
    )


def _grad(aspect: str, mode: str, font_scale: float) -> Figure:
    forward = explain(SEED_5X5, mode=mode, size=(3, 3), stride=(2, 2))
    result = gradient(forward, upstream_gradient(forward, "ones", 0))
    return grad_figure(result, aspect=aspect, font_scale=font_scale)


def _grad_wide(font_scale: float) -> Figure:
    return _grad("wide", "max", font_scale)


def _grad_tall(font_scale: float) -> Figure:
    return _grad("tall", "max", font_scale)


def _grad_avg_wide(font_scale: float) -> Figure:
    return _grad("wide", "avg", font_scale)


@pytest.mark.parametrize(
    ("args", "shape"),
    [((), "wide"), (("--aspect", "wide"), "wide"), (("--aspect", "tall"), "tall")],
)
def test_grad_aspect(tmp_path: Path, args: tuple[str, ...], shape: str) -> None:
    image = saved(tmp_path, "grad", *args)
    # auto: the three steps in rows would be 998x1647, taller than wide, so columns
    assert image.size == ((1580, 1024) if shape == "wide" else (1022, 1647))


def test_font_scale_grows_words_but_not_the_cells_numbers() -> None:
    fig = pool_figure(explain(SEED_4X4, mode="max", size=(2, 2), stride=(2, 2)))
    cells = sorted(
        {t.get_fontsize() for ax in fig.axes for t in ax.texts if t.get_gid() == CELL_GID}
    )
    index = sorted(
        {t.get_fontsize() for ax in fig.axes for t in ax.texts if t.get_gid() == INDEX_GID}
    )
    dress(fig, Look(font_scale=1.5))
    assert fig.get_suptitle() and fig._suptitle is not None
    assert fig._suptitle.get_fontsize() == 18.0  # 12 points, 1.5 times
    assert [ax.title.get_fontsize() for ax in fig.axes] == [15.0, 15.0]
    after = {ax: ax.texts for ax in fig.axes}
    assert (
        sorted({t.get_fontsize() for ts in after.values() for t in ts if t.get_gid() == CELL_GID})
        == cells
    )
    assert sorted(
        {t.get_fontsize() for ts in after.values() for t in ts if t.get_gid() == INDEX_GID}
    ) == [1.5 * s for s in index]


def test_dark_theme_paints_the_page_and_words_and_keeps_window_colours(tmp_path: Path) -> None:
    image = saved(tmp_path, "pool", "--theme", "dark")
    pixels = np.asarray(image.convert("RGB"))
    assert tuple(pixels[0, 0]) == (0x1E, 0x1E, 0x1E)
    found = {tuple(int(v) for v in p) for p in np.unique(pixels.reshape(-1, 3), axis=0)}
    assert (0xF3, 0xD0, 0x8C) in found or len(found) > 50
    fig = pool_figure(explain(SEED_4X4, mode="max", size=(2, 2), stride=(2, 2)))
    dress(fig, Look(theme="dark"))
    assert fig._suptitle is not None and fig._suptitle.get_color() == DARK_TEXT
    numbers = [t.get_color() for ax in fig.axes for t in ax.texts if t.get_gid() == CELL_GID]
    assert set(numbers) == {"#000000"}  # on pale window fills, still black


def test_cmap_reaches_the_zoomed_grid() -> None:
    ramp = np.arange(40 * 40, dtype=float).reshape(1, 40, 40, 1)
    fig = pool_figure(explain(ramp, mode="max", size=(2, 2), stride=(2, 2)), cmap="magma")
    (zoom,) = [ax for ax in fig.axes if ax.get_title().startswith("zoom")]
    fills = {to_hex(face) for grid in zoom.collections for face in grid.get_facecolors()}
    assert to_hex(colormaps["magma"](0.0)) in fills  # the zoom's smallest value
    assert to_hex(colormaps["gray"](0.0)) not in fills


@pytest.mark.parametrize(
    "make",
    [_pool, _grad_wide, _grad_tall, _grad_avg_wide],
    ids=["pool", "grad-wide", "grad-tall", "grad-avg-wide"],
)
@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_dressed_figures_stay_legible(
    make: Callable[[float], Figure], scale: float, theme: str
) -> None:
    fig = make(scale)  # laid out for words that large, as the CLI draws it
    dress(fig, Look(font_scale=scale, theme=theme))
    assert problems(fig) == []


def _cells(fig: Figure) -> list[float]:
    """Each grid's cell width in pixels (a grid in an Axes or on a sheet)."""
    from matplotlib.axes import Axes

    from poolviz.render.figure.sheet import Sheet

    grids = [a for a in [*fig.findobj(Axes), *fig.findobj(Sheet)] if a.texts]
    return [a.bbox.width / (a.get_xlim()[1] - a.get_xlim()[0]) for a in grids]


def _blur_page(font_scale: float) -> Figure:
    """SEED_4X4's blur strip, placed by hand as pool's figure."""
    from poolviz.engine.blur import explain_blur
    from poolviz.render.figure.blur import blur_figure
    from poolviz.render.figure.choices import FigureChoices

    run = explain_blur(np.array(SEED_4X4, dtype=float))
    return blur_figure(run, choices=FigureChoices(font_scale=font_scale))


def _compare_page(font_scale: float) -> Figure:
    """SEED_4X4's compare page, placed by hand."""
    from poolviz.demos import Pooling, compare
    from poolviz.render.figure.compare import compare_figure

    return compare_figure(compare(SEED_4X4, Pooling()), font_scale=font_scale)


@pytest.mark.parametrize(
    ("page", "natural_size", "grown_size", "grids"),
    [
        # its least width, the title's, twice as wide
        (_blur_page, (16.0, 4.64), (32.0, 6.28), 5),
        # 7 titles, each 2.9 inches wide, not 1.45
        (_compare_page, (15.5, 6.91), (27.325, 9.67), 11),
    ],
)
def test_a_hand_placed_page_is_laid_out_for_larger_words_with_the_same_cells(
    page: Callable[[float], Figure],
    natural_size: tuple[float, float],
    grown_size: tuple[float, float],
    grids: int,
) -> None:
    natural = page(1.0)
    natural.draw_without_rendering()
    fig = page(2.0)
    dress(fig, Look(font_scale=2.0))
    fig.draw_without_rendering()
    # the page grows for the words; cells do not
    assert tuple(natural.get_size_inches()) == pytest.approx(natural_size)
    assert tuple(fig.get_size_inches()) == pytest.approx(grown_size)
    assert _cells(fig) == pytest.approx([50.0] * grids)  # half an inch at 100 dpi, as natural's
    assert _cells(natural) == pytest.approx([50.0] * grids)
    assert problems(fig) == []


def test_index_labels_grow_but_stay_within_their_cells() -> None:
    ramp = np.arange(40 * 40, dtype=float).reshape(1, 40, 40, 1)
    fig = pool_figure(explain(ramp, mode="max", size=(2, 2), stride=(2, 2)))
    (zoom,) = [ax for ax in fig.axes if ax.get_title().startswith("zoom")]
    labels = [t for t in zoom.texts if t.get_gid() == INDEX_GID]
    before = labels[0].get_fontsize()
    dress(fig, Look(font_scale=2.0))
    fig.draw_without_rendering()
    cell = zoom.transData.transform((1, 0))[0] - zoom.transData.transform((0, 0))[0]
    columns = [t for t in labels if t.get_va() == "bottom"]
    assert before < columns[0].get_fontsize() < 2 * before
    assert max(t.get_window_extent().width for t in columns) <= 0.9 * cell + 0.5


def test_dark_theme_paints_legends_dark() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="1 layer")
    legend = ax.legend()
    dress(fig, Look(theme="dark"))
    assert to_hex(legend.get_frame().get_facecolor()) == "#1e1e1e"  # was white, words light
    assert [t.get_color() for t in legend.get_texts()] == [DARK_TEXT]
