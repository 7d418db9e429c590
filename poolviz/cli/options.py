"""The command-line options every command shares, defined once: pooling geometry, the input
(loaded here within the memory budget), the output file and ``--json``.

Their value types live in :mod:`poolviz.cli.values`; a bad value fails at parse time there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

import click
import numpy as np

from poolviz import loaders
from poolviz.cli.values import (
    MatrixType,
    MemoryType,
    OptionError,
    OutputPath,
    Padding,
    PaddingType,
    Pair,
    RatioType,
    SampleType,
    ScaleType,
    SizePair,
    either,
)
from poolviz.errors import PoolvizError

if TYPE_CHECKING:
    from poolviz.loaders import Budget

F = TypeVar("F", bound=Callable[..., Any])


def with_options(f: F, decorators: Sequence[Callable[[F], F]]) -> F:
    """``f`` with ``decorators`` applied as if written above it in that order, so that
    ``--help`` lists the options in that order."""
    for decorator in reversed(decorators):
        f = decorator(f)
    return f


# Pooling


class PoolKwargs(TypedDict):
    """The pooling geometry as given on the command line: the keyword arguments of
    :func:`poolviz.engine.pool2d` and ``explain`` (all but ``x`` and ``mode``), handed to the
    engine unchanged."""

    size: Pair
    """Window (kh, kw)."""
    stride: Pair | None
    """Step (sh, sw); None means the window size, as in PyTorch and Keras."""
    padding: Padding
    """An int, an (h, w) pair, ``valid`` or ``same``."""
    dilation: Pair
    """Gap between window taps (dh, dw); 1 is a plain window."""
    ceil_mode: bool
    """Round the output size up, as PyTorch's ``ceil_mode``."""
    count_include_pad: bool
    """Whether padding counts in an average's divisor, as PyTorch's ``count_include_pad``."""


def pooling_options(f: F) -> F:
    """Add :func:`window_options` and ``--count-include-pad/--no-count-include-pad``, for the
    commands that average; :func:`pooling_from` collects them."""
    return window_options(
        click.option(
            "--count-include-pad/--no-count-include-pad",
            default=True,
            show_default=True,
            help="Count padding in an average's divisor (PyTorch's count_include_pad).",
        )(f)
    )


def size_option(*names: str, default: int | None = None, help: str) -> Callable[[F], F]:
    """Add an option taking a size, ``2`` or ``3x2`` (height first), as an (h, w) pair; its
    default, when it has one, shown in ``--help``."""
    return click.option(
        *names,
        type=SizePair(),
        default=default,
        show_default=default is not None,
        metavar="HxW",
        help=help,
    )


def count_option(
    *names: str,
    default: int | None = None,
    low: int = 0,
    high: int | None = None,
    metavar: str | None = None,
    help: str,
) -> Callable[[F], F]:
    """Add an option taking a whole number from ``low`` to ``high`` (no upper limit when
    None); its default, when it has one, shown in ``--help``."""
    return click.option(
        *names,
        type=click.IntRange(low, high),
        default=default,
        show_default=default is not None,
        metavar=metavar,
        help=help,
    )


def window_options(f: F) -> F:
    """Add ``-k/--size``, ``-s/--stride``, ``-p/--padding``, ``-d/--dilation`` and
    ``--ceil-mode``: the windows' geometry, for the commands that never average."""
    decorators = [
        size_option("-k", "--size", default=2, help="Window size: 2 or 3x2 (height first)."),
        size_option("-s", "--stride", help="Step between windows: 2 or 2x1.  [default: the size]"),
        click.option(
            "-p",
            "--padding",
            type=PaddingType(),
            default=0,
            show_default=True,
            metavar="P",
            help="Padding: 1, 1x0 (height first), 0,1,1,0 (top,left,bottom,right), valid, "
            "same (Keras) or same_lower (ONNX).",
        ),
        size_option(
            "-d", "--dilation", default=1, help="Gap between window taps; 1 is a plain window."
        ),
        click.option(
            "--ceil-mode",
            is_flag=True,
            help="Round the output size up (PyTorch's ceil_mode).",
        ),
    ]
    return with_options(f, decorators)


def pooling_from(kwargs: Mapping[str, Any]) -> PoolKwargs:
    """The pooling geometry from a command's keyword arguments (see :func:`pooling_options`;
    a command with only :func:`window_options` counts padding, as PyTorch's default)."""
    return PoolKwargs(
        size=kwargs["size"],
        stride=kwargs["stride"],
        padding=kwargs["padding"],
        dilation=kwargs["dilation"],
        ceil_mode=kwargs["ceil_mode"],
        count_include_pad=kwargs.get("count_include_pad", True),
    )


def mode_option(f: F) -> F:
    """Add ``--mode max|avg`` (default max)."""
    return click.option(
        "--mode",
        type=click.Choice(["max", "avg"]),
        default="max",
        show_default=True,
        help="Max or average pooling.",
    )(f)


POOL_MODES: tuple[str, ...] = (
    "max",
    "avg",
    "adaptive-max",
    "adaptive-avg",
    "fractional",
    "lp",
    "blur",
)
"""Every pooling ``--mode`` of ``pool``, ``grad`` and ``animate``: the kinds
:mod:`poolviz.cli.modes` runs."""


def pool_mode_option(f: F) -> F:
    """Add ``--mode`` for the commands that show one pooling (:data:`POOL_MODES`) and the
    options of its kinds: ``--output-size``/``--output-ratio`` (adaptive, fractional),
    ``--norm-type`` (LP), ``--filter-size`` (blur); :mod:`poolviz.cli.modes` reads them."""
    decorators = [
        click.option(
            "--mode",
            type=click.Choice(POOL_MODES),
            default="max",
            show_default=True,
            help="Max, average, adaptive (bins fitted to --output-size), fractional (uneven "
            "pseudo-random windows), LP (power average) or blur (anti-aliased max) pooling.",
        ),
        size_option(
            "--output-size",
            help="Adaptive and fractional pooling: the output's size, 3 or 3x4 (height first).",
        ),
        click.option(
            "--output-ratio",
            type=RatioType(),
            metavar="R",
            help="Fractional pooling: the output's size as a share of the input's, 0 < R < 1 "
            "(0.7, or 0.7x0.5 height first).",
        ),
        click.option(
            "--norm-type",
            type=float,
            callback=_power,
            default=2.0,
            show_default=True,
            metavar="P",
            help="LP pooling: the power p; 1 sums, inf takes the largest |x|.",
        ),
        filter_size_option,
    ]
    return with_options(f, decorators)


def _power(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """``--norm-type``: any number but 0 (LP pooling takes the 1/p-th root) and NaN."""
    if value == 0 or math.isnan(value):
        raise OptionError(
            f"--norm-type {value:g} has no 1/p; use a nonzero number such as 2, or inf", ctx, param
        )
    return value


def seed_option(help_text: str) -> Callable[[F], F]:
    """Add ``--seed N`` (0 or more, default 0): one seed for everything random in the run."""
    return count_option("--seed", default=0, help=help_text)


def filter_size_option(f: F) -> F:
    """Add ``--filter-size F``: the taps of blur pooling's binomial filter (1-7, default 4)."""
    return count_option(
        "--filter-size",
        default=4,
        low=1,
        high=7,
        metavar="F",
        help="Blur pooling: taps of the binomial filter, 1-7 (antialiased-cnns' sizes).",
    )(f)


# Input


def _list_samples(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--sample list``: print the samples, one per line with what it is, and stop."""
    if value != "list" or ctx.resilient_parsing:
        return value
    width = max(len(name) for name in loaders.SAMPLES)
    for name in loaders.sample_names():
        click.echo(f"{name:<{width}}  {loaders.SAMPLES[name].description}")
    ctx.exit()


def input_options(f: F) -> F:
    """Add the optional ``INPUT`` argument (a path, or ``-`` for standard input), ``-m``,
    ``--sample``, ``--gray``, ``--resize``, ``--scale`` and ``--layout``; :func:`load_input_from`
    loads what they name."""
    decorators = [
        click.argument("input", required=False, metavar="[INPUT]"),
        click.option(
            "-m",
            "--matrix",
            type=MatrixType(),
            metavar="ROWS",
            help='An inline matrix: "1 3; 5 6", channels split by |.',
        ),
        click.option(
            "--sample",
            type=SampleType(),
            is_eager=True,
            callback=_list_samples,
            metavar="NAME",
            help="A bundled input; --sample list names them.",
        ),
        click.option("--gray", is_flag=True, help="Read an image as one grey channel."),
        size_option("--resize", help="Resize an image first to HxW (height first)."),
        click.option(
            "--scale", type=ScaleType(), metavar="F", help="Resize an image first by F, e.g. 0.25."
        ),
        max_memory_option("Refuse inputs whose pooling would need more memory, e.g. 8G."),
        click.option(
            "--layout",
            type=click.Choice(loaders.LAYOUTS, case_sensitive=False),
            default="nhwc",
            show_default=True,
            help="Axis order of a .npy/.npz array; nchw for PyTorch's (N, C, H, W).",
        ),
    ]
    return with_options(f, decorators)


def max_memory_option(help: str) -> Callable[[F], F]:
    """Add ``--max-memory SIZE`` (default 2G), the budget a run is refused beyond; ``help``
    says what it measures."""
    return click.option(
        "--max-memory",
        type=MemoryType(),
        default="2G",
        show_default=True,
        metavar="SIZE",
        help=help,
    )


def shift_options(by_help: str) -> Callable[[F], F]:
    """Add ``--by N`` (default 1; ``by_help`` says what moves) and ``--axis x|y|both``
    (default x, passed as ``along``): how far and which way an input is shifted."""

    def decorate(f: F) -> F:
        decorators = [
            count_option("--by", default=1, low=1, metavar="N", help=by_help),
            click.option(
                "--axis",
                "along",
                type=click.Choice(["x", "y", "both"]),
                default="x",
                show_default=True,
                help="Shift right (x), down (y) or both.",
            ),
        ]
        return with_options(f, decorators)

    return decorate


def load_input(
    input: str | None,
    matrix: np.ndarray | None,
    sample: str | None,
    gray: bool,
    resize: Pair | None,
    scale: float | None,
    layout: str,
    max_memory: int | Budget | None = None,
) -> loaders.LoadedInput | None:
    """Load what the input options name; None when none was given, so the command shows its
    own worked example. More than one input, or an image option without an image, is a usage
    error. An input that would need more than ``max_memory`` (a :class:`Budget`; bytes alone
    are pooling's: the input, output and indices as float64 and int64, about three times the
    input) is refused, unread where its header tells its size."""
    budget = loaders.Budget(max_memory) if isinstance(max_memory, int) else max_memory
    given = [
        name
        for name, value in (("INPUT", input), ("-m/--matrix", matrix), ("--sample", sample))
        if value is not None
    ]
    if len(given) > 1:
        raise _usage(f"give one input, not {' and '.join(given)}")
    if input is not None:
        return loaders.load_path(
            input, gray=gray, resize=resize, scale=scale, layout=layout, budget=budget
        )
    if sample is not None:
        return loaders.load_sample(
            sample, gray=gray, resize=resize, scale=scale, layout=layout, budget=budget
        )
    read = loaders.ReadOptions(gray=gray, resize=resize, scale=scale, layout=layout)
    if matrix is not None:
        try:
            read.refuse_unless("text", "an inline matrix")
        except PoolvizError as err:
            raise _usage(str(err)) from None
        if budget is not None:
            budget.check("matrix", matrix.nbytes)
        return loaders.LoadedInput(matrix, "matrix", "inline", "float64", matrix.shape)
    if read.given():
        raise _usage(f"{read.given()[0]} needs an input; give INPUT or --sample")
    return None


POOLING_FOOTPRINT = 3
"""Peak memory of pooling an input, in multiples of the input's float64 size: the input, an
output and indices as large as the input at stride 1 (output and indices are smaller at
larger strides)."""

FOOTPRINTS: dict[str, dict[str, int]] = {
    "pool": {"report": POOLING_FOOTPRINT, "json": 8, "figure": 10},
    "grad": {"report": 24, "json": 60, "figure": 16},
    "shift": {"report": 7, "json": 40, "figure": 12},
    "compare": {"report": 7, "json": 40, "figure": 14},
    "animate": {"report": 10, "figure": 6},
}
"""Peak memory per command and output (the terminal report, ``--json``, a figure or GIF
with ``-o``), in multiples of the input's float64 size: measured with tracemalloc on a
600x600x3 input, with a margin. Beyond pooling, ``grad`` keeps per-cell routing lists, JSON
holds every number as a Python object and then as text, and figures keep display copies.
A command not listed is budgeted as pooling."""


def budget_from(limit: int | None) -> Budget | None:
    """The budget of the running command (click's current context) for ``limit`` bytes."""
    if limit is None:
        return None
    ctx = click.get_current_context(silent=True)
    command = ctx.info_name if ctx is not None else None
    params = ctx.params if ctx is not None else {}
    output = (
        "figure"
        if params.get("output") is not None
        else "json"
        if params.get("as_json")
        else "report"
    )
    footprints = FOOTPRINTS.get(command or "", {})
    if output not in footprints:
        return loaders.Budget(limit)
    if (command, output) == ("pool", "report"):
        return loaders.Budget(limit, footprints[output])
    flag = {"figure": " -o", "json": " --json", "report": ""}[output]
    return loaders.Budget(limit, footprints[output], f"poolviz {command}{flag} on it")


def load_input_from(kwargs: Mapping[str, Any]) -> loaders.LoadedInput | None:
    """:func:`load_input` with a command's keyword arguments (see :func:`input_options`).

    A command given no input shows its worked example and needs no budget: the budget's
    module reads the headers of every input kind, which that start-up need not import."""
    given = any(kwargs[name] is not None for name in ("input", "matrix", "sample"))
    return load_input(
        kwargs["input"],
        kwargs["matrix"],
        kwargs["sample"],
        kwargs["gray"],
        kwargs["resize"],
        kwargs["scale"],
        kwargs["layout"],
        budget_from(kwargs.get("max_memory")) if given else None,
    )


def _usage(message: str) -> PoolvizError:
    """A usage error with the running command's ``--help`` as the hint."""
    ctx = click.get_current_context(silent=True)
    return PoolvizError(message, hint=f"try: {ctx.command_path} --help" if ctx else None)


# Output


def output_option(formats: tuple[str, ...] = ("png", "svg", "pdf")) -> Callable[[F], F]:
    """Add ``-o/--output FILE``, accepting only ``formats`` (extensions without the dot) and a
    file whose folder exists; the value is a Path or None."""
    return click.option(
        "-o",
        "--output",
        type=OutputPath(formats),
        metavar="FILE",
        help=f"Write a file instead of printing ({either(formats)}).",
        callback=_one_output,
    )


def order_option(f: F) -> F:
    """Add ``--order nhwc|nchw``: the axis order shapes are printed in. Kept in the click
    context (``ctx.meta``), where :func:`poolviz.cli.display.order` reads it, so commands
    take no parameter for it."""
    from poolviz.render.order import ENV, ORDERS

    def keep(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is not None:
            ctx.meta["poolviz.order"] = value.lower()

    return click.option(
        "--order",
        cls=_OrderOption,
        type=click.Choice(ORDERS, case_sensitive=False),
        default=None,
        expose_value=False,
        callback=keep,
        help=(
            "Axis order of the shapes printed: nhwc (Keras's, the default) or nchw (PyTorch's); "
            f"${ENV} sets it for the terminal and figures."
        ),
    )(f)


class _OrderOption(click.Option):
    """``--order``, whose help tells it from ``--layout`` where the command has both."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None or not any("--layout" in p.opts for p in ctx.command.params):
            return record
        return record[0], f"{record[1]} Not how an input is stored (that is --layout)."


def json_option(help_text: str = "Print one JSON object instead.") -> Callable[[F], F]:
    """Add ``--json``, a flag passed as ``as_json`` (the name :func:`budget_from` reads);
    given with ``-o`` it is a usage error."""
    return click.option("--json", "as_json", is_flag=True, help=help_text, callback=_one_output)


def _one_output(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Refuse ``--json`` together with ``-o``: a command prints JSON or writes a file, and
    would otherwise drop one of them without a word. The callback of both options, so
    whichever click processes second sees the other in ``ctx.params``."""
    if ctx.resilient_parsing:
        return value
    given = {**ctx.params, param.name or "": value}
    if given.get("as_json") and given.get("output") is not None:
        raise OptionError(
            "--json and -o/--output cannot be combined; give --json to print JSON, or -o "
            "to write a file",
            ctx,
            param,
        )
    return value
