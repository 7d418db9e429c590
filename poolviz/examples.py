"""The worked examples every command shows when run with no input, and what reports and
``--json`` call them: the 4x4 map, the overlapping 5x5, the vertical edge and the MNIST
network's first feature map of the write-up poolviz illustrates (see the README).

A module of plain arrays, so that a command reaches its example without importing the
demonstrations that use it.
"""

from __future__ import annotations

import numpy as np

SEED_EDGE = np.array([[0, 0, 8, 0], [0, 0, 7, 0], [0, 0, 9, 0], [0, 0, 6, 0]], dtype=float)
"""The vertical edge, in column 2. Shifted one pixel right it stays inside the 2x2
window over columns 2-3, so its max-pooled output does not change (the write-up claims it does)."""

SEED_EDGE_NAME = "a vertical edge"
"""What reports and ``--json`` call :data:`SEED_EDGE` (with its copy one column left) as
``shift``'s input."""

SEED_4X4 = np.array([[1, 3, 2, 1], [5, 6, 8, 4], [2, 4, 7, 3], [1, 0, 3, 2]], dtype=float)
"""The worked 4x4: 2x2 max pooling gives 6 8 / 4 7; its top-left window 1 3 / 5 6
averages to 3.75."""

SEED_4X4_NAME = "the worked 4x4 example"
"""What reports and ``--json`` call :data:`SEED_4X4` when a command runs on it."""

SEED_LENGTH = 26
"""The MNIST network's feature map, 26x26x32 after the first convolution: 2x2 pooling gives 13."""

SEED_CHANNELS = 32

SEED_5X5 = np.array(
    [[1, 3, 2, 1, 4], [5, 6, 8, 4, 2], [2, 4, 7, 3, 1], [1, 0, 3, 2, 5], [3, 2, 1, 4, 0]],
    dtype=float,
)
"""The overlapping example: with size 3 and stride 2, both top windows pick the 8 and
both bottom windows the 7, so those two cells each receive a gradient of 2."""

SEED_5X5_NAME = "an overlapping 5x5"
"""What reports and ``--json`` call :data:`SEED_5X5` as the input."""

SEED_7X7 = np.array(
    [
        [1, 4, 2, 0, 3, 1, 2],
        [3, 9, 1, 5, 2, 6, 0],
        [0, 2, 7, 1, 4, 1, 3],
        [5, 1, 3, 8, 0, 2, 4],
        [2, 6, 0, 2, 9, 1, 1],
        [1, 3, 4, 1, 3, 7, 2],
        [4, 0, 2, 6, 1, 2, 5],
    ],
    dtype=float,
)
"""Fractional max pooling's example: 7x7 to 4x4 with windows of 2, whose starts step
unevenly (seed 0 gives rows 0, 2, 3, 5 and columns 0, 1, 3, 5)."""

SEED_7X7_NAME = "a 7x7 for fractional pooling"
"""What reports and ``--json`` call :data:`SEED_7X7` as the input."""
