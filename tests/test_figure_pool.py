"""The pool figure: valid files, sizes that follow --dpi, and facts a broken plot would lack."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure
from PIL import Image

from poolviz.cli import main
from poolviz.engine.explain import explain
from poolviz.render.figure.look import CELL_GID
from poolviz.render.figure.pool import pool_figure
from poolviz.render.style import OKABE_ITO, pale


def write(tmp_path: Path, name: str, *args: str) -> Path:
    target = tmp_path / name
    result = CliRunner().invoke(main, ["pool", *args, "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    return target


def opened(path: Path) -> Image.Image:
    with Image.open(path) as image:
        image.load()
        return image


def colours(path: Path) -> set[tuple[int, int, int]]:
    pixels = np.asarray(opened(path).convert("RGB")).reshape(-1, 3)
    return {tuple(int(v) for v in p) for p in np.unique(pixels, axis=0)}


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[k : k + 2], 16) for k in (1, 3, 5))  # type: ignore[return-value]


def test_png_width_follows_dpi(tmp_path: Path) -> None:
    low = opened(write(tmp_path, "low.png", "--dpi", "150"))
    high = opened(write(tmp_path, "high.png", "--dpi", "300"))
    assert low.format == high.format == "PNG"
    assert 1.9 < high.width / low.width < 2.1
    assert 1.9 < high.height / low.height < 2.1


def test_every_window_fill_is_in_the_picture(tmp_path: Path) -> None:
    found = colours(write(tmp_path, "seed.png"))
    # the four windows of the 4x4 example: each input cell in its window's pale colour and
    # each output cell in a stronger one
    for k in range(4):  # window_colour_at(i, j, 2) is palette entry 2i + j
        assert rgb(pale(OKABE_ITO[k])) in found, OKABE_ITO[k]
        assert rgb(pale(OKABE_ITO[k], 0.3)) in found, OKABE_ITO[k]
    assert len(found) > 50  # not blank: text, lines and fills


def test_padding_is_hatched_and_at_greys_other_windows(tmp_path: Path) -> None:
    found = colours(write(tmp_path, "pad.png", "-p", "1", "--at", "1,1"))
    assert rgb("#EEEEEE") in found  # padding cells
    assert rgb("#F2F2F2") in found  # output cells other than --at's


def test_large_input_is_drawn_as_pictures(tmp_path: Path) -> None:
    image = opened(write(tmp_path, "photo.png", "--sample", "photo"))
    assert image.width > 1000
    pixels = np.asarray(image.convert("RGB"))
    assert pixels.std() > 20  # a photo, not a blank canvas


@pytest.mark.parametrize(("suffix", "magic"), [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_vector_formats(tmp_path: Path, suffix: str, magic: bytes) -> None:
    target = write(tmp_path, f"pool.{suffix}")
    assert target.read_bytes()[: len(magic)] == magic
    assert [p.name for p in tmp_path.iterdir()] == [f"pool.{suffix}"]


def test_indices_label_rows_and_columns_with_p_for_padding() -> None:
    from poolviz.engine.explain import explain
    from poolviz.render.figure.grid import INDEX_GID
    from poolviz.render.figure.pool import pool_figure

    x = np.arange(16.0).reshape(4, 4)
    fig = pool_figure(explain(x, 3, 2, 1))
    ax_in, ax_out = fig.axes
    index = [t for t in ax_in.texts if t.get_gid() == INDEX_GID]
    columns = [t.get_text() for t in index if t.get_verticalalignment() == "bottom"]
    rows = [t.get_text() for t in index if t.get_horizontalalignment() == "right"]
    assert columns == rows == ["p", "0", "1", "2", "3", "p"]
    assert [t.get_text() for t in ax_out.texts if t.get_gid() == INDEX_GID] == ["0", "1"] * 2
    # the title clears the column indices: 3.5 pt padding, 10 pt labels, a 4 pt gap
    fig.canvas.draw()
    title = ax_in.title.get_window_extent()
    assert all(title.y0 > t.get_window_extent().y1 for t in index)


def test_ceil_mode_overhang_is_drawn_dotted_and_empty() -> None:
    from matplotlib.patches import Rectangle

    from poolviz.engine.explain import explain
    from poolviz.render.figure.grid import INDEX_GID
    from poolviz.render.figure.pool import OVERHANG_NOTE, pool_figure

    x = np.arange(25.0).reshape(5, 5)
    fig = pool_figure(explain(x, 2, 2, ceil_mode=True))  # windows 4-5 hang over column 5
    ax_in = fig.axes[0]
    assert ax_in.get_xlim() == (0.0, 6.0) and ax_in.get_ylim() == (6.0, 0.0)
    dotted = [p for p in ax_in.patches if isinstance(p, Rectangle) and p.get_linestyle() == ":"]
    assert sorted((round(p.get_y()), round(p.get_x())) for p in dotted) == sorted(
        [(5, c) for c in range(6)] + [(r, 5) for r in range(5)]
    )
    columns = [
        t.get_text()
        for t in ax_in.texts
        if t.get_gid() == INDEX_GID and t.get_verticalalignment() == "bottom"
    ]
    assert columns == ["0", "1", "2", "3", "4", ""]
    numbers = [t.get_text() for t in ax_in.texts if t.get_gid() != INDEX_GID]
    assert numbers.count("") == 11 and "24" in numbers
    assert OVERHANG_NOTE in fig._supxlabel.get_text()  # noqa: SLF001
    plain = pool_figure(explain(x, 2, 2))
    assert plain.axes[0].get_xlim() == (0.0, 5.0)
    assert OVERHANG_NOTE not in plain._supxlabel.get_text()  # noqa: SLF001


def test_pictures_mark_where_the_zoom_is() -> None:
    from matplotlib.patches import Rectangle

    from poolviz.engine.explain import explain
    from poolviz.render.figure.pool import pool_figure

    x = np.random.default_rng(0).random((40, 50))
    fig = pool_figure(explain(x, 2), at=(5, 7))  # zoom rows 8-15, columns 12-19
    for ax in fig.axes[:2]:
        (mark,) = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert mark.get_xy() == pytest.approx((12 / 50, 8 / 40))
        assert (mark.get_width(), mark.get_height()) == pytest.approx((8 / 50, 8 / 40))


def cell_sizes(fig: Figure) -> set[float]:
    return {t.get_fontsize() for ax in fig.axes for t in ax.texts if t.get_gid() == CELL_GID}


def test_numbers_fit_their_cells() -> None:
    # 0.5-inch cells: the longest number fits 0.8 of a cell, 0.8 * 0.5 * 72 / (0.64 * chars)
    # points, so 9 for '0.401' (5 characters); digits keep their 14 (as in grad and compare)
    x = np.array([[0.401, 0.123], [0.2, 0.3]]).reshape(1, 2, 2, 1)
    fig = pool_figure(explain(x, size=2))
    (grid,) = [ax for ax in fig.axes if ax.get_title() == "input 2x2"]
    assert [t.get_text() for t in grid.texts if t.get_gid() == CELL_GID][:2] == ["0.401", "0.123"]
    assert cell_sizes(fig) == {9.0}
    assert cell_sizes(pool_figure(explain(np.arange(4.0).reshape(1, 2, 2, 1), size=2))) == {14.0}
