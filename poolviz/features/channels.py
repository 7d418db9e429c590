"""Which channels of a captured layer to show, and what each one's pooling kept.

"The max is the strongest activation of the filter": a channel's winners are the cells whose
value some window passed on. How much of the map's positive mass (the sum of its positive
values; after a ReLU, all of its activation) the winners carry says how much of what the
filter found max pooling keeps: on a sparse map a few winners carry most of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from poolviz.engine.pooling import max_pool_nhwc
from poolviz.errors import PoolvizError
from poolviz.features.capture import Capture

DEFAULT_TOP = 8
MARKED_FRACTION = 0.1
"""Winners below this fraction of their map's largest value are not marked: a faint
background's winners would cover a picture with marks that say nothing."""


@dataclass(frozen=True)
class ChannelView:
    """One channel of one captured pooling node."""

    channel: int
    before: np.ndarray
    """The map the node pooled, (H, W)."""
    after: np.ndarray
    """The pooled map, (OH, OW)."""
    winners: np.ndarray | None
    """Max pooling: (H, W) bool, the winners worth marking: cells some window passed on, out
    of a window whose values are not all equal, with a value of at least
    :data:`MARKED_FRACTION` of the map's largest (positive); None for the averaging kinds."""
    flat: int
    """Max pooling: windows whose values are all equal (a blank background gives the bias
    everywhere): their winner is only the first cell, so it is not marked."""
    mass: float
    """The map's positive mass: the sum of its positive values."""
    share: float | None
    """The fraction of ``mass`` on the cells some window passed on (flat windows' included);
    None without winners or without mass."""


def channel_view(capture: Capture, channel: int) -> ChannelView:
    """Channel ``channel`` of ``capture`` with its winners and their share of the mass."""
    before = capture.before[:, :, channel]
    positive = np.where(before > 0, before, 0).astype(np.float64)
    mass = float(positive.sum())
    winners = None
    share = None
    flat = 0
    if capture.indices is not None:
        plane = capture.before[None, :, :, channel : channel + 1]
        lowest = -max_pool_nhwc(-plane, capture.rows, capture.cols, False)[0][0, :, :, 0]
        level = capture.after[:, :, channel] == lowest
        flat = int(level.sum())
        every = _mask(capture.indices[:, :, channel], before.shape)
        share = float(positive[every].sum()) / mass if mass > 0 else None
        strong = before >= MARKED_FRACTION * float(np.nanmax(before))
        marked = _mask(capture.indices[:, :, channel][~level], before.shape)
        winners = marked & strong & (before > 0)
    return ChannelView(channel, before, capture.after[:, :, channel], winners, flat, mass, share)


def _mask(indices: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The cells named by flat ``indices`` (-1, a window over padding alone, names none)."""
    flat = indices.ravel()
    mask = np.zeros(int(np.prod(shape)), dtype=bool)
    mask[flat[flat >= 0]] = True
    return mask.reshape(shape)


def most_active(capture: Capture, top: int) -> tuple[int, ...]:
    """The ``top`` channels with the most positive mass before pooling, largest first (the
    lower index first on ties)."""
    before = capture.before
    mass = np.where(before > 0, before, 0).astype(np.float64).sum(axis=(0, 1))
    order = sorted(range(before.shape[2]), key=lambda c: (-mass[c], c))
    return tuple(order[:top])


def select(capture: Capture, channels: Sequence[int] | None, top: int | None) -> tuple[int, ...]:
    """``--channel`` as given (each must exist), else the ``--top`` most active (default 8)."""
    count = capture.before.shape[2]
    if channels:
        missing = [c for c in channels if c >= count]
        if missing:
            raise PoolvizError(
                f"--channel {missing[0]} does not exist: {capture.pool.name} has {count} "
                f"channels; use 0-{count - 1}"
            )
        return tuple(channels)
    return most_active(capture, DEFAULT_TOP if top is None else top)
