"""``poolviz grad``: the backward pass of pooling, where each gradient goes, and max-unpooling."""

from __future__ import annotations

from typing import Any

import click
import numpy as np
from click.core import ParameterSource

from poolviz.cli import display, modes, options, page, values
from poolviz.engine.explain import PoolResult
from poolviz.engine.gradient import UPSTREAM_KINDS, GradResult, gradient, upstream_gradient
from poolviz.examples import SEED_5X5_NAME

EPILOG = """\b
Examples:
  poolviz grad                 a 5x5: shared winners add gradients up
  poolviz grad -m "1 3; 5 6"   one window: gradient 0 0 / 0 1
  poolviz grad -m "1 3 2 1; 5 6 8 4; 2 4 7 3; 1 0 3 2" --mode avg -o avg.png
  poolviz grad --mode adaptive-avg   5x5 to 3x3: overlapping bins share cells
"""


class GradOutputType(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """The upstream gradient: ``ones``, ``random`` or an inline matrix (parsed as ``-m``)."""

    name = "grad_output"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> str | np.ndarray:
        if isinstance(value, str) and value.strip().lower() in UPSTREAM_KINDS:
            return value.strip().lower()
        return values.MatrixType().convert(value, param, ctx)


@click.command(epilog=EPILOG)
@options.input_options
@options.pooling_options
@options.pool_mode_option
@click.option(
    "--grad-output",
    type=GradOutputType(),
    default="ones",
    show_default=True,
    metavar="G",
    help='Upstream gradient: ones, random or a matrix such as "1 0; 0 2".',
)
@options.seed_option(
    "Seed for everything random in the run: --grad-output random and fractional pooling's "
    "samples (0 or more, as NumPy takes)."
)
@click.option("--no-unpool", is_flag=True, help="Leave out max-unpooling.")
@display.view_options
@options.order_option
@options.json_option()
@display.figure_options(("png", "svg", "pdf", "html"))
@display.aspect_option
@display.panel_option(("forward", "gradient", "unpool"), "forward, gradient or unpool")
@page.html_option
def grad(
    grad_output: str | np.ndarray,
    seed: int,
    no_unpool: bool,
    as_json: bool,
    **kwargs: Any,
) -> None:
    """Send a gradient back through pooling: which input cells receive it, where windows
    share a winner it adds up, and what max-unpooling brings back.

    With no INPUT: a 5x5 example with size 3 and stride 2. INPUT is an image, a .npy/.npz
    array, a text matrix, or - for standard input.
    """
    loaded = options.load_input_from(kwargs)
    pooling = options.pooling_from(kwargs)
    view = display.view_from(kwargs)
    example = modes.example(kwargs["mode"], "grad")
    x = example.array if loaded is None else loaded.array
    if loaded is None and kwargs["mode"] in ("max", "avg", "lp", "blur"):
        ctx = click.get_current_context()
        if ctx.get_parameter_source("size") is ParameterSource.DEFAULT:
            kwargs["size"] = pooling["size"] = (3, 3)
            if ctx.get_parameter_source("stride") is ParameterSource.DEFAULT:
                kwargs["stride"] = pooling["stride"] = (2, 2)
    run = modes.run_mode(x, kwargs, seed, example_run=loaded is None)
    if not isinstance(run, PoolResult):
        notes = () if loaded is None else display.source_notes(loaded)
        sent = upstream_gradient(run, grad_output, seed)
        label = _upstream_label(grad_output, seed)
        if page.wanted(kwargs, as_json):
            source = SEED_5X5_NAME if loaded is None else loaded
            notes = () if loaded is None else loaded.notes
            page.lp_blur_page(run, view, source, notes, kwargs, (sent, grad_output, seed))
            return
        from poolviz.cli.pool_lp_blur import lp_or_blur_grad_output

        lp_or_blur_grad_output(run, sent, label, view, kwargs, as_json, notes)
        return
    as_page = page.wanted(kwargs, as_json)
    if as_page:
        command = page.input_command("grad", kwargs, loaded)
        command += page.upstream_args(grad_output, seed)
        page.check_size(x, command, loaded)
    forward = run
    view.check(forward.input.shape, forward.output.shape)
    result = gradient(forward, upstream_gradient(forward, grad_output, seed))
    if as_page:
        from poolviz.render.html.page import grad_page

        source = example.name if loaded is None else loaded
        notes = (example_note(result),) if loaded is None else loaded.notes
        shown = page.page_view(view, pooling["padding"], source, notes, command, kwargs)
        page.save_page(grad_page(result, shown, upstream=grad_output, seed=seed), kwargs)
        return
    notes = (example_note(result),) if loaded is None else display.source_notes(loaded)
    figure = display.figure_from(kwargs)
    if figure is not None:
        from poolviz.render.figure.grad import grad_figure

        figure.save(
            grad_figure(
                result,
                item=view.item,
                channel=view.channel,
                title=figure.title,
                cmap=figure.cmap,
                unpool=not no_unpool,
                aspect=figure.aspect,
                panel=figure.panel,
                font_scale=figure.font_scale,
            )
        )
        return
    if as_json:
        from poolviz.render.json.grad import grad_json

        display.print_json(
            grad_json(
                result,
                item=view.item,
                channel=view.channel,
                upstream=grad_output,
                seed=seed,
                padding=pooling["padding"],
                source=example.name if loaded is None else loaded,
            )
        )
        return
    from poolviz.render.terminal.grad import GradView, grad_report

    upstream = _upstream_label(grad_output, seed)
    display.print_renderable(
        grad_report(
            result,
            GradView(display.pool_view(view, notes), upstream=upstream, unpool=not no_unpool),
        )
    )


def example_note(result: GradResult) -> str:
    """The report's note on the worked example: its name, and what it is there to show
    (size 3 and stride 2, windows sharing a winner) only when the options kept that true."""
    forward = result.forward
    spec = forward.spec
    shared = (spec.size, spec.stride) == ((3, 3), (2, 2)) and result.shared()
    if forward.kind == "uniform":
        if result.mode == "max" and shared:
            return f"no input: {SEED_5X5_NAME}, size 3, stride 2 (windows share winners)"
        return f"no input: {SEED_5X5_NAME}"
    name = modes.example(forward.mode_name).name
    overlap = " (bins overlap)" if forward.coverage.max() > 1 else ""
    return f"no input: {name} → {forward.rows.out}x{forward.cols.out}{overlap}"


def _upstream_label(given: str | np.ndarray, seed: int) -> str:
    """How the headings name the upstream gradient."""
    if isinstance(given, str):
        return f"random (seed {seed})" if given == "random" else given
    return "given"
