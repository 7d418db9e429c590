"""A path on the command line: checked, then read by the loader its extension names."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Unpack

from poolviz.errors import PoolvizError
from poolviz.loaders.arrays import (
    ARRAY_SUFFIXES,
    array_input,
    load_npy,
    load_npz,
    split_npz_key,
)
from poolviz.loaders.budget import Budget, float64_bytes, grey_nbytes
from poolviz.loaders.files import check_file, decode_text, read_bytes
from poolviz.loaders.images import IMAGE_SUFFIXES, load_image
from poolviz.loaders.loaded import LoadedInput
from poolviz.loaders.reading import ReadKeywords, ReadOptions
from poolviz.loaders.stdin import ACCEPTED, nothing_given, read_stdin, sniff
from poolviz.loaders.text import TEXT_SUFFIXES, text_input

READABLE = "png, jpg, bmp, gif, tiff, webp, npy, npz, txt, csv"
"""The formats an error message offers, shortest spellings first."""


def load_path(
    path: str | Path, *, budget: Budget | None = None, **options: Unpack[ReadKeywords]
) -> LoadedInput:
    """Load an image, ``.npy``, ``.npz`` (``file.npz:name`` picks one array), text matrix, or
    ``-`` for a text matrix on standard input.

    The options are those of :class:`ReadOptions`: ``gray``, ``resize`` (height, width) and
    ``scale`` apply to images only, ``layout`` (``nhwc`` or ``nchw``) to arrays only; asking
    for them with another kind of input is a usage error rather than silently ignored. An
    input that would exceed ``budget`` is refused: unread where its header tells its size
    (see :func:`float64_bytes`), else once loaded.
    """
    read = ReadOptions(**options)
    shown = str(path)
    if budget is not None:
        expected = float64_bytes(path, read)
        if expected is not None:
            grey = None if read.gray else float64_bytes(path, replace(read, gray=True))
            budget.check(shown, expected, grey)
    read.check()
    if shown == "-":
        loaded = _load_stdin(read)
    else:
        file, key = split_npz_key(Path(path))
        check_file(file, shown)
        loaded = load_file(file, key, shown, read)
    if budget is not None:
        budget.check(loaded.name, loaded.array.nbytes, grey_nbytes(loaded))
    return loaded


def load_file(file: Path, key: str | None, shown: str, read: ReadOptions) -> LoadedInput:
    """Load an existing file by its extension; ``shown`` names it in messages. Options that
    do not apply to its kind are refused before it is read."""
    suffix = file.suffix.lower()
    if suffix not in IMAGE_SUFFIXES + ARRAY_SUFFIXES + TEXT_SUFFIXES:
        raise PoolvizError(f"{shown}: not an image format poolviz reads ({READABLE})")
    kind = (
        "image" if suffix in IMAGE_SUFFIXES else "text" if suffix in TEXT_SUFFIXES else suffix[1:]
    )
    read.refuse_unless(kind, shown)
    return _load_bytes(read_bytes(file, shown), kind, shown, file.name, key, read)


def _load_stdin(read: ReadOptions) -> LoadedInput:
    """Standard input, read by what its first bytes say it is (see :func:`sniff`)."""
    data = read_stdin()
    kind = "text" if isinstance(data, str) else sniff(data)
    read.refuse_unless(kind, "stdin")
    if not data:
        raise nothing_given()
    if isinstance(data, str):  # a text stream without bytes beneath
        # a byte-order mark is dropped, as from a text file (Windows editors write one)
        return text_input(data.removeprefix("\ufeff"), "stdin", "stdin")
    return _load_bytes(data, kind, "stdin", "stdin", None, read)


def _load_bytes(
    data: bytes, kind: str, shown: str, name: str, key: str | None, read: ReadOptions
) -> LoadedInput:
    """A file's or standard input's bytes, read as ``kind`` (``image``, ``text``, ``npy``
    or ``npz``); ``name`` is the file's name (``stdin`` for standard input)."""
    if kind == "image":
        return load_image(data, shown, name, read)
    if kind == "text":
        advice = ACCEPTED if shown == "stdin" else None
        text = decode_text(data, shown) if advice is None else decode_text(data, shown, advice)
        return text_input(text, shown, name)
    if kind == "npy":
        return array_input(load_npy(data, shown), shown, name, "npy", read.layout)
    raw, label = load_npz(data, shown, name, key)
    return array_input(raw, shown, label, "npz", read.layout)
