"""``poolviz pool --mode lp|blur``: the engine's LP and blur runs from the command's options,
and their report, figure or JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from poolviz.cli import display
from poolviz.cli.options import PoolKwargs
from poolviz.engine.blur import BlurRun, explain_blur
from poolviz.engine.lp import LPRun, explain_lp
from poolviz.engine.windows import like_input
from poolviz.errors import PoolvizError


def lp_or_blur(
    x: np.ndarray, mode: str, norm_type: float, filter_size: int, pooling: PoolKwargs
) -> LPRun | BlurRun:
    """LP or blur pooling of ``x`` with the command's window; neither takes padding or
    dilation, and blur has no ceil mode (its stride defaults to 2, whatever the size)."""
    if pooling["padding"] not in (0, (0, 0), "valid") or pooling["dilation"] != (1, 1):
        raise PoolvizError(
            f"{mode} pooling takes no padding or dilation (as PyTorch's); drop -p and -d"
        )
    if mode == "lp":
        return explain_lp(x, norm_type, pooling["size"], pooling["stride"], pooling["ceil_mode"])
    if pooling["ceil_mode"]:
        raise PoolvizError("blur pooling has no ceil mode; drop --ceil-mode")
    stride = 2 if pooling["stride"] is None else pooling["stride"]
    return explain_blur(x, pooling["size"], stride, filter_size)


def lp_or_blur_output(
    run: LPRun | BlurRun,
    view: display.ViewArgs,
    figure: display.FigureArgs | None,
    as_json: bool,
    notes: tuple[str, ...],
    ndim: int,
) -> None:
    """Show ``run``: a figure with ``-o`` (blur), JSON with ``--json`` (arrays in the input's
    rank ``ndim``), else the report."""
    at = view.at or (0, 0)
    if isinstance(run, BlurRun):
        run.window(*at)  # refuses a cell the output does not have
    if figure is not None:
        if not isinstance(run, BlurRun):
            raise PoolvizError("-o draws blur pooling only so far; use --json or the report")
        from poolviz.render.figure.blur import blur_figure

        figure.save(
            blur_figure(run, at=at, channel=view.channel, title=figure.title, cmap=figure.cmap)
        )
        return
    if as_json:
        from poolviz.render.json.lp_blur import blur_json, lp_json

        display.print_json(lp_json(run, ndim) if isinstance(run, LPRun) else blur_json(run, ndim))
        return
    from poolviz.render.terminal.panels import DemoView

    shown = display.screen()
    demo = DemoView(shown.width, shown.colour, shown.ascii_only, notes)
    if isinstance(run, LPRun):
        from poolviz.render.terminal.lp import lp_report

        display.print_renderable(lp_report(run, view.channel, demo))
    else:
        from poolviz.render.terminal.blur import blur_report

        display.print_renderable(blur_report(run, at, view.channel, demo))


def lp_or_blur_grad_output(
    run: LPRun | BlurRun,
    upstream: np.ndarray,
    upstream_label: str,
    view: display.ViewArgs,
    kwargs: Mapping[str, Any],
    as_json: bool,
    notes: tuple[str, ...],
) -> None:
    """``poolviz grad --mode lp|blur``: the gradient reaching the input, as JSON or a report
    (figures and pages draw max and average pooling only so far)."""
    if kwargs.get("output") is not None or kwargs.get("as_html"):
        raise PoolvizError(
            f"grad draws {run_name(run)} pooling in the terminal and as --json only so far; "
            "drop -o/--html"
        )
    grad = run.backward(upstream)
    if as_json:
        display.print_json(
            {
                "mode": run_name(run),
                "upstream": like_input(upstream, run.input_ndim),
                "gradient": like_input(grad, run.input_ndim),
                "sent": float(upstream.sum()),
                "received": float(grad.sum()),
            }
        )
        return
    from poolviz.render.terminal.lp_blur_grad import lp_blur_grad_report
    from poolviz.render.terminal.panels import DemoView

    shown = display.screen()
    demo = DemoView(shown.width, shown.colour, shown.ascii_only, notes)
    display.print_renderable(
        lp_blur_grad_report(run, upstream, grad, upstream_label, view.channel, demo)
    )


def run_name(run: LPRun | BlurRun) -> str:
    """``lp`` or ``blur``."""
    return "lp" if isinstance(run, LPRun) else "blur"
