"""The uneven-window kernels' building blocks: runs of alike windows, and the cells a block reads."""

from __future__ import annotations

from poolviz.engine.bins import Bins
from poolviz.engine.uneven import adaptive_axis


def test_runs_of_adaptive_bins_112_to_38() -> None:
    bins = Bins.of_axis(adaptive_axis(112, 38))
    assert bins.runs() == [
        (0, 1, 0, 1, 3),
        (1, 18, 2, 3, 4),
        (18, 20, 53, 3, 3),
        (20, 37, 58, 3, 4),
        (37, 38, 109, 1, 3),
    ]


def test_runs_of_repeated_cells_step_zero() -> None:
    bins = Bins.of_axis(adaptive_axis(2, 5))  # bins [0], [0], [0, 1], [1], [1]
    assert bins.runs() == [(0, 2, 0, 0, 1), (2, 3, 0, 1, 2), (3, 5, 1, 0, 1)]


def test_reaches_are_each_blocks_reach_and_empty_blocks_read_nothing() -> None:
    bins = Bins.of_axis(adaptive_axis(112, 38))
    blocks = [(slice(0, 2), 0, 7), (slice(2, 3), 7, 14), (slice(0, 1), 37, 38), (slice(0, 1), 5, 5)]
    assert bins.reaches(blocks) == [
        (items, lo, hi, *bins.part(items, lo, hi).reach()) for items, lo, hi in blocks
    ]
    assert bins.reaches(blocks)[:3] == [
        (slice(0, 2), 0, 7, 0, 21),  # windows 0..6: cells 0..20
        (slice(2, 3), 7, 14, 20, 42),
        (slice(0, 1), 37, 38, 109, 112),
    ]
    assert bins.reaches(blocks)[3][3:] == (0, 0)
