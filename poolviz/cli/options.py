"""The command-line options every command shares, defined once: pooling geometry, the input,
the output file, ``--json``, and the value types behind them (``3x2``, ``same``, inline
matrices).

A bad value fails at parse time with :class:`OptionError`, whose message is complete (it names
the option, the value and what would be accepted); the CLI shows it as ``error: ...`` with a
``try: poolviz CMD --help`` hint and exit code 2.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypedDict, TypeVar

import click
import numpy as np

from poolviz import loaders
from poolviz.errors import PoolvizError
from poolviz.loaders import Budget

F = TypeVar("F", bound=Callable[..., Any])
Pair = tuple[int, int]
Padding = int | Pair | str

# At most 18 digits: whole numbers stay far from Python's int-parsing limit.
_PAIR = re.compile(r"\s*([+-]?[0-9]{1,18})\s*(?:x\s*([+-]?[0-9]{1,18})\s*)?", re.IGNORECASE)
_INTS = re.compile(r"\s*[+-]?[0-9]{1,18}\s*(?:,\s*[+-]?[0-9]{1,18}\s*)*")
_SIZE_EXAMPLES = "a whole number such as 2, or HxW (height first) such as 3x2"
_PADDING_EXAMPLES = "a whole number such as 1, HxW (height first) such as 1x0, valid or same"


class OptionError(click.BadParameter):
    """A bad option value; the message already names the option and what would be accepted,
    so it is shown as is rather than after click's ``Invalid value for ...``."""

    def format_message(self) -> str:
        return self.message


class OptionType(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """The base of poolviz's value types, commands' own included: ``convert`` raises
    :class:`OptionError` with a complete message for a bad value."""


def _option_name(param: click.Parameter | None, fallback: str) -> str:
    """How the user spelled the option: its longest name (``--size``), or the argument's."""
    if param is None:
        return fallback
    if isinstance(param, click.Argument):
        return param.human_readable_name
    return max(param.opts, key=len)


def _parse_pair(text: str) -> Pair | None:
    """``3`` -> (3, 3), ``3x2`` -> (3, 2); None when it is neither."""
    match = _PAIR.fullmatch(text)
    if match is None:
        return None
    h = int(match[1])
    return (h, h) if match[2] is None else (h, int(match[2]))


class SizePair(OptionType):
    """A window size, stride, dilation or image size: ``2`` or ``3x2`` (height first), each at
    least 1; converts to (h, w)."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Pair:
        if isinstance(value, tuple):
            return value
        if isinstance(value, int):
            return value, value
        option = _option_name(param, "size")
        pair = _parse_pair(str(value))
        if pair is None:
            raise OptionError(f"{option} {value!r} is not a size; use {_SIZE_EXAMPLES}", ctx, param)
        if min(pair) < 1:
            raise OptionError(
                f"{option} {value} must be at least 1; use {_SIZE_EXAMPLES}", ctx, param
            )
        return pair


class PaddingType(OptionType):
    """Padding: ``1`` (int), ``1x0`` ((h, w), height first), ``valid`` or ``same`` (str).

    Whether it exceeds half the window is the engine's check, as it needs the size too."""

    name = "padding"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Padding:
        if not isinstance(value, str):
            return value  # type: ignore[no-any-return]  # a default, already converted
        option = _option_name(param, "padding")
        if value.strip().lower() in ("valid", "same"):
            return value.strip().lower()
        pair = _parse_pair(value)
        if pair is None:
            raise OptionError(
                f"{option} {value!r} is not a padding; use {_PADDING_EXAMPLES}", ctx, param
            )
        if min(pair) < 0:
            raise OptionError(
                f"{option} {value} must be 0 or more; use {_PADDING_EXAMPLES}", ctx, param
            )
        return pair[0] if "x" not in value.lower() else pair


class MatrixType(OptionType):
    """An inline matrix (``"1 3; 5 6"``, channels split by ``|``) as a float64 array; the parse
    error names the row and column."""

    name = "matrix"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> np.ndarray:
        if isinstance(value, np.ndarray):
            return value
        try:
            return loaders.parse_matrix(str(value))
        except PoolvizError as err:
            raise OptionError(err.message, ctx, param) from None


class AtType(OptionType):
    """An output cell ``ROW,COL``, counted from 0 as NumPy does; whether it lies inside the
    output is the command's check."""

    name = "cell"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Pair:
        if isinstance(value, tuple):
            return value
        option = _option_name(param, "cell")
        accepted = "use ROW,COL counted from 0, such as 0,1"
        numbers = _parse_ints(str(value))
        if numbers is None or len(numbers) != 2:
            raise OptionError(f"{option} {value!r} is not a cell; {accepted}", ctx, param)
        if min(numbers) < 0:
            raise OptionError(
                f"{option} {value}: rows and columns count from 0; {accepted}", ctx, param
            )
        return numbers[0], numbers[1]


class ChannelsType(OptionType):
    """Channels to show: ``0`` or ``0,2``, counted from 0, each once; whether they exist is
    the command's check."""

    name = "channels"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        option = _option_name(param, "channels")
        accepted = "use channel numbers counted from 0, such as 0 or 0,2"
        numbers = _parse_ints(str(value))
        if numbers is None:
            raise OptionError(
                f"{option} {value!r} is not a list of channels; {accepted}", ctx, param
            )
        if min(numbers) < 0:
            raise OptionError(f"{option} {value}: channels count from 0; {accepted}", ctx, param)
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        if repeated:
            raise OptionError(
                f"{option} {value} names channel {repeated[0]} twice; {accepted}", ctx, param
            )
        return numbers


class StepsType(OptionType):
    """How many window steps to list: a whole number (0 lists none) or ``all``."""

    name = "steps"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | Literal["all"]:
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        if text == "all":
            return "all"
        if re.fullmatch(r"[0-9]{1,18}", text) is None:
            option = _option_name(param, "steps")
            raise OptionError(
                f"{option} {value!r} is not a number of steps; use a whole number, or all",
                ctx,
                param,
            )
        return int(text)


class ScaleType(OptionType):
    """A resize factor for images: a finite number above 0 (0.5 halves each side)."""

    name = "factor"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            return value
        try:
            factor = float(value)
        except ValueError:
            factor = math.nan
        if not (math.isfinite(factor) and factor > 0):
            option = _option_name(param, "scale")
            raise OptionError(
                f"{option} {value!r} is not a scale factor; use a number above 0 such as 0.5",
                ctx,
                param,
            )
        return factor


class MemoryType(OptionType):
    """A memory budget: bytes, or a number with K, M, G or T (powers of 1024), e.g. ``2G``,
    ``512MiB``."""

    name = "size"
    _UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)(?:I?B)?\s*", str(value), re.I)
        if match is None or float(match[1]) <= 0:
            option = _option_name(param, "max-memory")
            raise OptionError(
                f"{option} {value!r} is not a memory size; use e.g. 2G, 512M or 1.5G", ctx, param
            )
        # a budget past any machine (say 1e400 bytes) is no limit, not an OverflowError
        return int(min(float(match[1]) * self._UNITS[match[2].upper()], 2.0**63))


class SampleType(OptionType):
    """The name of a bundled sample, or ``list``."""

    name = "sample"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if value == "list" or value in loaders.SAMPLES:
            return str(value)
        option = _option_name(param, "sample")
        raise OptionError(
            f"{option} {value!r} is not a sample; use one of {', '.join(loaders.sample_names())}"
            " or list",
            ctx,
            param,
        )


class OutputPath(OptionType):
    """A file to write, whose extension picks the format; its folder must exist."""

    name = "file"

    def __init__(self, formats: tuple[str, ...]) -> None:
        self.formats = formats

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        if isinstance(value, Path):
            return value
        option = _option_name(param, "output")
        path = Path(value)
        try:
            return self._check(path, option, value, ctx, param)
        except OSError as err:  # a name too long, a path looping through links
            reason = err.strerror.lower() if err.strerror else str(err)
            raise OptionError(f"{option} {value}: {reason}", ctx, param) from None

    def _check(
        self,
        path: Path,
        option: str,
        value: Any,
        ctx: click.Context | None,
        param: click.Parameter | None,
    ) -> Path:
        accepted = _either(tuple(f".{f}" for f in self.formats))
        suffix = path.suffix.lower().lstrip(".")
        if path.is_dir():
            raise OptionError(
                f"{option} {value} is a folder; give a file name ending in {accepted}", ctx, param
            )
        if suffix not in self.formats:
            problem = "has no extension" if not suffix else f"has an unknown extension .{suffix}"
            raise OptionError(f"{option} {value} {problem}; use {accepted}", ctx, param)
        parent = path.parent
        if not parent.exists():
            raise OptionError(
                f"{option} {value}: the folder {parent} does not exist; create it first",
                ctx,
                param,
            )
        if not parent.is_dir():
            raise OptionError(f"{option} {value}: {parent} is not a folder", ctx, param)
        return path


def _parse_ints(text: str) -> tuple[int, ...] | None:
    """``0,2`` -> (0, 2); None unless it is comma-separated whole numbers."""
    if _INTS.fullmatch(text) is None:
        return None
    return tuple(int(part) for part in text.split(","))


def _either(items: tuple[str, ...]) -> str:
    """``.png, .svg or .pdf``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


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


def window_options(f: F) -> F:
    """Add ``-k/--size``, ``-s/--stride``, ``-p/--padding``, ``-d/--dilation`` and
    ``--ceil-mode``: the windows' geometry, for the commands that never average."""
    decorators = [
        click.option(
            "-k",
            "--size",
            type=SizePair(),
            default="2",
            show_default=True,
            metavar="HxW",
            help="Window size: 2 or 3x2 (height first).",
        ),
        click.option(
            "-s",
            "--stride",
            type=SizePair(),
            default=None,
            metavar="HxW",
            help="Step between windows: 2 or 2x1.  [default: the size]",
        ),
        click.option(
            "-p",
            "--padding",
            type=PaddingType(),
            default="0",
            show_default=True,
            metavar="P",
            help="Padding: 1, 1x0 (height first), valid or same (Keras).",
        ),
        click.option(
            "-d",
            "--dilation",
            type=SizePair(),
            default="1",
            show_default=True,
            metavar="HxW",
            help="Gap between window taps; 1 is a plain window.",
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
        click.option(
            "--resize",
            type=SizePair(),
            metavar="HxW",
            help="Resize an image first to HxW (height first).",
        ),
        click.option(
            "--scale", type=ScaleType(), metavar="F", help="Resize an image first by F, e.g. 0.25."
        ),
        click.option(
            "--max-memory",
            type=MemoryType(),
            default="2G",
            show_default=True,
            metavar="SIZE",
            help="Refuse inputs whose pooling would need more memory, e.g. 8G.",
        ),
        click.option(
            "--layout",
            type=click.Choice(loaders.LAYOUTS, case_sensitive=False),
            default="nhwc",
            show_default=True,
            help="Axis order of a .npy/.npz array; nchw for PyTorch's (N, C, H, W).",
        ),
    ]
    return with_options(f, decorators)


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
    budget = Budget(max_memory) if isinstance(max_memory, int) else max_memory
    return _load_input(input, matrix, sample, gray, resize, scale, layout, budget)


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
        return Budget(limit)
    if (command, output) == ("pool", "report"):
        return Budget(limit, footprints[output])
    flag = {"figure": " -o", "json": " --json", "report": ""}[output]
    return Budget(limit, footprints[output], f"poolviz {command}{flag} on it")


def _load_input(
    input: str | None,
    matrix: np.ndarray | None,
    sample: str | None,
    gray: bool,
    resize: Pair | None,
    scale: float | None,
    layout: str,
    budget: Budget | None,
) -> loaders.LoadedInput | None:
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
    shaping = [
        (option, files)
        for option, used, files in (
            ("--gray", gray, "images"),
            ("--resize", resize is not None, "images"),
            ("--scale", scale is not None, "images"),
            ("--layout nchw", layout != "nhwc", ".npy and .npz arrays"),
        )
        if used
    ]
    if matrix is not None:
        if shaping:
            option, files = shaping[0]
            raise _usage(f"{option} applies to {files}, not an inline matrix")
        if budget is not None:
            budget.check("matrix", matrix.nbytes)
        return loaders.LoadedInput(matrix, "matrix", "inline", "float64", matrix.shape)
    if shaping:
        raise _usage(f"{shaping[0][0]} needs an input; give INPUT or --sample")
    return None


def load_input_from(kwargs: Mapping[str, Any]) -> loaders.LoadedInput | None:
    """:func:`load_input` with a command's keyword arguments (see :func:`input_options`)."""
    return load_input(
        kwargs["input"],
        kwargs["matrix"],
        kwargs["sample"],
        kwargs["gray"],
        kwargs["resize"],
        kwargs["scale"],
        kwargs["layout"],
        budget_from(kwargs.get("max_memory")),
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
        help=f"Write a file instead of printing ({_either(formats)}).",
        callback=_one_output,
    )


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
