"""The unhinted figure: its words land where matplotlib's own drawing puts them, each
distinct line is laid out and rendered once, and the renderer is left as it was."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import rc_context  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402

from poolviz.render.figure.unhinted import UNHINTED, UnhintedFigure  # noqa: E402

WORDS = [
    (0.05, 0.8, "224x224x64", {"fontsize": 8}),
    (0.55, 0.8, "224x224x64", {"fontsize": 8}),
    (0.05, 0.5, "conv 64 3x3\npad 1", {"fontsize": 7, "color": "#666666"}),
    (0.55, 0.5, "removed", {"fontsize": 7, "fontstyle": "italic", "ha": "center"}),
    (0.05, 0.2, "original", {"fontsize": 10, "fontweight": "bold", "va": "top"}),
    (0.55, 0.2, "MACs (0.62x)", {"fontsize": 8, "va": "center"}),
]


def _drawn(fig: Figure) -> np.ndarray:
    for x, y, text, style in WORDS:
        fig.text(x, y, text, **style)
    canvas = FigureCanvasAgg(fig)
    with rc_context(UNHINTED):
        canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., 0].astype(int)


def _ink(pixels: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(pixels < 128)
    return xs.min(), ys.min(), xs.max(), ys.max()


def test_words_land_within_a_pixel_of_matplotlibs() -> None:
    ours = _drawn(UnhintedFigure(figsize=(4, 2), dpi=150))
    theirs = _drawn(Figure(figsize=(4, 2), dpi=150))
    # each word alone: the page in a grid of cells around the words
    for x0, x1 in ((0, 300), (300, 600)):
        for y0, y1 in ((0, 90), (90, 180), (180, 300)):
            a, b = _ink(ours[y0:y1, x0:x1]), _ink(theirs[y0:y1, x0:x1])
            assert max(abs(p - q) for p, q in zip(a, b, strict=True)) <= 1, (x0, y0, a, b)


def test_each_distinct_line_is_laid_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    laid: list[str] = []
    set_text = FT2Font.set_text

    def spy(font: FT2Font, text: str, *args: object, **kwargs: object) -> object:
        laid.append(text)
        return set_text(font, text, *args, **kwargs)

    monkeypatch.setattr(FT2Font, "set_text", spy)
    fig = UnhintedFigure(figsize=(4, 2), dpi=150)
    _drawn(fig)
    lines = [line for _, _, text, _ in WORDS for line in text.split("\n")]
    assert sorted(t for t in laid if t != "lp") == sorted(set(lines))
    assert lines.count("224x224x64") == 2
    fig.canvas.draw()  # drawn again: nothing laid out again
    assert sorted(t for t in laid if t != "lp") == sorted(set(lines))


def test_the_renderer_is_left_as_it_was() -> None:
    """Its own ``draw_text`` again after a drawing; one whose drawing is switched off (as
    ``draw_without_rendering`` does) keeps the one that draws nothing (replaced and then
    removed, it was lost, and matplotlib failed to restore it)."""
    fig = UnhintedFigure(figsize=(4, 2), dpi=150)
    pixels = _drawn(fig)
    renderer = fig.canvas.get_renderer()
    assert "draw_text" not in vars(renderer)
    assert "get_text_width_height_descent" not in vars(renderer)
    assert (pixels < 128).sum() > 500
    fig.draw_without_rendering()


def test_without_aggs_private_parts_matplotlib_draws_its_own_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from matplotlib.backends.backend_agg import RendererAgg

    from poolviz.render.figure import unhinted

    renderer = RendererAgg(10, 10, 72)
    assert unhinted.agg_parts(renderer)  # this matplotlib has them
    monkeypatch.setattr(unhinted, "agg_parts", lambda renderer: False)
    monkeypatch.setattr(unhinted.Lines, "line", lambda *_: pytest.fail("Lines were used"))
    pixels = _drawn(UnhintedFigure(figsize=(4, 2), dpi=150))
    assert (pixels < 128).sum() > 500


def test_each_line_keeps_its_own_pixels() -> None:
    # matplotlib before 3.10 hands out a view of the font's one buffer, which the next line
    # overwrote: every cached line then showed the last one's glyphs
    from poolviz.render.figure.unhinted import Lines

    renderer = FigureCanvasAgg(Figure(dpi=100)).get_renderer()
    lines = Lines()
    prop = matplotlib.font_manager.FontProperties(size=10)
    with rc_context(UNHINTED):
        one, two = lines.line(renderer, "0", prop), lines.line(renderer, "7", prop)
    assert one.image.flags.owndata and two.image.flags.owndata
    assert not np.array_equal(one.image, two.image)


def test_agg_parts_asks_for_each_private_part() -> None:
    from types import SimpleNamespace

    from poolviz.render.figure.unhinted import agg_parts

    inner = SimpleNamespace(draw_text_image=lambda *_: None)
    whole = SimpleNamespace(_prepare_font=lambda *_: None, _renderer=inner)
    assert agg_parts(whole)  # type: ignore[arg-type]
    assert not agg_parts(SimpleNamespace(_renderer=inner))  # type: ignore[arg-type]
    assert not agg_parts(SimpleNamespace(_prepare_font=whole._prepare_font))  # type: ignore[arg-type]
    no_image = SimpleNamespace(_prepare_font=whole._prepare_font, _renderer=SimpleNamespace())
    assert not agg_parts(no_image)  # type: ignore[arg-type]
