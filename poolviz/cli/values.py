"""The value types behind poolviz's options, commands' own included: ``3x2``, ``same``,
inline matrices, cells, channel lists, memory sizes, output files.

A bad value fails at parse time with :class:`OptionError`, whose message is complete (it names
the option, the value and what would be accepted); the CLI shows it as ``error: ...`` with a
``try: poolviz CMD --help`` hint and exit code 2.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Literal

import click
import numpy as np

from poolviz import loaders
from poolviz.errors import PoolvizError

Pair = tuple[int, int]


Padding = int | Pair | tuple[int, int, int, int] | str


# The patterns are matched with re.fullmatch, which compiles (and caches) one when first
# used: most runs parse none of them. At most 18 digits: whole numbers stay far from
# Python's int-parsing limit.
_PAIR = r"(?i)\s*([+-]?[0-9]{1,18})\s*(?:x\s*([+-]?[0-9]{1,18})\s*)?"


_INTS = r"\s*[+-]?[0-9]{1,18}\s*(?:,\s*[+-]?[0-9]{1,18}\s*)*"


_FIGSIZE = r"(?i)\s*([0-9]{1,3}(?:\.[0-9]{1,3})?)\s*x\s*([0-9]{1,3}(?:\.[0-9]{1,3})?)\s*"


_SIZE_EXAMPLES = "a whole number such as 2, or HxW (height first) such as 3x2"


_PADDING_EXAMPLES = "a whole number such as 1, HxW (height first) such as 1x0, valid or same"

_SIDES_EXAMPLE = "four whole numbers TOP,LEFT,BOTTOM,RIGHT such as 0,1,1,0 (padding per side)"

_SIDES = ",".join([r"\s*([0-9]{1,18})\s*"] * 4)


class OptionError(click.BadParameter):
    """A bad option value; the message already names the option and what would be accepted,
    so it is shown as is rather than after click's ``Invalid value for ...``."""

    def format_message(self) -> str:
        return self.message


class OptionType(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """The base of poolviz's value types, commands' own included: ``convert`` raises
    :class:`OptionError` with a complete message for a bad value."""


def option_name(param: click.Parameter | None, fallback: str) -> str:
    """How the user spelled the option: its longest name (``--size``), or the argument's."""
    if param is None:
        return fallback
    if isinstance(param, click.Argument):
        return param.human_readable_name
    return max(param.opts, key=len)


def _parse_pair(text: str) -> Pair | None:
    """``3`` -> (3, 3), ``3x2`` -> (3, 2); None when it is neither."""
    match = re.fullmatch(_PAIR, text)
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
        option = option_name(param, "size")
        pair = _parse_pair(str(value))
        if pair is None:
            raise OptionError(f"{option} {value!r} is not a size; use {_SIZE_EXAMPLES}", ctx, param)
        if min(pair) < 1:
            raise OptionError(
                f"{option} {value} must be at least 1; use {_SIZE_EXAMPLES}", ctx, param
            )
        return pair


class PaddingType(OptionType):
    """Padding: ``1`` (int), ``1x0`` ((h, w), height first), ``0,1,1,0`` (top, left, bottom,
    right: ONNX's ``pads``), ``valid``, ``same`` or ``same_lower`` (str).

    Whether it exceeds half the window is the engine's check, as it needs the size too."""

    name = "padding"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Padding:
        if not isinstance(value, str):
            return value  # type: ignore[no-any-return]  # a default, already converted
        option = option_name(param, "padding")
        if value.strip().lower() in ("valid", "same", "same_lower"):
            return value.strip().lower()
        if sides := re.fullmatch(_SIDES, value):
            top, left, bottom, right = (int(v) for v in sides.groups())
            return top, left, bottom, right
        if "," in value:
            raise OptionError(
                f"{option} {value!r} is not a padding per side; use {_SIDES_EXAMPLE}", ctx, param
            )
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
        option = option_name(param, "cell")
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
        option = option_name(param, "channels")
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
            option = option_name(param, "steps")
            raise OptionError(
                f"{option} {value!r} is not a number of steps; use a whole number, or all",
                ctx,
                param,
            )
        return int(text)


class RatioType(OptionType):
    """A share of a size strictly between 0 and 1: ``0.7``, or ``0.7x0.5`` (height first);
    converts to (h, w)."""

    name = "ratio"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[float, float]:
        if isinstance(value, tuple):
            return value
        parts = str(value).lower().split("x")
        try:
            ratios = [float(p) for p in parts]
        except ValueError:
            ratios = []
        if len(ratios) not in (1, 2) or not all(0 < r < 1 for r in ratios):
            option = option_name(param, "ratio")
            raise OptionError(
                f"{option} {value!r} is not a ratio; use a number between 0 and 1 such as 0.7, "
                "or HxW such as 0.7x0.5",
                ctx,
                param,
            )
        return (ratios[0], ratios[-1])


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
            option = option_name(param, "scale")
            raise OptionError(
                f"{option} {value!r} is not a scale factor; use a number above 0 such as 0.5",
                ctx,
                param,
            )
        return factor


class FigsizeType(OptionType):
    """A page size in inches, width first as matplotlib's ``figsize``: ``16x9`` or
    ``13.33x7.5``, each side 1 to 100; converts to (width, height)."""

    name = "figsize"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[float, float]:
        if isinstance(value, tuple):
            return value
        option = option_name(param, "figsize")
        match = re.fullmatch(_FIGSIZE, str(value))
        if match is None:
            raise OptionError(
                f"{option} {value!r} is not a size; use WxH in inches, width first, such as "
                "16x9 or 13.33x7.5",
                ctx,
                param,
            )
        width, height = float(match[1]), float(match[2])
        if not (1 <= width <= 100 and 1 <= height <= 100):
            raise OptionError(
                f"{option} {value}: each side must be 1 to 100 inches; use e.g. 16x9", ctx, param
            )
        return width, height


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
            option = option_name(param, "max-memory")
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
        option = option_name(param, "sample")
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
        option = option_name(param, "output")
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
        accepted = either(tuple(f".{f}" for f in self.formats))
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
    if re.fullmatch(_INTS, text) is None:
        return None
    return tuple(int(part) for part in text.split(","))


def either(items: tuple[str, ...]) -> str:
    """``.png, .svg or .pdf``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
