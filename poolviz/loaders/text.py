"""Text matrices: inline ``-m`` matrices and text matrix files (``.txt``, ``.csv``,
``.tsv``), with errors that name the row or line and column of the first problem."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from poolviz.errors import PoolvizError, PoolvizRuntimeError
from poolviz.loaders.loaded import LoadedInput
from poolviz.loaders.wording import format_shape, plural, quote_token

TEXT_SUFFIXES = (".txt", ".csv", ".tsv")


_NUMBER = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?|nan|inf(?:inity)?)", re.IGNORECASE
)
"""A number as a user types it: decimal, scientific, ``nan``, ``inf``; ASCII digits only, so
Python's ``float`` extras (``1_000``, Arabic-Indic digits) are not numbers here."""


_SEPARATOR = re.compile(r"\s*,\s*|\s+")


def parse_matrix(text: str) -> np.ndarray:
    """The float64 array an inline ``-m`` matrix describes: rows split by ``;`` or newlines,
    values by spaces or commas, channels by ``|``. One channel gives (H, W), several (H, W, C).

    Raises PoolvizError naming the row and column of the first problem.
    """
    blocks = text.split("|")
    channels: list[_Channel] = []
    for c, block in enumerate(blocks, start=1):
        rows = [r for piece in block.split(";") for r in piece.splitlines() if r.strip()]
        if not rows and len(blocks) > 1:
            raise PoolvizError(f"channel {c} is empty; put rows of numbers between the | marks")
        prefix = f"channel {c}, " if len(blocks) > 1 else ""
        channels.append(_Channel(prefix, [(f"row {i}", r) for i, r in enumerate(rows, start=1)]))
    if not channels[0].rows:
        raise PoolvizError('the matrix is empty; give rows of numbers such as "1 3; 5 6"')
    return _to_array(channels, PoolvizError)


def parse_text_matrix(text: str, name: str) -> np.ndarray:
    """The float64 array a text matrix file describes: one row per line, values separated by
    spaces, commas or tabs, ``#`` comments, a blank line between channels.

    ``name`` prefixes every message; problems raise PoolvizRuntimeError (the file exists, its
    content cannot be used) naming the line and column.
    """

    def fail(message: str) -> PoolvizRuntimeError:
        return PoolvizRuntimeError(f"{name}: {message}")

    blocks: list[list[tuple[str, str]]] = [[]]
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0]
        if content.strip():
            blocks[-1].append((f"line {number}", content))
        elif not line.strip() and blocks[-1]:
            blocks.append([])
    channels = [_Channel("", rows) for rows in blocks if rows]
    if not channels:
        raise fail("no numbers found; a text matrix has one row of numbers per line")
    return _to_array(channels, fail)


@dataclass(frozen=True)
class _Channel:
    """One channel's rows as typed, each labelled with where it is (``row 2``, ``line 5``)."""

    prefix: str
    """Put before a row's label in messages: ``channel 2, `` when there are several."""
    rows: list[tuple[str, str]]


def _to_array(channels: list[_Channel], fail: Callable[[str], PoolvizError]) -> np.ndarray:
    """Stack the channels into (H, W) or (H, W, C), checking that every row and every channel
    has the same size."""
    planes: list[np.ndarray] = []
    for c, channel in enumerate(channels, start=1):
        values = [_row_values(channel.prefix + place, text, fail) for place, text in channel.rows]
        first_place = channel.rows[0][0]
        for (place, _), row in zip(channel.rows, values, strict=True):
            if len(row) != len(values[0]):
                raise fail(
                    f"{channel.prefix}{place} has {plural(len(row), 'value')} but {first_place} "
                    f"has {len(values[0])} (every row needs the same number of values)"
                )
        plane = np.array(values, dtype=np.float64)
        if planes and plane.shape != planes[0].shape:
            raise fail(
                f"channel {c} is {format_shape(plane.shape)} but channel 1 is "
                f"{format_shape(planes[0].shape)} (every channel needs the same shape)"
            )
        planes.append(plane)
    return planes[0] if len(planes) == 1 else np.stack(planes, axis=-1)


def _row_values(place: str, text: str, fail: Callable[[str], PoolvizError]) -> list[float]:
    """The numbers in one row, or an error naming the bad token's row and column."""
    values: list[float] = []
    for column, token in enumerate(_SEPARATOR.split(text.strip()), start=1):
        if not token:
            raise fail(f"{place}, column {column} is empty; put a number between the commas")
        if not _NUMBER.fullmatch(token):
            rows = (
                "; each row goes on a line of its own (-m takes '1 2; 3 4')" if ";" in token else ""
            )
            raise fail(f"{quote_token(token)} at {place}, column {column} is not a number{rows}")
        value = float(token)
        if math.isinf(value) and "inf" not in token.lower():
            raise fail(
                f"{quote_token(token)} at {place}, column {column} is too large for a float64"
            )
        values.append(value)
    return values


def text_input(text: str, shown: str, name: str) -> LoadedInput:
    array = parse_text_matrix(text, shown)
    return LoadedInput(array, name, "text", "float64", array.shape)
