"""``poolviz shift``, ``poolviz compare`` and ``poolviz size``: the text's remaining claims
(translation invariance, the alternatives to max pooling, the output size), computed.

Each command runs on a worked example when given no input; the experiments are
:mod:`poolviz.demos`, the pictures in :mod:`poolviz.render.terminal` and
:mod:`poolviz.render.figure` (``shift``, ``compare``, ``size``; matplotlib only with ``-o``),
the JSON :mod:`poolviz.render.json.demos`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
import numpy as np

from poolviz import demos
from poolviz.cli import display, options, values
from poolviz.demos import BlurPooling, Pooling
from poolviz.errors import PoolvizError
from poolviz.examples import (
    SEED_4X4,
    SEED_4X4_NAME,
    SEED_CHANNELS,
    SEED_EDGE,
    SEED_EDGE_NAME,
    SEED_LENGTH,
)

if TYPE_CHECKING:  # shift and tolerance are imported only by the commands that run them
    from poolviz.demos.shift import ShiftCase
    from poolviz.demos.tolerance import Source

FIGURE_FORMATS = ("png", "svg", "pdf")

COMPARE_PANELS = ("max", "avg", "adaptive_avg", "blur", "global_max", "global_avg", "conv")
"""The operations of ``compare``, as ``--panel`` names them (their keys)."""

MIN_TABLE_SHIFTS = 4
"""The table measures shifts up to at least this many pixels, so that its plot has lines:
with 2x2 windows, shifts 1-4 cover within-window, one-window and two-window moves."""

SHIFT_EPILOG = """\b
Examples:
  poolviz shift                     an edge: one shift unseen, one not
  poolviz shift --by 2 --layers 4   larger shifts, deeper stacks
  poolviz shift --sample digit --mode blur --filter-size 5 -o shift.png
"""

COMPARE_EPILOG = """\b
Examples:
  poolviz compare                   the worked 4x4: max 6 8 / 4 7 and more
  poolviz compare -m "1 3; 5 6"     one window: max 6, average 3.75
  poolviz compare --sample digit --conv-weights "0 1; 1 0" -o compare.png
"""

SIZE_EPILOG = """\b
Examples:
  poolviz size                      the MNIST 26x26x32 map -> 13x13x32
  poolviz size 13                   13 -> 6, the last row dropped
  poolviz size 224x224 -k 3 -s 2 -p 1 --channels 64
  poolviz size 10 --output-size 4   adaptive bins: four of 3, overlapping
"""


def _pooling(kwargs: dict[str, Any]) -> Pooling:
    return Pooling(**options.pooling_from(kwargs))


# shift


@click.command(epilog=SHIFT_EPILOG)
@options.input_options
@options.window_options
@options.shift_options("Pixels to move the content by; zeros move in, nothing wraps.")
@options.count_option(
    "--layers",
    default=3,
    low=1,
    high=16,
    metavar="L",
    help="Stacked poolings measured in the table: 1 to L.",
)
@options.count_option(
    "--shifts",
    low=1,
    metavar="M",
    help=f"Largest shift in the table.  [default: N, at least {MIN_TABLE_SHIFTS}]",
)
@options.order_option
@click.option(
    "--mode",
    type=click.Choice(["max", "blur"]),
    help="Only max pooling, or only blur pooling (max at stride 1, then a low-pass filter "
    "that subsamples by -s, default 2).  [default: both, side by side]",
)
@options.filter_size_option
@options.json_option()
@display.figure_options(FIGURE_FORMATS)
@display.aspect_option
@display.panel_option(("1", "2", "measured"), "a case's number, or measured")
def shift(
    by: int,
    along: str,
    layers: int,
    shifts: int | None,
    mode: str | None,
    filter_size: int,
    as_json: bool,
    **kwargs: Any,
) -> None:
    """Shift the input by N pixels and show whether max pooling notices, and whether blur
    pooling (anti-aliased, Zhang 2019) notices less: both inputs, the outputs and the output
    cells that changed; then measure how much of the output stays the same, and the mean
    change, for 1 to L stacked poolings and shifts 1 to M.

    With no INPUT: a vertical edge, in column 2 and in column 1 (the shift stays in one
    window, or crosses into the next), and the table on generated 32x32 inputs.
    """
    loaded = options.load_input_from(kwargs)
    pooling = _pooling(kwargs)
    blur, left_out = None, None
    if mode != "max":
        try:
            blur = _blur(pooling, filter_size, None if loaded is None else loaded.array)
        except PoolvizError as err:
            if mode == "blur":
                raise
            left_out = f"blur pooling left out: {err}"
    modes = ("max",) if blur is None else ("blur",) if mode == "blur" else ("max", "blur")
    show_max = "max" in modes
    cases: tuple[ShiftCase, ...]
    sources: tuple[Source, ...]
    notes: tuple[str, ...]
    if loaded is None:
        cases = demos.seed_shift_cases(by, along, pooling, blur, show_max)
        sources = demos.generated_sources(along)
        notes = (
            f"no input: {SEED_EDGE_NAME}; the table uses generated "
            f"{demos.GENERATED_SIDE}x{demos.GENERATED_SIDE} inputs",
        )
    else:
        x = loaded.array
        case = demos.shift_case(
            x,
            by,
            along,
            pooling,
            f"{loaded.name}, shifted {by} {demos.shift_direction(along)}",
            blur=blur,
            show_max=show_max,
        )
        cases = (case,)
        n, h, w, _ = case.input.shape
        count = f", {n} items" if n > 1 else ""
        sources = (demos.Source(loaded.name, f"the input, {h}x{w}{count}", case.input),)
        notes = display.source_notes(loaded)
    if left_out is not None:
        notes = (*notes, left_out)
    table = demos.tolerance_table(
        sources, pooling, layers, _table_shifts(shifts, by, sources, along), along, blur, modes
    )
    figure = display.figure_from(kwargs)
    if figure is not None:
        from poolviz.render.figure.shift import shift_figure

        figure.save(shift_figure(cases, table, figure.choices()))
        return
    if as_json:
        from poolviz.render.json.demos import shift_json

        source = SEED_EDGE_NAME if loaded is None else loaded
        display.print_json(
            shift_json(cases, table, by=by, along=along, padding=pooling.padding, source=source)
        )
        return
    from poolviz.render.terminal.shift import shift_report

    display.print_renderable(shift_report(cases, table, display.demo_view(notes)))


def _blur(pooling: Pooling, filter_size: int, x: np.ndarray | None) -> BlurPooling:
    """Blur pooling with the command's window (its max stage, stride 1) and stride (the
    filter's, default 2 whatever the size), checked on ``x`` (None: the worked example); it
    has no padding, dilation or ceil mode."""
    if pooling.padding not in (0, (0, 0), "valid") or pooling.dilation not in (1, (1, 1)):
        raise PoolvizError(
            "blur pooling takes no padding or dilation; drop -p and -d, or use --mode max"
        )
    if pooling.ceil_mode:
        raise PoolvizError("blur pooling has no ceil mode; drop --ceil-mode, or use --mode max")
    stride = 2 if pooling.stride is None else pooling.stride
    blur = BlurPooling(pooling.size, stride, filter_size)
    blur.apply(SEED_EDGE if x is None else x)  # raises where it does not fit
    return blur


def _table_shifts(shifts: int | None, by: int, sources: tuple[Source, ...], along: str) -> int:
    """The table's largest shift: ``--shifts``, or by default ``--by`` (at least
    :data:`MIN_TABLE_SHIFTS`); never past the shift that moves the whole input out of view,
    after which every row would be the same (and a huge ``--by`` would never finish)."""
    limit = demos.emptying_shift(sources, along)
    if shifts is None:
        return min(max(by, MIN_TABLE_SHIFTS), limit)
    if shifts > limit:
        unit = {"x": "columns", "y": "rows", "both": "rows and columns"}[along]
        raise PoolvizError(
            f"--shifts {shifts} is past the input: a shift of {limit} {unit} already moves "
            f"all of it out of view; use 1 to {limit}"
        )
    return shifts


# compare


@click.command("compare", epilog=COMPARE_EPILOG)
@options.input_options
@options.pooling_options
@click.option(
    "--conv-weights",
    type=values.MatrixType(),
    metavar="ROWS",
    help='Fixed weights of the strided convolution, e.g. "0.25 0.25; 0.25 0.25".  '
    "[default: the averaging kernel]",
)
@options.order_option
@options.json_option()
@display.figure_options(FIGURE_FORMATS)
@display.aspect_option
@display.panel_option(COMPARE_PANELS, "one operation with the input and its rebuild")
def compare_command(conv_weights: np.ndarray | None, as_json: bool, **kwargs: Any) -> None:
    """Max, average, adaptive average and blur pooling, global max and global average pooling
    and a strided convolution on one input, side by side: output shapes, parameters, the
    share of values kept, and how well the input can be rebuilt from max and from average
    pooling.

    With no INPUT: the worked 4x4 example. The convolution's weights are fixed here (default: the
    average of each window); a trained network would learn them.
    """
    loaded = options.load_input_from(kwargs)
    pooling = _pooling(kwargs)
    notes: tuple[str, ...]
    if loaded is None:
        x, notes = SEED_4X4, (f"no input: {SEED_4X4_NAME}",)
    else:
        x, notes = loaded.array, display.source_notes(loaded)
    result = demos.compare(x, pooling, conv_weights)
    figure = display.figure_from(kwargs)
    if figure is not None:
        from poolviz.render.figure.compare import compare_figure

        figure.save(
            compare_figure(
                result,
                title=figure.title,
                cmap=figure.cmap,
                order=display.order(),
                aspect=figure.aspect,
                panel=figure.panel,
                font_scale=figure.font_scale,
            )
        )
        return
    if as_json:
        from poolviz.render.json.demos import compare_json

        source = SEED_4X4_NAME if loaded is None else loaded
        display.print_json(compare_json(result, padding=pooling.padding, source=source))
        return
    from poolviz.render.terminal.compare import compare_report

    display.print_renderable(compare_report(result, display.demo_view(notes)))


# size

WINDOW_OPTIONS = ("size", "stride", "padding", "dilation", "ceil_mode")
"""The window options, which adaptive pooling (``--output-size``) has no use for."""


def _adaptive_only() -> None:
    """With ``--output-size``: refuse the window options given on the command line (they
    do not apply to adaptive bins)."""
    ctx = click.get_current_context()
    given = [
        name
        for name in WINDOW_OPTIONS
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
    ]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise PoolvizError(
            f"--output-size sets adaptive bins, which take no {flags}; give either "
            "--output-size or the window options"
        )


class LengthsType(values.OptionType):
    """``N`` (one axis) or ``HxW`` (height first), each at least 1; converts to a tuple."""

    name = "N|HxW"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        text = str(value).strip().lower()
        parts = text.split("x")
        accepted = "use a whole number such as 26, or HxW (height first) such as 28x28"
        if len(parts) > 2 or not all(p.strip().isascii() and p.strip().isdigit() for p in parts):
            raise values.OptionError(f"{value!r} is not a size; {accepted}", ctx, param)
        lengths = tuple(int(p) for p in parts)
        if min(lengths) < 1:
            raise values.OptionError(f"size {value} must be at least 1; {accepted}", ctx, param)
        return lengths


@click.command(epilog=SIZE_EPILOG)
@click.argument("lengths", required=False, type=LengthsType(), metavar="[N|HxW]")
@options.window_options
@options.size_option(
    "--output-size",
    help="Adaptive pooling: the output size, 4 or 3x4 (height first); shows its bins "
    "instead of a window's formula.",
)
@options.count_option(
    "--channels",
    low=1,
    metavar="C",
    help=f"Channels, for shapes and value counts.  [default: 1; {SEED_CHANNELS} with no N]",
)
@options.order_option
@options.json_option()
@display.figure_options(FIGURE_FORMATS, cmap=False)
def size(
    lengths: tuple[int, ...] | None,
    channels: int | None,
    as_json: bool,
    output_size: tuple[int, int] | None,
    **kwargs: Any,
) -> None:
    """Work out the output size of a pooling layer, step by step: PyTorch's formula (with
    dilation and ceil mode) or Keras's 'same', which input rows and columns no window reads,
    and which padding is used. Refuses what PyTorch would refuse. With --output-size:
    adaptive pooling's bins, each worked out, their lengths and the cells they share.

    N alone means one axis of that length; HxW means height and width. With no N: the
    MNIST network's 26x26 feature map with 32 channels (26 -> 13).
    """
    notes: tuple[str, ...] = ()
    if lengths is None:
        lengths = (SEED_LENGTH, SEED_LENGTH)
        channels = channels or SEED_CHANNELS
        notes = (f"no N: the MNIST feature map, {SEED_LENGTH}x{SEED_LENGTH}",)
    figure = display.figure_from(kwargs)
    if output_size is not None:
        _adaptive_only()
        result = demos.adaptive_sizes(lengths, output_size, channels or 1)
    else:
        result = demos.output_sizes(lengths, _pooling(kwargs), channels or 1)
    if figure is not None:
        from poolviz.render.figure.size import size_figure

        figure.save(size_figure(result, title=figure.title))
        return
    if as_json:
        from poolviz.render.json.demos import size_json

        display.print_json(size_json(result, kwargs["padding"]))
        return
    from poolviz.render.terminal.size import size_report

    display.print_renderable(size_report(result, display.demo_view(notes)))
