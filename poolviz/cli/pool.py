"""``poolviz pool``: pool an input and show every window, step by step."""

from __future__ import annotations

from typing import Any

import click
import numpy as np

from poolviz.cli import display, modes, options, page
from poolviz.engine.explain import PoolResult

EPILOG = """\b
Examples:
  poolviz pool                      the worked 4x4: size 2, stride 2
  poolviz pool -m "1 3; 5 6" --mode avg
  poolviz pool --sample seed5x5 -k 3 -s 2 --at 0,1
  poolviz pool photo.jpg --scale 0.25 -o photo.png
  poolviz pool --mode blur --filter-size 3 -o blur.png
  poolviz pool --mode adaptive-avg  a 5x5 to 3x3: bins of 2 and 3 that overlap
  poolviz pool --mode fractional --output-ratio 0.6 --seed 3
"""


@click.command(epilog=EPILOG)
@options.input_options
@options.pooling_options
@options.pool_mode_option
@options.seed_option("Seed of fractional pooling's samples (0 or more, as NumPy takes).")
@display.view_options
@options.order_option
@options.json_option("Print one JSON object (every channel) instead of the report.")
@display.figure_options(("png", "svg", "pdf", "html"))
@display.aspect_option
@display.panel_option(("input", "output", "coverage"), "input, output or coverage")
@display.windows_option
@page.html_option
def pool(seed: int, as_json: bool, **kwargs: Any) -> None:
    """Pool an input and show every window: the output-size formula, the windows over the
    input, a step table, the output, and how often each cell was read.

    With no INPUT: the worked 4x4 example (6 8 / 4 7); adaptive modes a 5x5 to 3x3,
    fractional a 7x7 to 4x4. INPUT is an image, a .npy/.npz array, a text matrix, or - for
    standard input. With --mode blur, -k is the max stage's window (stride 1) and -s the
    filter's stride (default 2 whatever the size).
    """
    loaded = options.load_input_from(kwargs)
    pooling = options.pooling_from(kwargs)
    view = display.view_from(kwargs)
    example = modes.example(kwargs["mode"])
    x = example.array if loaded is None else loaded.array
    run = modes.run_mode(x, kwargs, seed, example_run=loaded is None)
    if not isinstance(run, PoolResult):
        notes = () if loaded is None else display.source_notes(loaded)
        if page.wanted(kwargs, as_json):
            source = example.name if loaded is None else loaded
            page.lp_blur_page(run, view, source, () if loaded is None else loaded.notes, kwargs)
            return
        figure = display.figure_from(kwargs)
        from poolviz.cli.pool_lp_blur import lp_or_blur_output

        lp_or_blur_output(run, view, figure, as_json, notes, int(np.ndim(x)))
        return
    result = run
    as_page = page.wanted(kwargs, as_json)
    if as_page:
        command = page.input_command("pool", kwargs, loaded)
        page.check_size(x, command, loaded)
    view.check(result.input.shape, result.output.shape)
    if as_page:
        from poolviz.render.html.page import pool_page

        source = example.name if loaded is None else loaded
        notes = () if loaded is None else loaded.notes
        shown = page.page_view(view, pooling["padding"], source, notes, command, kwargs)
        page.save_page(pool_page(result, shown), kwargs)
        return
    figure = display.figure_from(kwargs)
    display.check_windows(kwargs["windows"], result.output.shape)
    if figure is not None:
        from poolviz.render.figure.pool import pool_figure

        figure.save(
            pool_figure(
                result,
                item=view.item,
                channel=None if view.channels is None else view.channel,
                at=view.at,
                title=figure.title,
                cmap=figure.cmap,
                aspect=figure.aspect,
                panel=figure.panel,
                windows=kwargs["windows"],
                font_scale=figure.font_scale,
            )
        )
        return
    if as_json:
        from poolviz.render.json.pool import pool_json

        display.print_json(
            pool_json(
                result,
                item=view.item,
                channel=view.channel,
                steps=view.steps,
                padding=pooling["padding"],
                source=example.name if loaded is None else loaded,
            )
        )
        return
    from poolviz.render.terminal.pool import pool_report

    notes = () if loaded is None else display.source_notes(loaded)
    display.print_renderable(pool_report(result, display.pool_view(view, notes)))
