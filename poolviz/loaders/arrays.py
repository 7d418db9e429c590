"""NumPy arrays: ``.npy`` files and ``.npz`` archives, never unpickled, in NHWC or NCHW
layout."""

from __future__ import annotations

import io
import re
import tokenize
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np

from poolviz.errors import PoolvizError, PoolvizRuntimeError
from poolviz.loaders.loaded import LoadedInput
from poolviz.loaders.wording import format_shape

ARRAY_SUFFIXES = (".npy", ".npz")


def load_npy(data: bytes, shown: str) -> np.ndarray:
    """A ``.npy`` array, never unpickled."""
    if not data.startswith(b"\x93NUMPY"):
        if data.startswith(b"\x80"):
            raise _pickled(shown)
        raise PoolvizRuntimeError(f"{shown}: not a .npy file (no NumPy header)")
    with _numpy_errors(shown, ".npy"):
        array = np.load(io.BytesIO(data), allow_pickle=False)
    return np.asarray(array)


def load_npz(data: bytes, shown: str, name: str, key: str | None) -> tuple[np.ndarray, str]:
    """One array from a ``.npz`` archive: the only one, or the one ``key`` names."""
    if not data.startswith(b"PK"):
        raise PoolvizRuntimeError(f"{shown}: not a .npz file (not a zip archive)")
    with _numpy_errors(shown, ".npz"), np.load(io.BytesIO(data), allow_pickle=False) as archive:
        keys = list(archive.files)
        if not keys:
            raise PoolvizRuntimeError(f"{shown}: the archive holds no arrays")
        if key is None and len(keys) > 1:
            pick = (
                "pipe in an archive of one array, or give its file as FILE.npz:NAME"
                if shown == "stdin"
                else f"pick one as {name}:NAME"
            )
            raise PoolvizError(f"{shown}: holds {len(keys)} arrays ({', '.join(keys)}); {pick}")
        if key is not None and key not in keys:
            raise PoolvizError(f"{shown}: no array named {key!r}; it holds {', '.join(keys)}")
        chosen = key if key is not None else keys[0]
        array = np.asarray(archive[chosen])
    return array, name if key is None else f"{name}:{key}"


@contextmanager
def _numpy_errors(shown: str, suffix: str) -> Iterator[None]:
    """Turn what NumPy raises on a damaged or pickled ``suffix`` file into a runtime error
    naming it; poolviz's own errors (a ValueError too) pass through."""
    try:
        yield
    except PoolvizError:
        raise
    except ValueError as err:
        if "pickle" in str(err):
            raise _pickled(shown) from None
        raise PoolvizRuntimeError(f"{shown}: the {suffix} file is truncated or corrupt") from None
    except DAMAGED_ARRAY:
        raise PoolvizRuntimeError(f"{shown}: the {suffix} file is truncated or corrupt") from None


def _pickled(shown: str) -> PoolvizRuntimeError:
    return PoolvizRuntimeError(
        f"{shown}: holds pickled Python objects, which poolviz never loads; "
        "save a numeric array with numpy.save"
    )


DAMAGED_ARRAY = (
    OSError,
    EOFError,
    SyntaxError,
    tokenize.TokenError,
    NotImplementedError,
    RuntimeError,
    zipfile.BadZipFile,
    zlib.error,
)
"""What NumPy and zipfile raise, besides ValueError, on a damaged ``.npy``/``.npz``
(found by fuzzing): a header the tokenizer cannot end (TokenError), a zip member with an
unsupported compression method (NotImplementedError) or encrypted (RuntimeError), a bad
CRC or deflate stream."""


_REFUSED_KINDS = {
    "c": "complex",
    "U": "string",
    "S": "bytes",
    "O": "object",
    "V": "structured",
    "M": "datetime",
    "m": "timedelta",
}


_SHAPES = {
    "nhwc": "(H, W), (H, W, C) or (N, H, W, C)",
    "nchw": "(H, W), (C, H, W) or (N, C, H, W)",
}
"""The array shapes each layout reads, for messages."""


def array_input(raw: np.ndarray, shown: str, name: str, kind: str, layout: str) -> LoadedInput:
    """Check an array's type and shape, move NCHW channels last, convert to float64."""
    if raw.dtype.kind in _REFUSED_KINDS:
        raise PoolvizRuntimeError(
            f"{shown}: holds {_REFUSED_KINDS[raw.dtype.kind]} values ({raw.dtype}); "
            "poolviz reads float, int or bool arrays"
        )
    shapes = _SHAPES[layout]
    if not 2 <= raw.ndim <= 4:
        described = format_shape(raw.shape) if raw.ndim else "a single number"
        raise PoolvizRuntimeError(
            f"{shown}: a {raw.ndim}-D array ({described}); poolviz reads {shapes}"
        )
    if 0 in raw.shape:
        raise PoolvizRuntimeError(
            f"{shown}: shape {format_shape(raw.shape)} has an axis of length 0; "
            "every axis needs at least 1 value"
        )
    notes: list[str] = []
    array = raw
    if layout == "nchw" and raw.ndim > 2:
        array = np.moveaxis(raw, -3, -1)
        notes.append(f"read as channels-first ({format_shape(raw.shape)}), channels moved last")
    elif layout == "nhwc" and _looks_channels_first(raw.shape):
        notes.append(
            f"shape {format_shape(raw.shape)} looks channels-first; if it is "
            f"{'(N, C, H, W)' if raw.ndim == 4 else '(C, H, W)'}, add --layout nchw"
        )
    return LoadedInput(
        np.ascontiguousarray(array, dtype=np.float64),
        name,
        kind,
        str(raw.dtype),
        raw.shape,
        tuple(notes),
    )


def _looks_channels_first(shape: tuple[int, ...]) -> bool:
    """A channel axis of 1-4 before the height, and a last axis much larger: (3, 32, 32)."""
    if len(shape) < 3:
        return False
    channels, last = shape[-3], shape[-1]
    return channels <= 4 and last >= 8 and last >= 4 * channels


def split_npz_key(path: Path) -> tuple[Path, str | None]:
    """``data.npz:name`` -> (``data.npz``, ``name``), unless a file has that whole name."""
    match = re.fullmatch(r"(.+\.npz):([^/\\]+)", str(path), re.IGNORECASE)
    if match is None or path.exists():
        return path, None
    return Path(match[1]), match[2]


def npz_member(archive: zipfile.ZipFile, key: str | None) -> str:
    """The name of the ``.npy`` member of a ``.npz`` archive that ``key`` names, or of its
    only one; KeyError when there is no such member, or no key and several."""
    names = [n for n in archive.namelist() if n.endswith(".npy")]
    chosen = f"{key}.npy" if key is not None else (names[0] if len(names) == 1 else "")
    if chosen not in names:
        raise KeyError(chosen)
    return chosen


def npy_shape(stream: IO[bytes]) -> tuple[int, ...]:
    """The shape in a ``.npy`` header, read without the data."""
    major, _ = np.lib.format.read_magic(stream)
    read = (
        np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
    )
    shape: tuple[int, ...] = read(stream)[0]
    return shape
