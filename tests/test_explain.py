"""The notebook API: ``poolviz.explain`` and the result object every renderer draws."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

import poolviz
from poolviz import PoolvizError, explain

SEED4 = np.array([[1, 3, 2, 1], [5, 6, 8, 4], [2, 4, 7, 3], [1, 0, 3, 2]], dtype=float)


def test_explain_keeps_what_a_picture_needs() -> None:
    result = explain(SEED4, 2)
    assert result.output_like_input().tolist() == [[6, 8], [4, 7]]
    assert result.indices_like_input().tolist() == [[5, 6], [9, 10]]  # type: ignore[union-attr]
    assert result.formula == {
        "h": "out_h = floor((4 + 2·0 − 1·(2−1) − 1) / 2) + 1 = 2",
        "w": "out_w = floor((4 + 2·0 − 1·(2−1) − 1) / 2) + 1 = 2",
    }
    window = result.window(1, 0)
    assert (window.rows, window.cols, window.value, window.argmax) == ((2, 3), (0, 1), 4.0, (2, 1))
    assert window.cells.tolist() == [[2, 4], [1, 0]]
    assert result.kept_fraction == 0.25
    assert [w.out for w in result.windows(limit=3)] == [(0, 0), (0, 1), (1, 0)]


def test_padding_and_divisors() -> None:
    result = explain(np.ones((3, 3)), 2, 2, 1, mode="avg")
    window = result.window(0, 0)
    assert window.padded.tolist() == [[True, True], [True, False]]
    assert window.divisor == 4 and window.value == 0.25
    assert result.divisors.tolist() == [[4, 4], [4, 4]]  # type: ignore[union-attr]
    assert result.padding_resolved == (1, 1, 1, 1)
    assert result.coverage.tolist() == [[1, 1, 1]] * 3


def test_window_outside_the_output() -> None:
    with pytest.raises(PoolvizError) as err:
        explain(SEED4, 2).window(2, 0)
    assert err.value.message == (
        "output cell 2,0 is outside the 2x2 output; use rows 0-1 and columns 0-1"
    )


def test_result_shows_itself_in_rich_and_jupyter() -> None:
    result = explain(SEED4, 2)
    console = Console(width=80, record=True, color_system=None, file=io.StringIO())
    console.print(result)
    text = console.export_text()
    assert text.startswith("MaxPool2D  size 2x2 · stride 2x2 · padding 0")
    assert "4 of 16 values kept (25%)" in text
    png = result._repr_png_()
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 300


def test_figure_returns_a_matplotlib_figure() -> None:
    from matplotlib.figure import Figure

    fig = explain(SEED4, 3, 1, 1).figure()
    assert isinstance(fig, Figure)
    assert "MaxPool2D: size 3x3" in fig.get_suptitle()


def test_the_package_exports() -> None:
    for name in (
        "pool2d",
        "pool2d_backward",
        "max_unpool2d",
        "global_pool2d",
        "output_size",
        "explain",
        "PoolResult",
        "PoolSpec",
        "PoolvizError",
    ):
        assert hasattr(poolviz, name), name
    assert hasattr(poolviz, "loaders")
