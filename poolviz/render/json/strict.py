"""Strict JSON text: arrays as lists, NaN and infinities as strings (strict JSON has no such
numbers), indented when small enough to read."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def plain(value: Any) -> Any:
    """``value`` with arrays as nested lists, tuples as lists, and non-finite floats as the
    strings ``"nan"``, ``"inf"``, ``"-inf"`` (strict JSON has no such numbers)."""
    if isinstance(value, np.ndarray):
        return _plain_array(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    return value


def _plain_array(array: np.ndarray) -> Any:
    """Nested lists of an array, fast for the common all-finite case (a photo's output is
    millions of values): whole numbers as ints, non-finite values as strings."""
    if array.dtype.kind in "biu":
        return array.tolist()
    if not np.isfinite(array).all():
        return plain(array.tolist())
    if np.array_equal(array, np.round(array)) and np.abs(array).max(initial=0) < 2**53:
        return array.astype(np.int64).tolist()
    return array.tolist()


PRETTY_LIMIT = 2000
"""Objects with fewer numbers than this are indented for reading; larger ones are compact."""


def dumps(obj: Any) -> str:
    """``obj`` as strict JSON text: indented when small enough to read, compact otherwise."""
    text = json.dumps(plain(obj), allow_nan=False)
    return json.dumps(json.loads(text), indent=1) if text.count(",") < PRETTY_LIMIT else text
