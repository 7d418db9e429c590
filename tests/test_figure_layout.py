"""Panels placed in inches (poolviz.render.figure.layout): exact boxes, arrows and pages,
worked out by hand from the default Room (margin 0.45, arrow gap 1.4, plain gap 0.75, room
above 0.6, title 0.4, drop for an arrow 0.75, colour bar 0.25 + 0.15 + 0.8 at least 1.2
tall)."""

from __future__ import annotations

import pytest

from poolviz.render.figure.layout import Panel, Placed, place_lines


def inches(placed: Placed) -> dict[str, tuple[float, ...]]:
    """Each box in inches (left, bottom, width, height), to a millionth."""
    w, h = placed.size
    return {k: _round(b[0] * w, b[1] * h, b[2] * w, b[3] * h) for k, b in placed.boxes.items()}


def _round(*values: float) -> tuple[float, ...]:
    return tuple(round(v, 6) for v in values)


def arrow_inches(placed: Placed) -> list[tuple[str, tuple[float, ...]]]:
    w, h = placed.size
    return [
        (a.label, _round(a.start[0] * w, a.start[1] * h, a.end[0] * w, a.end[1] * h))
        for a in placed.arrows
    ]


def test_rows_stack_left_aligned_and_a_short_row_grows_down_for_its_colour_bar() -> None:
    lines = [
        [Panel("a", 4.0, 0.5), Panel("b", 2.0, 0.5, "max")],
        [Panel("c", 4.0, 0.5), Panel("d", 2.0, 0.5, "back")],
    ]
    placed = place_lines(lines, rows=True, below=0.5, bars=[None, "bar"])
    # 0.45 + 4 + 1.4 + 2 + (0.25 + 0.15 + 0.8) + 0.45 across; the barred row spans its bar,
    # 1.2, the panels hanging from its top: 0.5 + (1.2 + 0.6) + 0.15 + (0.5 + 0.6) + 0.4 down
    assert placed.size == pytest.approx((9.5, 3.95))
    assert inches(placed) == {
        "a": (0.45, 2.45, 4.0, 0.5),
        "b": (5.85, 2.45, 2.0, 0.5),
        "c": (0.45, 1.2, 4.0, 0.5),
        "d": (5.85, 1.2, 2.0, 0.5),
        "bar": (8.1, 0.5, 0.15, 1.2),
    }
    assert arrow_inches(placed) == [
        ("max", (4.65, 2.7, 5.4, 2.7)),
        ("back", (4.65, 1.45, 5.4, 1.45)),
    ]
    assert [t * 3.95 for t in placed.tops] == pytest.approx([3.55, 2.3])


def test_a_colour_bar_never_rises_above_its_rows_panels() -> None:
    # beside short panels (their titles just above them) the bar's top is level with theirs;
    # beside tall ones it is 4/5 of their height, centred; at --font-scale 2 it is at least
    # twice as tall (2.4) for twice as large tick labels
    for height, scale in ((0.5, 1.0), (1.0, 1.5), (1.4, 1.0), (3.0, 1.0), (1.0, 2.0)):
        row = [Panel("p", 1.0, height)]
        placed = place_lines([row], rows=True, below=0.5, bars=["bar"], font_scale=scale)
        p, bar = inches(placed)["p"], inches(placed)["bar"]
        assert bar[1] + bar[3] <= p[1] + p[3] + 1e-9, (height, scale)
        assert bar[3] == pytest.approx(max(0.8 * height, 1.2 * scale)), (height, scale)


def test_columns_sit_side_by_side_top_aligned_with_arrows_down_their_middles() -> None:
    lines = [
        [Panel("a", 2.0, 2.0), Panel("b", 1.0, 1.0, "max")],
        [Panel("c", 2.0, 2.0), Panel("d", 1.0, 1.0, "back")],
    ]
    placed = place_lines(lines, rows=False, below=0.5, bars=[None, "bar"])
    # across: 0.45 + 2 + 0.75 + 2 + 1.2 + 0.45; down: 0.4 + (0.6 + 2) + (0.75 + 0.6 + 1) + 0.5
    assert placed.size == pytest.approx((6.85, 5.85))
    assert inches(placed) == {
        "a": (0.45, 2.85, 2.0, 2.0),
        "b": (0.95, 0.5, 1.0, 1.0),
        "c": (3.2, 2.85, 2.0, 2.0),
        "d": (3.7, 0.5, 1.0, 1.0),
        "bar": (5.45, 0.935, 0.15, 3.48),  # 4/5 of the 4.35 inches from a's top to b's foot
    }
    assert arrow_inches(placed) == [
        ("max", (1.45, 2.8, 1.45, 2.15)),
        ("back", (4.2, 2.8, 4.2, 2.15)),
    ]


def test_a_panel_without_row_indices_sits_closer_and_a_taller_title_gets_its_room() -> None:
    line = [Panel("in", 2.0, 2.0), Panel("out", 1.0, 1.0, indexed=False, above=1.0)]
    placed = place_lines([line], rows=True, below=0.5, font_scale=2.0)
    # at --font-scale 2 gaps and margins grow by half (0.675, 0.525), words' room twice
    assert placed.size == pytest.approx((0.675 + 2 + 0.525 + 1 + 0.675, 1.0 + 2 + 2.0 + 0.8))
    assert inches(placed)["out"] == (3.2, 1.5, 1.0, 1.0)  # centred on the input's middle


def test_narrow_columns_make_room_for_their_titles_and_a_bar_for_the_arrows_label() -> None:
    narrow = [
        [Panel("a", 1.0, 1.0), Panel("b", 0.5, 0.5, "max")],
        [Panel("c", 1.0, 1.0), Panel("d", 0.5, 0.5, "backward")],
    ]
    placed = place_lines(narrow, rows=False, below=0.5, bars=[None, "bar"])
    # beside another, a column is at least 2 inches wide (its title): 0.45 + 2 + 0.75 + 2 +
    # 1.2 + 0.45 across; down 0.4 + (0.6 + 1) + (0.75 + 0.6 + 0.5) + 0.5
    assert placed.size == pytest.approx((6.85, 4.35))
    boxes = inches(placed)
    assert boxes["a"][0] == 0.95 and boxes["c"][0] == 3.7 and boxes["d"][0] == 3.95
    assert boxes["bar"][0] == 5.45
    # alone, the column is its panels' width, and the bar stands right of the arrow's label,
    # 0.85 inch right of the arrow: 0.45 + 1 + (0.85 - 0.5) + 1.2 + 0.45 across
    alone = place_lines(narrow[1:], rows=False, below=0.5, bars=["bar"])
    assert alone.size[0] == pytest.approx(3.45)
    assert arrow_inches(alone)[0][1][0] == 0.95
    assert inches(alone)["bar"][0] == 2.05
