"""``poolviz pool|grad --mode lp|blur``: how an LP or blur run (from
:func:`poolviz.cli.modes.run_mode`) is shown. Each kind is one :class:`Drawing` (its report,
JSON and figure), so the code that shows a run has no branch per kind; the renderers are
imported only when used."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from poolviz.cli import display
from poolviz.engine.blur import BlurRun
from poolviz.engine.lp import LPRun
from poolviz.engine.windows import like_input
from poolviz.errors import PoolvizError

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from rich.console import RenderableType

    from poolviz.render.terminal.view import DemoView


def _lp_report(run: Any, at: tuple[int, int], channel: int, view: DemoView) -> RenderableType:
    from poolviz.render.terminal.lp import lp_report

    return lp_report(run, channel, view)


def _blur_report(run: Any, at: tuple[int, int], channel: int, view: DemoView) -> RenderableType:
    from poolviz.render.terminal.blur import blur_report

    return blur_report(run, at, channel, view)


def _lp_json(run: Any, ndim: int) -> dict[str, Any]:
    from poolviz.render.json.lp_blur import lp_json

    return lp_json(run, ndim)


def _blur_json(run: Any, ndim: int) -> dict[str, Any]:
    from poolviz.render.json.lp_blur import blur_json

    return blur_json(run, ndim)


def _lp_figure(run: Any, **look: Any) -> Figure:
    from poolviz.render.figure.lp import lp_figure

    return lp_figure(run, **look)


def _blur_figure(run: Any, **look: Any) -> Figure:
    from poolviz.render.figure.blur import blur_figure

    return blur_figure(run, **look)


@dataclass(frozen=True)
class Drawing:
    """How one kind of run is shown: its name, report, JSON and figure."""

    name: str
    report: Callable[[Any, tuple[int, int], int, DemoView], RenderableType]
    json: Callable[[Any, int], dict[str, Any]]
    figure: Callable[..., Figure]
    """Called with the run and, as keywords, ``at``, ``channel`` and ``choices`` (a
    :class:`~poolviz.render.figure.choices.FigureChoices`)."""


DRAWINGS: dict[type, Drawing] = {
    LPRun: Drawing("lp", _lp_report, _lp_json, _lp_figure),
    BlurRun: Drawing("blur", _blur_report, _blur_json, _blur_figure),
}


def drawing(run: LPRun | BlurRun) -> Drawing:
    """The :class:`Drawing` of ``run``'s kind."""
    return DRAWINGS[type(run)]


def _check_at(run: LPRun | BlurRun, at: tuple[int, int]) -> None:
    """Refuse an output cell the run's output does not have."""
    oh, ow = run.output.shape[1:3]
    if not (0 <= at[0] < oh and 0 <= at[1] < ow):
        raise PoolvizError(
            f"output cell {at[0]},{at[1]} is outside the {oh}x{ow} output; use rows 0-{oh - 1} "
            f"and columns 0-{ow - 1}"
        )


def _demo(notes: tuple[str, ...]) -> DemoView:
    from poolviz.render.terminal.view import DemoView

    shown = display.screen()
    return DemoView(shown.width, shown.colour, shown.ascii_only, notes)


def lp_or_blur_output(
    run: LPRun | BlurRun,
    view: display.ViewArgs,
    figure: display.FigureArgs | None,
    as_json: bool,
    notes: tuple[str, ...],
    ndim: int,
) -> None:
    """Show ``run``: a figure with ``-o``, JSON with ``--json`` (arrays in the input's rank
    ``ndim``), else the report."""
    at = view.at or (0, 0)
    _check_at(run, at)
    drawn = drawing(run)
    if figure is not None:
        figure.save(drawn.figure(run, at=at, channel=view.channel, choices=figure.choices()))
        return
    if as_json:
        display.print_json(drawn.json(run, ndim))
        return
    display.print_renderable(drawn.report(run, at, view.channel, _demo(notes)))


def lp_or_blur_grad_output(
    run: LPRun | BlurRun,
    upstream: np.ndarray,
    upstream_label: str,
    view: display.ViewArgs,
    kwargs: Mapping[str, Any],
    as_json: bool,
    notes: tuple[str, ...],
) -> None:
    """``poolviz grad --mode lp|blur``: the gradient reaching the input, as a figure (``-o``),
    JSON or a report (the page is :func:`poolviz.cli.page.lp_blur_page`'s)."""
    grad = run.backward(upstream)
    figure = display.figure_from(kwargs)
    if figure is not None:
        from poolviz.render.figure.lp_blur_grad import lp_blur_grad_figure

        figure.save(
            lp_blur_grad_figure(
                run,
                upstream,
                grad,
                upstream_label,
                channel=view.channel,
                choices=figure.choices(),
            )
        )
        return
    if as_json:
        display.print_json(
            {
                "mode": drawing(run).name,
                "upstream": like_input(upstream, run.input_ndim),
                "gradient": like_input(grad, run.input_ndim),
                "sent": float(upstream.sum()),
                "received": float(grad.sum()),
            }
        )
        return
    from poolviz.render.terminal.lp_blur_grad import lp_blur_grad_report

    display.print_renderable(
        lp_blur_grad_report(run, upstream, grad, upstream_label, view.channel, _demo(notes))
    )
