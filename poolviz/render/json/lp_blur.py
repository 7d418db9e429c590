"""``poolviz pool --mode lp|blur --json``: LP pooling beside the textbook formula, and blur
pooling's two stages, every array in the input's layout."""

from __future__ import annotations

from typing import Any

from poolviz.engine.blur import BlurRun
from poolviz.engine.lp import LPRun
from poolviz.engine.windows import like_input


def lp_json(run: LPRun, ndim: int) -> dict[str, Any]:
    """PyTorch's output, the textbook's ``(Σ|x|^p)^(1/p)`` and each window where they part."""
    return {
        "mode": "lp",
        "config": {
            "norm_type": run.norm_type,
            "size": list(run.size),
            "stride": list(run.stride),
        },
        "input": like_input(run.input, ndim),
        "output": like_input(run.output, ndim),
        "textbook": like_input(run.textbook, ndim),
        "departures": [{"cell": [i, j], "why": why} for i, j, why in run.departures()],
    }


def blur_json(run: BlurRun, ndim: int) -> dict[str, Any]:
    """Both stages: the stride-1 max map, the reflect-padded map, the filter, the output."""
    return {
        "mode": "blur",
        "config": {
            "size": list(run.size),
            "stride": list(run.stride),
            "filter_size": run.filter_size,
            "reflect_padding": list(run.pad),
        },
        "input": like_input(run.input, ndim),
        "max_map": like_input(run.max_map, ndim),
        "padded": like_input(run.padded, ndim),
        "weights": run.weights,
        "output": like_input(run.output, ndim),
    }
