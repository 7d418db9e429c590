"""Results as strict JSON: one object on stdout, NaN and infinities as strings."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from poolviz.engine.explain import PoolResult


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


def pool_config(result: PoolResult, given_padding: Any = None) -> dict[str, Any]:
    """Every pooling option as used, with the option names; ``padding`` as the user gave it
    where ``given_padding`` is passed (``1``, ``[1, 0]``, ``"same"``), else as a label."""
    s = result.spec
    return {
        "mode": s.mode,
        "size": list(s.size),
        "stride": list(s.stride),
        "padding": s.padding_label if given_padding is None else given_padding,
        "padding_resolved": list(result.padding_resolved),
        "dilation": list(s.dilation),
        "ceil_mode": s.ceil_mode,
        "count_include_pad": s.count_include_pad,
    }


def pool_json(
    result: PoolResult, *, item: int, channel: int, steps: int | None, padding: Any = None
) -> dict[str, Any]:
    """What ``poolviz pool --json`` prints: the whole output and indices, and the step
    table's windows for one item and channel (read off the geometry, without laying out
    their cells, so that any window PyTorch takes can be printed); ``padding`` as given
    (see :func:`pool_config`)."""
    windows = []
    count = result.window_count if steps is None else min(steps, result.window_count)
    divisors = result.divisors
    for i, j in (divmod(k, result.cols.out) for k in range(count)):
        argmax = result.argmax(i, j, item, channel)
        windows.append(
            {
                "out": [i, j],
                "rows": result.rows.taps(i),
                "cols": result.cols.taps(j),
                "value": float(result.output[item, i, j, channel]),
                "argmax": None if argmax is None else list(argmax),
                **({"divisor": int(divisors[i, j])} if divisors is not None else {}),
            }
        )
    body: dict[str, Any] = {
        "input_shape": list(result.input.shape),
        "output_shape": list(result.output.shape),
        "config": pool_config(result, padding),
        "formula": result.formula,
        "output": result.output_like_input(),
        "item": item,
        "channel": channel,
        "windows": windows,
    }
    indices = result.indices_like_input()
    if indices is not None:
        body["indices"] = indices
    return body
