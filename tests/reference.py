"""A plain-loop pooling reference, written from PyTorch's definition, for tests only."""

from __future__ import annotations

import math

import numpy as np


def windows(n: int, k: int, s: int, p_before: int, d: int, out: int) -> list[list[int]]:
    """For each window along one axis, the input indices of its taps (padding included)."""
    return [[i * s - p_before + j * d for j in range(k)] for i in range(out)]


def max_pool_loop(
    plane: np.ndarray,
    k: tuple[int, int],
    s: tuple[int, int],
    p: tuple[int, int],
    d: tuple[int, int],
    out: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """Max and first-occurrence argmax (last NaN) of one (H, W) plane, one window at a time."""
    h, w = plane.shape
    values = np.full(out, -np.inf)
    indices = np.full(out, -1, dtype=np.int64)
    for i, rows in enumerate(windows(h, k[0], s[0], p[0], d[0], out[0])):
        for j, cols in enumerate(windows(w, k[1], s[1], p[1], d[1], out[1])):
            best, where = -math.inf, -1
            for r in rows:
                for c in cols:
                    if not (0 <= r < h and 0 <= c < w):
                        continue
                    v = float(plane[r, c])
                    if where == -1 or v > best or math.isnan(v):
                        best, where = v, r * w + c
            values[i, j], indices[i, j] = best, where
    return values, indices
