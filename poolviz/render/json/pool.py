"""``poolviz pool --json``, and what every command that pools an input reports the same way:
its configuration and its input."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from poolviz.engine.explain import PoolResult
from poolviz.engine.geometry import PaddingArg
from poolviz.engine.worked import worked_axis

if TYPE_CHECKING:  # the type alone: JSON never loads anything
    from poolviz.loaders import LoadedInput


def pool_config(result: PoolResult, padding: PaddingArg) -> dict[str, Any]:
    """Every pooling option as used, with the option names; ``padding`` as the user gave it
    (``1``, ``[1, 0]``, ``"valid"``, ``"same"``), the same in every command, and as the
    engine resolved it (``padding_resolved``: top, bottom, left, right)."""
    s = result.spec
    if result.kind == "adaptive":
        return {"mode": result.mode_name, "output_size": [result.rows.out, result.cols.out]}
    if result.kind == "fractional":
        assert result.samples is not None
        return {
            "mode": result.mode_name,
            "size": list(s.size),
            "output_size": [result.rows.out, result.cols.out],
            "output_ratio": None if result.output_ratio is None else list(result.output_ratio),
            "samples": [float(v) for v in result.samples[0, 0]],
        }
    return {
        "mode": s.mode,
        "size": list(s.size),
        "stride": list(s.stride),
        "padding": padding,
        "padding_resolved": list(result.padding_resolved),
        "dilation": list(s.dilation),
        "ceil_mode": s.ceil_mode,
        "count_include_pad": s.count_include_pad,
    }


def input_source(given: LoadedInput | str) -> dict[str, str]:
    """``source``, the same in every command that takes an input: a file, sample, matrix or
    standard input by the name and kind its loader gave it (see
    :attr:`poolviz.loaders.LoadedInput.kind`), or, for a str, the worked example of that name
    that the command ran on for want of an input (kind ``example``)."""
    if isinstance(given, str):
        return {"name": given, "kind": "example"}
    return {"name": given.name, "kind": given.kind}


def pool_json(
    result: PoolResult,
    *,
    item: int,
    channel: int,
    steps: int | None,
    padding: PaddingArg,
    source: LoadedInput | str,
) -> dict[str, Any]:
    """What ``poolviz pool --json`` prints: the whole output and indices, and the step
    table's windows for one item and channel (read off the geometry, without laying out
    their cells, so that any window PyTorch takes can be printed); ``padding`` as given
    (see :func:`pool_config`), ``source`` as :func:`input_source` takes it."""
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
    body["axes"] = axes_json(result)
    body["source"] = input_source(source)
    return body


def axes_json(result: PoolResult) -> dict[str, Any]:
    """Each axis's windows as the geometry lists them, whatever the kind: ``kind``
    (``uniform``, ``adaptive``, ``fractional``), ``n``, ``out``, ``windows`` (one
    ``[start, taps]`` per window; a uniform window's start is negative inside the padding,
    its taps ``dilation`` apart), fractional pooling's ``sample`` ``u``, and for the uneven
    kinds ``worked``: the rule with the axis's numbers, a line per window and a summary."""
    dtype = result.samples.dtype if result.samples is not None else np.float64
    body: dict[str, Any] = {}
    for key, ax, noun in (("h", result.rows, "row"), ("w", result.cols, "column")):
        entry: dict[str, Any] = {
            "kind": ax.kind,
            "n": ax.n,
            "out": ax.out,
            "windows": [[ax.start(i), ax.taps_of(i)] for i in range(ax.out)],
            "sample": ax.sample,
        }
        if ax.kind != "uniform":
            worked = worked_axis(ax, noun, dtype)
            entry["worked"] = {
                "rule": worked.rule,
                "steps": list(worked.steps),
                "summary": worked.summary,
            }
        body[key] = entry
    return body
