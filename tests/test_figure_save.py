"""Saving a figure: a PNG drawn once shows exactly what ``bbox_inches="tight"`` shows, in RGB
(an opaque figure's PNG has no alpha channel)."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from poolviz.demos import Pooling, compare  # noqa: E402
from poolviz.engine.explain import explain  # noqa: E402
from poolviz.engine.gradient import gradient, upstream_gradient  # noqa: E402
from poolviz.examples import SEED_4X4, SEED_5X5  # noqa: E402
from poolviz.model import load_model  # noqa: E402
from poolviz.model.trace import report  # noqa: E402
from poolviz.render.figure.compare import compare_figure  # noqa: E402
from poolviz.render.figure.grad import grad_figure  # noqa: E402
from poolviz.render.figure.look import PAD_INCHES  # noqa: E402
from poolviz.render.figure.pool import pool_figure  # noqa: E402
from poolviz.render.figure.save import (  # noqa: E402
    BLOCK_BYTES,
    OpaqueCanvas,
    png_bytes,
    save_figure,
)
from poolviz.render.figure.trace import trace_figure  # noqa: E402


def _grad() -> Figure:  # placed by hand, a colour bar
    forward = explain(SEED_5X5, mode="max", size=(3, 3), stride=(2, 2))
    return grad_figure(gradient(forward, upstream_gradient(forward, "ones", 0)))


def _compare() -> Figure:  # placed by hand, eleven panels
    return compare_figure(compare(SEED_4X4, Pooling()))


def _blur() -> Figure:  # constrained layout
    from poolviz.engine.blur import explain_blur
    from poolviz.render.figure.blur import blur_figure

    return blur_figure(explain_blur(np.array(SEED_4X4, dtype=float)))


def _pool() -> Figure:  # placed by hand
    return pool_figure(explain(SEED_4X4, mode="max", size=(2, 2), stride=(2, 2)))


def _trace() -> Figure:  # one Axes turned off, words past its edges
    return trace_figure(report(load_model("mnist")))


@pytest.mark.parametrize("make", [_grad, _compare, _blur, _pool, _trace])
def test_png_shows_what_a_tight_savefig_shows(tmp_path: Path, make: Callable[[], Figure]) -> None:
    ours, theirs = tmp_path / "ours.png", tmp_path / "theirs.png"
    save_figure(make(), ours, dpi=90)
    make().savefig(theirs, dpi=90, bbox_inches="tight", pad_inches=PAD_INCHES)
    with Image.open(ours) as a, Image.open(theirs) as b:
        assert (a.mode, b.mode) == ("RGB", "RGBA")
        assert a.size == b.size
        assert (np.asarray(b)[..., 3] == 255).all()
        assert np.array_equal(np.asarray(a), np.asarray(b)[..., :3])


def test_a_page_not_opaque_keeps_its_alpha(tmp_path: Path) -> None:
    fig = _pool()
    fig.patch.set_alpha(0.5)
    save_figure(fig, tmp_path / "see-through.png")
    with Image.open(tmp_path / "see-through.png") as image:
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] < 255


def test_an_opaque_png_takes_savefigs_metadata_and_dpi(tmp_path: Path) -> None:
    """As matplotlib's PNG: a metadata value of None leaves its key out; words beyond
    Latin-1 are kept (an iTXt chunk); the dpi is savefig's."""
    fig = Figure(figsize=(2, 1))
    OpaqueCanvas(fig)
    path = tmp_path / "x.png"
    fig.savefig(path, dpi=50, metadata={"Software": None, "Title": "t", "Author": "Łukasz ∂"})
    with Image.open(path) as im:
        assert (im.mode, im.size) == ("RGB", (100, 50))
        assert (im.info["Title"], im.info["Author"]) == ("t", "Łukasz ∂")
        assert "Software" not in im.info
        assert im.info["dpi"] == pytest.approx((50, 50), abs=0.02)  # whole pixels a metre


def test_pil_kwargs_are_pillows_to_apply(tmp_path: Path) -> None:
    """A savefig that passes Pillow's keywords has matplotlib's PNG, written by Pillow."""
    fig = Figure(figsize=(2, 1))
    OpaqueCanvas(fig)
    fig.savefig(tmp_path / "x.png", dpi=50, pil_kwargs={"dpi": (72, 72)})
    with Image.open(tmp_path / "x.png") as im:
        assert (im.mode, im.size) == ("RGBA", (100, 50))
        assert im.info["dpi"] == pytest.approx((72, 72), abs=0.01)
        assert im.info["Software"].startswith("Matplotlib version")


def test_png_rows_are_filtered_by_up(tmp_path: Path) -> None:
    """Each row is stored as its difference from the row above (filter 2), which decodes
    to the pixels drawn; the first row's "above" is zeros."""
    rgba = np.random.default_rng(0).integers(0, 256, (3, 4, 4), dtype=np.uint8)
    png = png_bytes(rgba, 100, {})
    (tmp_path / "r.png").write_bytes(png)
    with Image.open(tmp_path / "r.png") as im:
        assert np.array_equal(np.asarray(im), rgba[..., :3])
    start = png.index(b"IDAT") + 4
    rows = np.frombuffer(zlib.decompress(png[start:]), np.uint8).reshape(3, 1 + 12)
    assert list(rows[:, 0]) == [2, 2, 2]
    assert np.array_equal(rows[0, 1:], rgba[0, :, :3].ravel())
    assert np.array_equal(rows[2, 1:], (rgba[2, :, :3] - rgba[1, :, :3]).ravel())


def test_png_rows_decode_across_blocks(tmp_path: Path) -> None:
    """An image of several blocks of rows (filtered and deflated a block at a time) decodes
    to the pixels drawn: each block's first row is filtered against the row above it."""
    width = 1000
    height = 2 * (BLOCK_BYTES // (4 * width)) + 3
    rgba = np.random.default_rng(1).integers(0, 256, (height, width, 4), dtype=np.uint8)
    (tmp_path / "r.png").write_bytes(png_bytes(rgba, 100, {}))
    with Image.open(tmp_path / "r.png") as im:
        assert np.array_equal(np.asarray(im), rgba[..., :3])


def test_png_is_drawn_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = []
    draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda fig, renderer: drawn.append(draw(fig, renderer)))
    save_figure(_blur(), tmp_path / "blur.png", dpi=90)  # its layout engine set aside
    assert len(drawn) == 1
