"""A path on the command line: checked, then read by the loader its extension names."""

from __future__ import annotations

from pathlib import Path

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
from poolviz.loaders.loaded import LAYOUTS, LoadedInput
from poolviz.loaders.stdin import ACCEPTED, nothing_given, read_stdin, sniff
from poolviz.loaders.text import TEXT_SUFFIXES, text_input

READABLE = "png, jpg, bmp, gif, tiff, webp, npy, npz, txt, csv"
"""The formats an error message offers, shortest spellings first."""


def load_path(
    path: str | Path,
    *,
    gray: bool = False,
    resize: tuple[int, int] | None = None,
    scale: float | None = None,
    layout: str = "nhwc",
    budget: Budget | None = None,
) -> LoadedInput:
    """Load an image, ``.npy``, ``.npz`` (``file.npz:name`` picks one array), text matrix, or
    ``-`` for a text matrix on standard input.

    ``gray``, ``resize`` (height, width) and ``scale`` apply to images only, ``layout``
    (``nhwc`` or ``nchw``) to arrays only; asking for them with another kind of input is a
    usage error rather than silently ignored. An input that would exceed ``budget`` is
    refused: unread where its header tells its size (see :func:`float64_bytes`), else once
    loaded.
    """
    shown = str(path)
    if budget is not None:
        expected = float64_bytes(path, resize=resize, scale=scale, gray=gray)
        if expected is not None:
            grey = None if gray else float64_bytes(path, resize=resize, scale=scale, gray=True)
            budget.check(shown, expected, grey)
    check_options(resize, scale, layout)
    if shown == "-":
        loaded = _load_stdin(gray, resize, scale, layout)
    else:
        file, key = split_npz_key(Path(path))
        check_file(file, shown)
        loaded = load_file(file, key, shown, gray, resize, scale, layout)
    if budget is not None:
        budget.check(loaded.name, loaded.array.nbytes, grey_nbytes(loaded))
    return loaded


def check_options(resize: tuple[int, int] | None, scale: float | None, layout: str) -> None:
    """Refuse a layout poolviz does not read, and ``resize`` given with ``scale``."""
    if layout not in LAYOUTS:
        raise PoolvizError(f"layout {layout!r} is not one poolviz reads; use nhwc or nchw")
    if resize is not None and scale is not None:
        raise PoolvizError("--resize and --scale both set the size; give one of them")


def load_file(
    file: Path,
    key: str | None,
    shown: str,
    gray: bool,
    resize: tuple[int, int] | None,
    scale: float | None,
    layout: str,
) -> LoadedInput:
    """Load an existing file by its extension; ``shown`` names it in messages. Options that
    do not apply to its kind are refused before it is read."""
    suffix = file.suffix.lower()
    if suffix not in IMAGE_SUFFIXES + ARRAY_SUFFIXES + TEXT_SUFFIXES:
        raise PoolvizError(f"{shown}: not an image format poolviz reads ({READABLE})")
    kind = (
        "image" if suffix in IMAGE_SUFFIXES else "text" if suffix in TEXT_SUFFIXES else suffix[1:]
    )
    _refuse_options(kind, shown, gray, resize, scale, layout)
    return _load_bytes(
        read_bytes(file, shown), kind, shown, file.name, key, gray, resize, scale, layout
    )


def _load_stdin(
    gray: bool, resize: tuple[int, int] | None, scale: float | None, layout: str
) -> LoadedInput:
    """Standard input, read by what its first bytes say it is (see :func:`sniff`)."""
    data = read_stdin()
    kind = "text" if isinstance(data, str) else sniff(data)
    _refuse_options(kind, "stdin", gray, resize, scale, layout)
    if not data:
        raise nothing_given()
    if isinstance(data, str):  # a text stream without bytes beneath
        # a byte-order mark is dropped, as from a text file (Windows editors write one)
        return text_input(data.removeprefix("\ufeff"), "stdin", "stdin")
    return _load_bytes(data, kind, "stdin", "stdin", None, gray, resize, scale, layout)


def _load_bytes(
    data: bytes,
    kind: str,
    shown: str,
    name: str,
    key: str | None,
    gray: bool,
    resize: tuple[int, int] | None,
    scale: float | None,
    layout: str,
) -> LoadedInput:
    """A file's or standard input's bytes, read as ``kind`` (``image``, ``text``, ``npy``
    or ``npz``); ``name`` is the file's name (``stdin`` for standard input)."""
    if kind == "image":
        return load_image(data, shown, name, gray, resize, scale)
    if kind == "text":
        advice = ACCEPTED if shown == "stdin" else None
        text = decode_text(data, shown) if advice is None else decode_text(data, shown, advice)
        return text_input(text, shown, name)
    if kind == "npy":
        return array_input(load_npy(data, shown), shown, name, "npy", layout)
    raw, label = load_npz(data, shown, name, key)
    return array_input(raw, shown, label, "npz", layout)


def _refuse_options(
    kind: str,
    shown: str,
    gray: bool,
    resize: tuple[int, int] | None,
    scale: float | None,
    layout: str,
) -> None:
    """Refuse the options that do not apply to an input of ``kind``: ``--layout`` but for
    arrays, the image options but for images."""
    if kind != "image":
        _refuse_image_options(shown, gray, resize, scale)
    if kind in ("image", "text"):
        _refuse_layout(shown, layout)


def _refuse_image_options(
    shown: str, gray: bool, resize: tuple[int, int] | None, scale: float | None
) -> None:
    given = (("--gray", gray), ("--resize", resize is not None), ("--scale", scale is not None))
    for option, used in given:
        if used:
            raise PoolvizError(f"{option} applies to images, not {shown}")


def _refuse_layout(shown: str, layout: str) -> None:
    if layout != "nhwc":
        raise PoolvizError(f"--layout {layout} applies to .npy and .npz arrays, not {shown}")
