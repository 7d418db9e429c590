"""The demo figures: facts about what is drawn (labels equal the values, changed cells framed,
one line per depth with its own marker and style, one colour scale, one bar per window), and
that saved files open at a sensible size."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from poolviz.demos import (  # noqa: E402
    Pooling,
    Source,
    compare,
    generated_sources,
    output_sizes,
    seed_shift_cases,
    shift_case,
    tolerance_table,
)
from poolviz.examples import SEED_4X4  # noqa: E402
from poolviz.render.figure.compare import compare_figure  # noqa: E402
from poolviz.render.figure.grid import INDEX_GID  # noqa: E402
from poolviz.render.figure.look import Look  # noqa: E402
from poolviz.render.figure.save import save_figure  # noqa: E402
from poolviz.render.figure.sheet import Sheet, Surface  # noqa: E402
from poolviz.render.figure.shift import CHANGED_FRAME, shift_figure  # noqa: E402
from poolviz.render.figure.size import size_figure  # noqa: E402
from tests.test_figure_grad import cell_texts, fills, labels  # noqa: E402


def every_axes(fig: Figure) -> list[Surface]:
    """Axes of the figure and all its subfigures, and the sheets of a hand-placed page, each
    once, in drawing order."""
    sheets = [a for a in fig.artists if isinstance(a, Sheet)]
    found: list[Surface] = []
    for ax in [*fig.axes, *(a for sub in fig.subfigs for a in sub.axes), *sheets]:
        if all(ax is not seen for seen in found):
            found.append(ax)
    return found


def panel(fig: Figure, title: str) -> list[Surface]:
    return [ax for ax in every_axes(fig) if ax.get_title().startswith(title)]


def changed_frames(ax: Axes) -> list[tuple[int, int]]:
    """(row, column) of the dashed frames drawn around changed cells."""
    return [
        (int(p.get_y()), int(p.get_x()))
        for p in ax.patches
        if isinstance(p, Rectangle)
        and not p.get_fill()
        and p.get_linewidth() == 3.0
        and matplotlib.colors.to_hex(p.get_edgecolor()) == CHANGED_FRAME
    ]


def default_shift() -> Figure:
    cases = seed_shift_cases(1, "x", Pooling())
    table = tolerance_table(generated_sources("x"), Pooling(), layers=3, shifts=4, along="x")
    return shift_figure(cases, table)


def test_shift_figure_numbers_and_changed_cells() -> None:
    fig = default_shift()
    out_before, out_after = panel(fig, "output"), panel(fig, "shifted output")
    assert [labels(ax) for ax in out_before] == [["0", "8", "0", "9"], ["8", "0", "9", "0"]]
    assert [labels(ax) for ax in out_after] == [["0", "8", "0", "9"], ["0", "8", "0", "9"]]
    # the invisible shift frames nothing; the crossing one frames all four cells, both outputs
    assert changed_frames(out_before[0]) == [] and changed_frames(out_after[0]) == []
    assert sorted(changed_frames(out_after[1])) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert sorted(changed_frames(out_before[1])) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    inputs = panel(fig, "input")
    assert labels(inputs[0]) == ["0", "0", "8", "0", "0", "0", "7", "0"] + [
        "0",
        "0",
        "9",
        "0",
        "0",
        "0",
        "6",
        "0",
    ]


def test_shift_figure_one_line_per_depth() -> None:
    fig = default_shift()
    (edge,) = panel(fig, "edge: output values unchanged")
    lines = [line for line in edge.get_lines() if len(line.get_xdata()) == 4]
    assert len(lines) == 3
    # three markers, three dash patterns and three colours: not colour alone
    assert len({line.get_marker() for line in lines}) == 3
    assert len({str(line._unscaled_dash_pattern) for line in lines}) == 3  # noqa: SLF001
    assert len({line.get_color() for line in lines}) == 3
    # y values are the table's, in percent
    table = tolerance_table(generated_sources("x"), Pooling(), layers=3, shifts=4, along="x")
    first = [100 * (r.unchanged_fraction or 0) for r in table.of("edge") if r.layers == 1]
    assert list(lines[0].get_ydata()) == first
    legends = [ax.get_legend() for ax in every_axes(fig) if ax.get_legend() is not None]
    assert [t.get_text() for t in legends[0].get_texts()] == [
        "1 layer (16x16)",
        "2 layers (8x8)",
        "3 layers (4x4)",
    ]


def test_shift_figure_marks_depths_that_do_not_fit() -> None:
    x = np.arange(16.0).reshape(4, 4)
    case = shift_case(x, 1, "x", Pooling(), "4x4")
    table = tolerance_table([Source("x", "4x4", case.input)], Pooling(), 3, 2, "x")
    fig = shift_figure([case], table)
    legend = next(ax.get_legend() for ax in every_axes(fig) if ax.get_legend() is not None)
    assert [t.get_text() for t in legend.get_texts()][-1] == "3 layers: does not fit"


def test_large_input_shift_figure_uses_pictures_and_a_change_map() -> None:
    x = np.random.default_rng(0).random((40, 40))
    case = shift_case(x, 1, "x", Pooling(), "random")
    table = tolerance_table([Source("random", "40x40", case.input)], Pooling(), 2, 1, "x")
    fig = shift_figure([case], table)
    (changed,) = panel(fig, "|change| (white: none)")
    image = np.asarray(changed.get_images()[0].get_array())
    expected = np.abs(case.output - case.shifted_output)[0, :, :, 0]
    assert np.array_equal(image, expected)
    assert {(int(i), int(j)) for i, j in zip(*np.nonzero(image), strict=True)} == set(case.changed)


def test_shift_figure_puts_blur_beside_max_on_one_change_scale() -> None:
    from poolviz.demos import BlurPooling

    x = np.random.default_rng(0).random((40, 40))
    case = shift_case(x, 1, "x", Pooling(), "random", blur=BlurPooling())
    table = tolerance_table(
        [Source("random", "40x40", case.input)],
        Pooling(),
        1,
        1,
        "x",
        BlurPooling(),
        ("max", "blur"),
    )
    fig = shift_figure([case], table)
    (max_map,) = panel(fig, "|change| (white: none)")
    (blur_map,) = panel(fig, "blur |change| (white: none)")
    assert max_map.get_images()[0].get_clim() == blur_map.get_images()[0].get_clim()
    assert case.blur is not None
    assert blur_map.get_images()[0].get_clim()[1] == max(
        float(case.max_outputs.abs_change.max()), float(case.blur.abs_change.max())
    )


def test_compare_figure_titles_and_one_colour_scale() -> None:
    fig = compare_figure(compare(SEED_4X4, Pooling()))
    (max_ax,) = panel(fig, "max pooling")
    assert max_ax.get_title() == "max pooling\n2x2x1\n0 params · 25% kept"
    assert labels(max_ax) == ["6", "8", "4", "7"]
    (conv,) = panel(fig, "strided convolution")
    assert conv.get_title().endswith("4 params · 25% kept")
    assert labels(conv) == ["3.75", "3.75", "1.75", "3.75"]
    (rebuilt,) = panel(fig, "from max (unpooling)")
    assert rebuilt.get_title() == "from max (unpooling)\nmean |error| 1.69"
    # the 8 of the max output and the 8 of the input share one colour
    (inp,) = [ax for ax in panel(fig, "input 4x4")]

    def face(ax: Surface, r: int, c: int) -> tuple[float, ...]:
        return fills(ax)[r, c]

    assert face(inp, 1, 2) == face(max_ax, 0, 1)
    (gmax,) = panel(fig, "global max pooling")
    assert labels(gmax) == ["8"] and face(gmax, 0, 0) == face(inp, 1, 2)


def test_compare_figure_per_channel_global_row() -> None:
    x = np.stack([SEED_4X4, SEED_4X4 * 2, SEED_4X4 * 3], axis=-1)
    fig = compare_figure(compare(x, Pooling()))
    (gmax,) = panel(fig, "global max pooling")
    assert labels(gmax) == ["8", "16", "24"]
    assert gmax.get_title().splitlines()[1] == "1x1x3, one per channel"


def test_compare_figure_numbers_fit_their_cells() -> None:
    # in 0.5-inch cells the longest number fits 0.8 of a cell: 0.8 * 0.5 * 72 / (0.64 *
    # chars) points, so 9 for "0.637" and 11.25 for "3.75"; a digit keeps its 14
    x = np.random.default_rng(0).random((1, 2, 8, 1))
    (inp,) = panel(compare_figure(compare(x, Pooling())), "input 2x8")
    assert labels(inp)[:2] == ["0.637", "0.270"]
    assert {t.get_fontsize() for t in cell_texts(inp)} == {9.0}
    fig = compare_figure(compare(SEED_4X4, Pooling()))
    (avg,) = panel(fig, "average pooling")
    assert {t.get_fontsize() for t in cell_texts(avg)} == {11.25}
    (seed,) = panel(fig, "max pooling")
    assert {t.get_fontsize() for t in cell_texts(seed)} == {14.0}


def test_compare_caption_starts_where_the_panels_do() -> None:
    # --panel conv: a page widened for the caption's 110-character lines; the panels start
    # at its left margin, as the caption does, not centred 1.3 inches right of it
    for chosen in (None, "conv"):
        fig = compare_figure(compare(SEED_4X4, Pooling()), panel=chosen)
        (inp,) = panel(fig, "input 4x4")
        caption = fig.get_children()[-1]
        assert isinstance(caption, Text) and caption.get_text() == fig.get_supxlabel()
        assert caption.get_position()[0] == pytest.approx(inp.get_position().x0), chosen


def test_compare_rebuilt_titles_stay_apart_at_font_scale_2(tmp_path: Path) -> None:
    # each rebuilt panel is as wide as its title at twice its size: dressed, the titles keep
    # their two lines (none is broken again) and do not meet
    for x in (SEED_4X4, SEED_4X4[:2, :2]):
        fig = compare_figure(compare(x, Pooling()), font_scale=2)
        save_figure(fig, tmp_path / "c.png", look=Look(font_scale=2))
        titles = [ax.title for ax in every_axes(fig) if ax.get_title().startswith("from ")]
        assert [t.get_text().count("\n") for t in titles] == [1, 1]
        first, second = (t.get_window_extent() for t in titles)
        assert first.x1 < second.x0


def test_compare_pictures_leave_no_room_for_indices() -> None:
    # a 30x30 input is drawn as pictures, without row or column indices: side by side they
    # stand Room.bare_gap (0.35 inch) apart, not Room.plain_gap (0.75) as grids of numbers
    x = np.random.default_rng(0).random((1, 30, 30, 1))
    fig = compare_figure(compare(x, Pooling()))
    width = fig.get_size_inches()[0]
    (again,) = panel(fig, "input")[1:]
    (from_max,) = panel(fig, "from max")
    gap = (from_max.get_position().x0 - again.get_position().x1) * width
    assert not [t for ax in every_axes(fig) for t in ax.texts if t.get_gid() == INDEX_GID]
    assert gap == pytest.approx(0.35)


def test_compare_pictures_per_channel_numbers_fit_their_cells() -> None:
    # beside pictures, global pooling's one number per channel has cells of its own (a
    # third of its panel's 1.45 inches); '109.29' ran into its neighbours at 14 points
    x = np.random.default_rng(0).random((1, 30, 30, 3)) * 200
    fig = compare_figure(compare(x, Pooling()))
    (avg,) = panel(fig, "global average pooling")
    side = 1.45 / 3
    chars = max(len(t) for t in labels(avg))
    assert labels(avg)[0] == "99.03" and chars == 6
    assert {t.get_fontsize() for t in cell_texts(avg)} == {0.8 * side * 72 / (0.64 * chars)}


def test_size_figure_one_bar_per_window_and_the_steps() -> None:
    fig = size_figure(output_sizes([13], Pooling()))
    (sub,) = fig.subfigs
    (ax,) = sub.axes
    bars = [line for line in ax.get_lines() if len(line.get_xdata()) == 2]
    assert len(bars) == 6
    dropped = [t.get_text() for t in cell_texts(ax) if t.get_text() == "12"]
    assert dropped == ["12"]
    crossed = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch() == "xx"]
    assert [(p.get_x(), p.get_y()) for p in crossed] == [(12, 0)]
    caption = sub._supxlabel.get_text()  # noqa: SLF001
    assert "    = 5 + 1 = 6" in caption and "dropped (crossed): 12" in caption


def test_size_figure_padding_and_overhang() -> None:
    fig = size_figure(output_sizes([5, 7], Pooling(size=(2, 3), padding=1, ceil_mode=True)))
    height, width = fig.subfigs
    assert height._suptitle.get_text() == "height: 5 → 3"  # noqa: SLF001
    assert width._suptitle.get_text() == "width: 7 → 3"  # noqa: SLF001
    (ax,) = width.axes
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch() == "///"]
    assert len(hatched) == 2  # one padding cell each side, both read
    fig = size_figure(output_sizes([13], Pooling(size=2, ceil_mode=True)))
    (ax,) = fig.subfigs[0].axes
    dotted = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_linestyle() == ":"]
    assert len(dotted) == 1  # cell 13, reached by the ceil-mode window


def test_long_axes_show_both_ends() -> None:
    fig = size_figure(output_sizes([224], Pooling(size=3, stride=2, padding=1)))
    (ax,) = fig.subfigs[0].axes
    texts = labels(ax)
    assert "…" in texts and "0" in texts and "220" in texts


def test_saved_files_open(tmp_path: Path) -> None:
    figures = {
        "shift": default_shift(),
        "compare": compare_figure(compare(SEED_4X4, Pooling())),
        "size": size_figure(output_sizes([26, 26], Pooling(), 32)),
    }
    for name, fig in figures.items():
        path = tmp_path / f"{name}.png"
        save_figure(fig, path, dpi=80)
        with Image.open(path) as image:
            assert image.format == "PNG"
            width, height = image.size
            assert 400 < width < 2000 and 150 < height < 2500, (name, image.size)


def test_shift_plots_share_one_legend_when_their_lines_read_alike() -> None:
    legends = [ax.get_legend() for ax in every_axes(default_shift())]
    shown = [legend for legend in legends if legend is not None]
    assert len(shown) == 1
    assert [t.get_text() for t in shown[0].get_texts()] == [
        "1 layer (16x16)",
        "2 layers (8x8)",
        "3 layers (4x4)",
    ]


def test_shift_figure_with_many_windows_gives_each_drawn_window_a_colour_of_its_own() -> None:
    # 16 overlapping windows on a 4x4 (-k 3 -s 1 -p 1): the first 2x2 outlined and filled,
    # each in a colour no other drawn window has, and the caption names them
    x = np.arange(1.0, 17.0).reshape(4, 4)
    pooling = Pooling(size=(3, 3), stride=(1, 1), padding=1)
    case = shift_case(x, 1, "x", pooling, "matrix")
    table = tolerance_table([Source("matrix", "4x4", case.input)], pooling, 1, 1, "x")
    fig = shift_figure([case], table)
    (ax_in,) = panel(fig, "input")
    outlined = [
        tuple(p.get_edgecolor())
        for p in ax_in.patches
        if isinstance(p, Rectangle) and not p.get_fill() and p.get_edgecolor()[:3] != (0, 0, 0)
    ]
    assert len(outlined) == 4 and len(set(outlined)) == 4
    for ax in panel(fig, "output") + panel(fig, "shifted output"):
        cells = fills(ax)
        grey = (0xF2 / 255, 0xF2 / 255, 0xF2 / 255, 1.0)
        coloured = {rc: c for rc, c in cells.items() if c != grey}
        assert sorted(coloured) == [(0, 0), (0, 1), (1, 0), (1, 1)]
        assert len(set(coloured.values())) == 4
    caption = fig.subfigs[0].get_supxlabel()
    assert caption.splitlines()[-1] == "outlined: windows 0,0 0,1 1,0 1,1 of 16"
