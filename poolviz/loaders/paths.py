"""A path on the command line: checked, then read by the loader its extension names."""

from __future__ import annotations

from pathlib import Path

from poolviz.errors import PoolvizError
from poolviz.loaders.arrays import (
    ARRAY_SUFFIXES,
    LAYOUTS,
    array_input,
    load_npy,
    load_npz,
    split_npz_key,
)
from poolviz.loaders.budget import Budget, float64_bytes
from poolviz.loaders.files import check_file, decode_text, read_bytes
from poolviz.loaders.images import IMAGE_SUFFIXES, load_image
from poolviz.loaders.loaded import LoadedInput
from poolviz.loaders.stdin import load_stdin
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
        expected = float64_bytes(path, resize=resize, scale=scale)
        if expected is not None:
            budget.check(shown, expected)
    check_options(resize, scale, layout)
    if shown == "-":
        _refuse_image_options("stdin", gray, resize, scale)
        _refuse_layout("stdin", layout)
        loaded = load_stdin()
    else:
        file, key = split_npz_key(Path(path))
        check_file(file, shown)
        loaded = load_file(file, key, shown, gray, resize, scale, layout)
    if budget is not None:
        budget.check(loaded.name, loaded.array.nbytes)
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
    """Load an existing file by its extension; ``shown`` names it in messages."""
    suffix = file.suffix.lower()
    if suffix not in IMAGE_SUFFIXES + ARRAY_SUFFIXES + TEXT_SUFFIXES:
        raise PoolvizError(f"{shown}: not an image format poolviz reads ({READABLE})")
    if suffix in IMAGE_SUFFIXES:
        _refuse_layout(shown, layout)
        return load_image(read_bytes(file, shown), shown, file.name, gray, resize, scale)
    _refuse_image_options(shown, gray, resize, scale)
    if suffix in TEXT_SUFFIXES:
        _refuse_layout(shown, layout)
        text = decode_text(read_bytes(file, shown), shown)
        return text_input(text, shown, file.name)
    data = read_bytes(file, shown)
    if suffix == ".npy":
        raw, name, kind = load_npy(data, shown), file.name, "npy"
    else:
        raw, name = load_npz(data, shown, file.name, key)
        kind = "npz"
    return array_input(raw, shown, name, kind, layout)


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
