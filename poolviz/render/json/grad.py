"""``poolviz grad --json``: the backward pass and max-unpooling, every array complete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from poolviz.engine.geometry import PaddingArg
from poolviz.engine.gradient import GradResult
from poolviz.render.json.pool import axes_json, input_source, pool_config

if TYPE_CHECKING:
    from poolviz.loaders import LoadedInput


def grad_json(
    result: GradResult,
    *,
    item: int,
    channel: int,
    upstream: str | np.ndarray,
    seed: int,
    padding: PaddingArg,
    source: LoadedInput | str,
) -> dict[str, Any]:
    """What ``poolviz grad --json`` prints: every array complete in the input's layout, the
    routes of one item and channel (per input cell, the output cells feeding it), and where
    the upstream gradient came from (``upstream`` as given: ``ones``, ``random`` with
    ``seed``, or a matrix); ``padding`` as given (see :func:`pool_config`), ``source`` as
    :func:`input_source` takes it."""
    forward = result.forward
    routes = result.receivers(item, channel)
    return {
        "input_shape": list(forward.input.shape),
        "output_shape": list(forward.output.shape),
        "config": pool_config(forward, padding),
        "item": item,
        "channel": channel,
        "output": forward.output_like_input(),
        "indices": forward.indices_like_input(),
        "grad_output": result.grad_output_like_input(),
        "grad_input": result.grad_input_like_input(),
        "unpooled": result.unpooled_like_input(),
        "receivers": [
            {"cell": [r, c], "outputs": [list(o) for o in senders]}
            for r, row in enumerate(routes)
            for c, senders in enumerate(row)
        ],
        "grad_output_from": _upstream(upstream, seed),
        "axes": axes_json(forward),
        "source": input_source(source),
    }


def _upstream(given: str | np.ndarray, seed: int) -> dict[str, Any]:
    """Where the upstream gradient came from."""
    if isinstance(given, str):
        return {"kind": given, **({"seed": seed} if given == "random" else {})}
    return {"kind": "matrix"}
