"""Figures for slides: ``--aspect`` and ``--panel``, crowded windows drawn as a few chosen
ones with a coverage map (``--windows``), and the output of a picture drawn to scale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from poolviz.engine.explain import explain
from poolviz.engine.gradient import gradient, upstream_gradient
from poolviz.examples import SEED_4X4, SEED_5X5
from poolviz.render.figure.grad import grad_figure
from poolviz.render.figure.look import CELL_GID
from poolviz.render.figure.pool import UNCHOSEN, crowded, drawn_windows, pool_figure
from poolviz.render.style import OKABE_ITO, outline_colour
from tests.cli import run
from tests.test_figure_grad import surfaces


def size_of(tmp_path: Path, *args: str) -> tuple[int, int]:
    target = tmp_path / "x.png"
    code, _, err = run(*args, "-o", str(target))
    assert code == 0, err
    with Image.open(target) as image:
        return image.size


def titles(fig: Figure) -> list[str]:
    return [ax.get_title() for ax in surfaces(fig) if ax.get_title()]


def cells(fig: Figure, title: str) -> list[str]:
    (ax,) = [a for a in surfaces(fig) if a.get_title() == title]
    return [t.get_text() for t in ax.texts if t.get_gid() == CELL_GID]


@pytest.mark.parametrize(
    ("args", "size"),
    [
        (("pool",), (710, 574)),  # auto: stacked would be taller than wide
        (("pool", "--aspect", "tall"), (657, 927)),
        (("pool", "--sample", "photo"), (1612, 747)),
        (("pool", "--sample", "photo", "--aspect", "tall"), (966, 1669)),
        (("grad", "--panel", "gradient"), (1022, 672)),  # its caption sets the width
    ],
)
def test_aspect_and_panel_sizes(
    tmp_path: Path, args: tuple[str, ...], size: tuple[int, int]
) -> None:
    assert size_of(tmp_path, *args) == size


def test_pool_panels_draw_one_part() -> None:
    result = explain(SEED_4X4, mode="max", size=(3, 3), stride=(1, 1), padding=1)
    assert titles(pool_figure(result, panel="output")) == ["output 4x4"]
    coverage = pool_figure(result, panel="coverage")
    assert titles(coverage) == ["coverage"]
    numbers = [t for t in cells(coverage, "coverage") if t]
    assert numbers == [str(v) for v in result.coverage.ravel()]
    assert numbers[:4] == ["4", "6", "6", "4"]
    assert "9" in numbers  # the middle cells are read by all nine windows around them


def test_crowded_windows_are_a_chosen_few_in_colours_of_their_own() -> None:
    result = explain(SEED_4X4, mode="max", size=(3, 3), stride=(1, 1), padding=1)
    chosen = drawn_windows(result)
    assert list(chosen) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert list(chosen.values()) == list(OKABE_ITO[:4])
    fig = pool_figure(result)
    assert titles(fig) == ["input 4x4", "output 4x4", "coverage"]
    assert fig._supxlabel is not None
    caption = fig._supxlabel.get_text()
    assert "outlined: windows 0,0 0,1 1,0 1,1 of 16 (--windows 'i,j;…' chooses others)" in caption
    picked = drawn_windows(result, windows=((3, 3), (0, 2)))
    assert picked == {(3, 3): OKABE_ITO[0], (0, 2): OKABE_ITO[1]}
    # 2x2 windows of the 4x4 do not overlap: every window keeps its outline
    assert len(drawn_windows(explain(SEED_4X4, mode="max", size=(2, 2), stride=(2, 2)))) == 4


@pytest.mark.parametrize(
    ("side", "size", "stride", "padding"),
    [(4, 2, 2, 0), (6, 2, 2, 0), (8, 2, 2, 0), (9, 3, 3, 0), (4, 3, 1, 1), (8, 2, 1, 0)],
)
def test_colours_never_repeat_among_drawn_windows(
    side: int, size: int, stride: int, padding: int
) -> None:
    x = np.arange(side * side, dtype=float).reshape(1, side, side, 1)
    result = explain(x, mode="max", size=(size, size), stride=(stride, stride), padding=padding)
    colours = list(drawn_windows(result).values())
    assert (
        len(set(colours)) == len(colours) == min(result.window_count, 4 if crowded(result) else 7)
    )
    assert crowded(result) is (result.window_count > len(OKABE_ITO))


def test_windows_tiling_the_input_past_the_palette_keep_grey_outlines() -> None:
    x = np.arange(64, dtype=float).reshape(1, 8, 8, 1)
    fig = pool_figure(explain(x, mode="max", size=(2, 2), stride=(2, 2)))
    assert titles(fig) == ["input 8x8", "output 4x4"]  # no coverage map: every cell is read once
    (ax,) = [a for a in fig.axes if a.get_title() == "input 8x8"]
    edges = [to_hex(a.get_edgecolor()) for a in ax.patches if isinstance(a, Rectangle)]
    assert edges.count(outline_colour(UNCHOSEN)) == 12  # the 16 windows but the 4 in colour
    assert fig._supxlabel is not None
    assert fig._supxlabel.get_text().endswith(
        "outlined: windows 0,0 0,1 1,0 1,1 of 16 (--windows 'i,j;…' chooses others); "
        "the others in grey"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--windows", "0,0;9,9", "-o", "x.png"),
            "error: --windows 9,9 is outside the 2x2 output; use rows 0-1 and columns 0-1",
        ),
        (
            ("--windows", "0;1", "-o", "x.png"),
            "error: --windows '0;1': '0' is not a cell; use ROW,COL pairs separated by ';', "
            "such as '0,0;1,2' (at most 7)",
        ),
        (
            (
                "--panel",
                "output",
            ),
            "error: --panel output draws part of a figure; add -o FILE.png (or drop it)",
        ),
    ],
)
def test_bad_windows_and_panel_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("pool", *args)
    assert code == 2
    assert err.splitlines()[0] == message
    assert not (tmp_path / "x.png").exists()


def test_a_pictures_output_is_drawn_to_scale() -> None:
    photo = np.zeros((1, 60, 80, 1))
    fig = pool_figure(explain(photo, mode="max", size=(2, 2), stride=(2, 2)))
    (ax_in,) = [a for a in fig.axes if a.get_title().startswith("input")]
    (ax_out,) = [a for a in fig.axes if a.get_title().startswith("output")]
    ratio = ax_out.get_position().width * fig.get_figwidth()
    ratio /= ax_in.get_position().width * fig.get_figwidth()
    assert ratio == pytest.approx(0.5)
    assert "its sides 1/2 of the input's" in fig._supxlabel.get_text()


def test_grad_average_and_max_have_scales_of_their_own() -> None:
    forward = explain(SEED_5X5, mode="avg", size=(3, 3), stride=(2, 2))
    fig = grad_figure(gradient(forward, upstream_gradient(forward, "ones", 0)))
    labels = {"gradient", "max's gradient"}  # a colour bar's label, its one upright text
    limits = {
        t.get_text(): ax.get_ylim()
        for ax in surfaces(fig)
        for t in ax.texts
        if t.get_rotation() and t.get_text() in labels
    }
    assert limits == {"gradient": (-1.0, 1.0), "max's gradient": (-2.0, 2.0)}
    assert titles(
        grad_figure(gradient(forward, upstream_gradient(forward, "ones", 0)), panel="unpool")
    ) == ["max pooling's gradient, same windows"]


@pytest.mark.parametrize(
    ("args", "wide"),
    [((), True), (("--aspect", "tall"), False), (("--panel", "measured"), True)],
)
def test_shift_is_wide_unless_asked(tmp_path: Path, args: tuple[str, ...], wide: bool) -> None:
    width, height = size_of(tmp_path, "shift", *args)
    assert (width > height) is wide


def test_shift_surfaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_figure_legible import drawn

    one = drawn(monkeypatch, tmp_path, "shift", "--panel", "2")
    assert [s._suptitle.get_text() for s in one.subfigs if s._suptitle] == [
        "2. the same edge in column 1, 1 right"
    ]
    code, _, err = run("shift", "--sample", "digit", "--panel", "2", "-o", str(tmp_path / "x.png"))
    assert code == 2
    assert err.splitlines()[0] == "error: --panel 2: this figure has 1 case; use 1 or measured"


def test_compare_panels_and_rgb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_figure_legible import drawn

    one = drawn(monkeypatch, tmp_path, "compare", "--panel", "blur")
    assert titles(one) == ["input 4x4", "blur pooling\n2x2x1\n0 params · 25% kept"]
    photo = drawn(monkeypatch, tmp_path, "compare", "--sample", "photo")
    assert "input 240x320 (RGB)" in titles(photo)
    (ax,) = [a for a in photo.axes if a.get_title() == "input 240x320 (RGB)"]
    assert ax.images[0].get_array().shape == (240, 320, 3)  # its colours, no colour map
    code, _, err = run("compare", "-p", "1", "--panel", "blur", "-o", str(tmp_path / "x.png"))
    assert code == 2
    assert err.splitlines()[0] == (
        "error: --panel blur: takes no padding, dilation or ceil mode (antialiased-cnns' "
        "definition); use max, avg, adaptive_avg, global_max, global_avg, conv"
    )


@pytest.mark.parametrize(("args", "wide"), [((), True), (("--aspect", "tall"), False)])
def test_compare_aspect(tmp_path: Path, args: tuple[str, ...], wide: bool) -> None:
    width, height = size_of(tmp_path, "compare", *args)
    assert (width > height) is wide


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.mark.parametrize(
    ("args", "size"),
    [
        (("vgg16",), (3852, 1501)),  # auto: two bands would be a 2267x2831 portrait
        (("vgg16", "--aspect", "tall"), (2267, 2831)),
    ],
)
def test_trace_aspect(tmp_path: Path, args: tuple[str, ...], size: tuple[int, int]) -> None:
    assert size_of(tmp_path, "trace", *args) == size


def test_trace_panel_and_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_figure_legible import drawn

    fig = drawn(monkeypatch, tmp_path, "trace", "--order", "nchw", "--panel", "drop")
    texts = _texts(fig)
    assert "mnist, input 1x28x28: with and without pooling" in texts
    assert ["original", "drop"] == [t for t in texts if t in ("original", "drop", "strided")]
    assert "32x13x13" in texts and "64x24x24" in texts  # C x H x W, the pooled and the dropped
    assert "13x13x32" not in texts
    code, _, err = run(
        "trace", "--compare", "drop", "--panel", "strided", "-o", str(tmp_path / "x.png")
    )
    assert code == 2
    assert err.splitlines()[0] == (
        "error: --panel strided is not among this trace's rows; use original drop"
    )


def test_the_zoom_is_outlined_on_the_output_at_the_outputs_coordinates() -> None:
    x = np.arange(28 * 28, dtype=float).reshape(1, 28, 28, 1)
    fig = pool_figure(explain(x, mode="max", size=(3, 3), stride=(2, 2)))  # 13x13 output

    def box(prefix: str) -> tuple[float, float, float, float]:
        (ax,) = [a for a in fig.axes if a.get_title().startswith(prefix)]
        (patch,) = [p for p in ax.patches if isinstance(p, Rectangle)]
        (x0, y0), width, height = patch.get_xy(), patch.get_width(), patch.get_height()
        return (x0, y0, width, height)

    # the zoom around output 6,6 shows input rows and columns 10-17; outputs 5-7 read only
    # those (output 8 reads row 18 too)
    assert box("input") == pytest.approx((10 / 28, 10 / 28, 8 / 28, 8 / 28))
    assert box("output") == pytest.approx((5 / 13, 5 / 13, 3 / 13, 3 / 13))


@pytest.mark.parametrize(
    ("args", "size"),
    [
        (("pool", "--mode", "lp"), (1151, 574)),
        (("pool", "--mode", "lp", "--aspect", "tall"), (611, 1324)),
        (("pool", "--mode", "lp", "--panel", "output"), (650, 469)),
        (("pool", "--mode", "blur", "--aspect", "tall"), (1310, 2532)),
        (("grad", "--mode", "lp", "--aspect", "tall"), (468, 1624)),
        (("grad", "--mode", "blur", "--panel", "gradient"), (785, 649)),
    ],
)
def test_lp_and_blur_figures_take_aspect_and_panel(
    tmp_path: Path, args: tuple[str, ...], size: tuple[int, int]
) -> None:
    assert size_of(tmp_path, *args) == size


def test_lp_and_blur_panels_draw_their_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_figure_legible import drawn

    lp = drawn(monkeypatch, tmp_path, "pool", "--mode", "lp", "--panel", "output")
    assert titles(lp) == ["output (PyTorch)", "textbook (Σ|x|^p)^(1/p)"]
    blur = drawn(monkeypatch, tmp_path, "pool", "--mode", "blur", "--panel", "input")
    assert titles(blur) == ["input", "max map (stride 1)"]
    grad = drawn(monkeypatch, tmp_path, "grad", "--mode", "blur", "--panel", "forward")
    assert titles(grad) == ["input", "upstream (ones)"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("pool", "--mode", "lp", "--panel", "coverage"),
            "error: --panel coverage: pool --mode lp has no such part; use input or output",
        ),
        (
            ("pool", "--mode", "blur", "--panel", "coverage"),
            "error: --panel coverage: pool --mode blur has no such part; use input or output",
        ),
        (
            ("grad", "--mode", "lp", "--panel", "unpool"),
            "error: --panel unpool: grad --mode lp has no such part; use forward or gradient",
        ),
    ],
)
def test_lp_and_blur_refuse_parts_they_do_not_have(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    target = tmp_path / "x.png"
    code, _, err = run(*args, "-o", str(target))
    assert code == 2
    assert err.splitlines() == [message]
    assert not target.exists()


def test_lp_input_alone_keeps_only_the_words_about_the_input() -> None:
    from poolviz.engine.lp import explain_lp
    from poolviz.render.figure.choices import FigureChoices
    from poolviz.render.figure.lp import lp_figure

    run_ = explain_lp(np.array(SEED_4X4, dtype=float), 2, 2)
    alone = lp_figure(run_, at=(1, 1), choices=FigureChoices(panel="input"))
    assert alone._supxlabel is not None
    assert alone._supxlabel.get_text() == (
        "Framed: the 2x2 window of output (1,1) (--at\n"
        "i,j). p = 1 sums it, p = inf takes its\n"
        "largest |x|."
    )
    whole = lp_figure(run_, at=(1, 1))
    assert whole._supxlabel is not None
    assert whole._supxlabel.get_text().startswith("PyTorch computes (mean of x^2")


def test_blur_first_stage_alone_keeps_only_the_words_about_it() -> None:
    from poolviz.engine.blur import explain_blur
    from poolviz.render.figure.blur import blur_figure
    from poolviz.render.figure.choices import FigureChoices

    first = FigureChoices(panel="input")
    alone = blur_figure(explain_blur(np.array(SEED_4X4, dtype=float)), choices=first)
    assert alone._supxlabel is not None
    assert " ".join(alone._supxlabel.get_text().split()) == (
        "Stage 1 of 2: each max-map cell is the largest of a 2x2 window of the input at "
        "stride 1. Stage 2 (--panel output) filters the max map at stride 2."
    )


def test_blur_and_lp_numbers_fit_their_cells_with_a_margin() -> None:
    # 7.08 in a half-inch cell at 14 points ran from edge to edge, under the frame of the
    # output being worked out; strips shrink their numbers as the pool figure does
    from poolviz.engine.blur import explain_blur
    from poolviz.render.figure.blur import blur_figure
    from poolviz.render.figure.grid import DIGIT_EM

    fig = blur_figure(explain_blur(np.array(SEED_4X4, dtype=float)))
    (out,) = [ax for ax in surfaces(fig) if ax.get_title() == "output"]
    texts = [t for t in out.texts if t.get_gid() == CELL_GID]
    assert [t.get_text() for t in texts] == ["7.08", "7.61", "6.73", "7.33"]
    cell = out.get_position().width * fig.get_size_inches()[0] / 2  # two cells across
    for text in texts:
        assert DIGIT_EM * 4 * text.get_fontsize() / 72 <= 0.8 * cell + 1e-9
