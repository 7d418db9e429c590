"""The pooling a command runs, chosen by ``--mode``: which options each mode takes, the worked
example each shows with no input, and the engine call that runs it. The one place modes are
dispatched: ``pool``, ``grad`` and ``animate`` call :func:`run_mode` and draw what it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import click
import numpy as np
from click.core import ParameterSource

from poolviz.cli.options import pooling_from
from poolviz.engine.explain import PoolResult, explain, explain_adaptive, explain_fractional
from poolviz.errors import PoolvizError
from poolviz.examples import (
    SEED_4X4,
    SEED_4X4_NAME,
    SEED_5X5,
    SEED_5X5_NAME,
    SEED_7X7,
    SEED_7X7_NAME,
)

if TYPE_CHECKING:  # LP and blur are imported only by the modes that run them
    from poolviz.engine.blur import BlurRun
    from poolviz.engine.lp import LPRun

Run: TypeAlias = "PoolResult | LPRun | BlurRun"
"""What a mode gives: a :class:`PoolResult` (max, avg, adaptive, fractional) or the LP or
blur run with its own stages."""

OPTION_NAMES: dict[str, str] = {
    "size": "-k/--size",
    "stride": "-s/--stride",
    "padding": "-p/--padding",
    "dilation": "-d/--dilation",
    "ceil_mode": "--ceil-mode",
    "count_include_pad": "--count-include-pad",
    "output_size": "--output-size",
    "output_ratio": "--output-ratio",
    "norm_type": "--norm-type",
    "filter_size": "--filter-size",
}
"""The options whose meaning depends on the mode, as the user spells them."""

_WINDOW = frozenset({"size", "stride", "padding", "dilation", "ceil_mode", "count_include_pad"})

TAKES: dict[str, frozenset[str]] = {
    "max": _WINDOW,
    "avg": _WINDOW,
    "adaptive-max": frozenset({"output_size"}),
    "adaptive-avg": frozenset({"output_size"}),
    "fractional": frozenset({"size", "output_size", "output_ratio"}),
    "lp": frozenset({"size", "stride", "ceil_mode", "norm_type"}),
    "blur": frozenset({"size", "stride", "filter_size"}),
}
"""The mode-dependent options each mode takes; the others are refused when given."""

WHY: dict[str, str] = {
    "adaptive-max": "adaptive pooling fits its own bins to --output-size",
    "adaptive-avg": "adaptive pooling fits its own bins to --output-size",
    "fractional": "fractional pooling places -k windows by its samples (--seed)",
    "lp": "LP pooling takes a window, a stride and ceil mode, as PyTorch's",
    "blur": "blur pooling takes the max stage's window, the filter's stride and its size",
}


@dataclass(eq=False, repr=False)  # never compared or printed: compile no __eq__, __repr__
class Example:
    """The worked example a mode shows with no input."""

    array: np.ndarray
    name: str
    output_size: tuple[int, int] | None = None
    """The output size it is shown with (adaptive and fractional)."""


def example(mode: str, command: str = "pool") -> Example:
    """The worked example of ``mode``: adaptive 5x5 → 3x3 (its bins overlap), fractional
    7x7 → 4x4, else ``grad``'s overlapping 5x5 or ``pool``'s 4x4."""
    if mode.startswith("adaptive"):
        return Example(SEED_5X5, SEED_5X5_NAME, (3, 3))
    if mode == "fractional":
        return Example(SEED_7X7, SEED_7X7_NAME, (4, 4))
    if command == "grad":
        return Example(SEED_5X5, SEED_5X5_NAME)
    return Example(SEED_4X4, SEED_4X4_NAME)


def given(name: str) -> bool:
    """Whether the running command's option ``name`` was given (not left at its default)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or name not in ctx.params:
        return False
    return ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)


def check_options(mode: str, kwargs: Mapping[str, Any]) -> None:
    """Refuse an option ``mode`` does not take, naming it and what the mode takes."""
    for name, spelled in OPTION_NAMES.items():
        if name in kwargs and name not in TAKES[mode] and given(name):
            takes = ", ".join(OPTION_NAMES[t] for t in OPTION_NAMES if t in TAKES[mode])
            why = WHY.get(mode, f"{mode} pooling has no use for it")
            raise PoolvizError(f"--mode {mode} takes no {spelled} ({why}); use {takes}")


def run_mode(
    x: np.ndarray, kwargs: Mapping[str, Any], seed: int = 0, example_run: bool = False
) -> Run:
    """Run the pooling ``kwargs["mode"]`` names on ``x`` with the command's options;
    ``example_run`` says ``x`` is the mode's worked example, whose output size stands in
    for a missing ``--output-size``."""
    mode: str = kwargs["mode"]
    check_options(mode, kwargs)
    pooling = pooling_from(kwargs)
    output_size = kwargs.get("output_size")
    if output_size is None and example_run and kwargs.get("output_ratio") is None:
        output_size = example(mode).output_size
    if mode in ("max", "avg"):
        return explain(x, mode=mode, **pooling)
    if mode.startswith("adaptive"):
        if output_size is None:
            raise PoolvizError(f"--mode {mode} needs --output-size; give HxW such as 3x3, or 7")
        return explain_adaptive(x, output_size, mode.removeprefix("adaptive-"))
    if mode == "fractional":
        ratio = kwargs.get("output_ratio")
        if (output_size is None) == (ratio is None):
            raise PoolvizError(
                "--mode fractional takes one of --output-size and --output-ratio; give one, "
                "such as --output-size 4 or --output-ratio 0.7"
            )
        return explain_fractional(x, pooling["size"], output_size, ratio, seed=seed)
    if mode == "lp":
        from poolviz.engine.lp import explain_lp

        return explain_lp(
            x, kwargs["norm_type"], pooling["size"], pooling["stride"], pooling["ceil_mode"]
        )
    from poolviz.engine.blur import explain_blur

    stride = 2 if pooling["stride"] is None else pooling["stride"]
    return explain_blur(x, pooling["size"], stride, kwargs["filter_size"])
