"""A sheet's texts: laid out once for all texts alike on one renderer, never shared across
renderers (a PDF and an SVG measure the same words differently: each lays them out itself),
and the layouts kept within their bound."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from poolviz.render.figure import sheet  # noqa: E402
from poolviz.render.figure.sheet import Sheet  # noqa: E402
from poolviz.render.figure.unhinted import UnhintedFigure  # noqa: E402


def _grid_figure() -> UnhintedFigure:
    """A sheet of sixteen cells showing three distinct numbers."""
    fig = UnhintedFigure(figsize=(3, 3), dpi=100)
    grid = Sheet(fig, (0.1, 0.1, 0.8, 0.8))
    grid.set_xlim(0, 4)
    grid.set_ylim(4, 0)
    for k in range(16):
        grid.text(k % 4 + 0.5, k // 4 + 0.5, ["1.50", "3", "0.25"][k % 3], ha="center")
    return fig


def _laid_out(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    laid: list[str] = []
    layout = Text._get_layout

    def spy(text: Text, renderer: object) -> object:
        laid.append(text.get_text())
        return layout(text, renderer)

    monkeypatch.setattr(Text, "_get_layout", spy)
    return laid


def test_alike_texts_are_laid_out_once_per_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    laid = _laid_out(monkeypatch)
    fig = _grid_figure()
    fig.savefig(io.BytesIO(), format="png")
    assert sorted(laid) == ["0.25", "1.50", "3"]  # 16 texts drawn, 3 layouts
    laid.clear()
    fig.savefig(io.BytesIO(), format="svg")  # another renderer: laid out again, once each
    fig.savefig(io.BytesIO(), format="pdf")
    assert sorted(laid) == ["0.25", "0.25", "1.50", "1.50", "3", "3"]


def test_layouts_are_kept_within_their_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    laid = _laid_out(monkeypatch)
    monkeypatch.setattr(sheet, "LAYOUTS_KEPT", 2)  # three distinct numbers: one is dropped
    sheet._LAYOUTS.clear()
    fig = _grid_figure()
    fig.savefig(io.BytesIO(), format="png")
    assert len(laid) > 3  # some were dropped and laid out again
    assert sheet._LAYOUTS and all(len(seen) <= 2 for seen in sheet._LAYOUTS.values())
