"""What every loader returns: one float64 array plus where it came from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LoadedInput:
    """One input after loading: the array the engine takes as is, and its origin for the
    renderers to show."""

    array: np.ndarray
    """float64, rank 2-4: (H, W), (H, W, C) or (N, H, W, C); channels last."""
    name: str
    """What to call it: a file name, ``data.npz:key``, ``matrix``, ``stdin`` or a sample's file."""
    kind: str
    """``image``, ``npy``, ``npz``, ``text``, ``inline``, ``sample`` or ``example``."""
    dtype: str
    """The values' type before conversion to float64, e.g. ``uint8`` for an 8-bit image."""
    source_shape: tuple[int, ...]
    """The shape before --gray, --resize, --scale or --layout changed it: as stored, an image
    as its EXIF orientation turns it upright."""
    notes: tuple[str, ...] = ()
    """One-line remarks for the user, e.g. that an array looks channels-first."""
