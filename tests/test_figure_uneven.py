"""The pool figure of adaptive and fractional pooling: each window's bracket beside the input
grid, in lanes where windows overlap, and a caption naming every window's cells."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.lines import Line2D
from PIL import Image

from poolviz.cli import main
from poolviz.engine.explain import explain, explain_adaptive, explain_fractional
from poolviz.examples import SEED_5X5, SEED_7X7
from poolviz.render.figure.bins import bin_margin, bins_caption, lanes
from poolviz.render.figure.pool import pool_figure
from tests.legibility import problems
from tests.test_figure_legible import drawn


def brackets(result_figure: object) -> list[tuple[float, float, float, float]]:
    """The brackets' spans drawn on the input axes: (x0, x1, y0, y1) of each plotted line."""
    ax = result_figure.axes[0]  # type: ignore[attr-defined]
    found = []
    for line in ax.get_lines():
        assert isinstance(line, Line2D)
        x, y = line.get_xdata(), line.get_ydata()
        found.append((float(min(x)), float(max(x)), float(min(y)), float(max(y))))
    return found


def test_adaptive_bins_overlap_in_two_lanes() -> None:
    result = explain_adaptive(SEED_5X5, 3)
    assert lanes(result.rows) == [0, 1, 0]  # bins 0..1 and 1..3 overlap: another lane
    assert bin_margin(result) == (0.25 + 0.45 * 2 + 0.35,) * 2
    fig = pool_figure(result)
    spans = brackets(fig)
    # a row bracket per bin right of the grid (a bar and its end ticks: two lines) and a
    # column bracket per bin below it (one line, from x 0.12 to 1.88 for bin 0..1)
    assert len(spans) == 3 * 2 + 3
    assert (0.12, 1.88) in {(round(a, 2), round(b, 2)) for a, b, _, _ in spans}
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"0", "1", "2"} <= texts
    assert bins_caption(result)[0] == (
        "rows and columns 5 → 3: 0..1, 1..3, 3..4; lengths 2 and 3; neighbouring bins share "
        "rows 1 and 3 (3 does not divide 5)"
    )


def test_fractional_caption_names_samples_and_windows() -> None:
    result = explain_fractional(SEED_7X7, 2, 4, seed=0)
    assert bins_caption(result)[:2] == [
        "rows 7 → 4 (u = 0.2698): 0..1, 2..3, 3..4, 5..6; starts step by 1 or 2; row 3 read twice",
        "columns 7 → 4 (u = 0.6370): 0..1, 1..2, 3..4, 5..6; starts step by 1 or 2; column 1 "
        "read twice",
    ]
    assert lanes(result.cols) == [0, 1, 0, 0]


def test_uniform_windows_have_no_brackets() -> None:
    result = explain(SEED_5X5, 3, 2)
    assert bin_margin(result) == (0.0, 0.0) and bins_caption(result) == []
    assert brackets(pool_figure(result)) == []


def test_cli_writes_both_figures(tmp_path: Path) -> None:
    for mode in ("adaptive-avg", "fractional"):
        path = tmp_path / f"{mode}.png"
        done = CliRunner().invoke(main, ["pool", "--mode", mode, "-o", str(path)])
        assert done.exit_code == 0, done.stderr
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB"))
        # wider than tall (input, output, coverage side by side) and not blank
        assert pixels.shape[1] > pixels.shape[0] > 500
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50


@pytest.mark.parametrize("mode", ["adaptive-max", "fractional"])
@pytest.mark.parametrize("aspect", ["wide", "tall"])
def test_legible(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mode: str, aspect: str) -> None:
    fig = drawn(monkeypatch, tmp_path, "pool", "--mode", mode, "--aspect", aspect)
    assert problems(fig) == []
