"""Inputs: images, ``.npy``/``.npz`` arrays, text matrices, inline matrices and the bundled
samples, each turned into one float64 array plus where it came from.

This is the only module that opens input files. A problem with the command line (a bad inline
matrix, a missing path, a folder, an unknown extension) raises :class:`PoolvizError` (exit 2);
a file that exists but whose content cannot be used raises :class:`PoolvizRuntimeError`
(exit 1). Pillow is imported only when an image is read, so the CLI starts fast.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import sys
import tokenize
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from poolviz import png16
from poolviz.errors import PoolvizError, PoolvizRuntimeError

if TYPE_CHECKING:
    from PIL import Image as PILImage

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
ARRAY_SUFFIXES = (".npy", ".npz")
TEXT_SUFFIXES = (".txt", ".csv", ".tsv")
READABLE = "png, jpg, bmp, gif, tiff, webp, npy, npz, txt, csv"
"""The formats an error message offers, shortest spellings first."""
LAYOUTS = ("nhwc", "nchw")

_NUMBER = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?|nan|inf(?:inity)?)", re.IGNORECASE
)
"""A number as a user types it: decimal, scientific, ``nan``, ``inf``; ASCII digits only, so
Python's ``float`` extras (``1_000``, Arabic-Indic digits) are not numbers here."""
_SEPARATOR = re.compile(r"\s*,\s*|\s+")
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")
_TOKEN_SHOWN = 20
"""Longest token quoted in full in an error message; longer ones are cut to keep one line."""


@dataclass(frozen=True)
class LoadedInput:
    """One input after loading: the array the engine takes as is, and its origin for the
    renderers to show."""

    array: np.ndarray
    """float64, rank 2-4: (H, W), (H, W, C) or (N, H, W, C); channels last."""
    name: str
    """What to call it: a file name, ``data.npz:key``, ``matrix``, ``stdin`` or a sample's file."""
    kind: str
    """``image``, ``npy``, ``npz``, ``text``, ``inline``, ``sample`` or ``example``."""
    dtype: str
    """The values' type before conversion to float64, e.g. ``uint8`` for an 8-bit image."""
    source_shape: tuple[int, ...]
    """The shape before --gray, --resize, --scale or --layout changed it: as stored, an image
    as its EXIF orientation turns it upright."""
    notes: tuple[str, ...] = ()
    """One-line remarks for the user, e.g. that an array looks channels-first."""


@dataclass(frozen=True)
class Sample:
    """A small input that ships with poolviz."""

    file: str
    """File name inside ``poolviz/samples``."""
    description: str
    """One line for ``--sample list``."""


SAMPLES: dict[str, Sample] = {
    "digit": Sample("digit.png", "a handwritten-style 7, 28x28 greyscale (0-255), MNIST-sized"),
    "edge": Sample("edge.txt", "a vertical edge, 4x4 (a column of 8 7 9 6)"),
    "photo": Sample("photo.jpg", "a 320x240 RGB picture: sky, sun, hills and a house"),
    "rgb8x8": Sample("rgb8x8.png", "a tiny 8x8 RGB image with exact values, for checking by hand"),
    "seed4x4": Sample("seed4x4.txt", "the worked 4x4 example (2x2 max pooling: 6 8 / 4 7)"),
    "seed5x5": Sample("seed5x5.txt", "a 5x5 example for a 3x3 window with stride 2"),
}


def sample_names() -> tuple[str, ...]:
    """The names ``--sample`` accepts, sorted."""
    return tuple(sorted(SAMPLES))


def load_sample(
    name: str,
    *,
    gray: bool = False,
    resize: tuple[int, int] | None = None,
    scale: float | None = None,
    layout: str = "nhwc",
) -> LoadedInput:
    """Load a bundled sample by name (see :data:`SAMPLES`), with the options of
    :func:`load_path`; kind ``sample``."""
    sample = SAMPLES.get(name)
    if sample is None:
        raise PoolvizError(
            f"there is no sample {name!r}; use one of {', '.join(sample_names())} "
            "(--sample list describes them)"
        )
    _check_options(resize, scale, layout)
    with resources.as_file(resources.files("poolviz") / "samples" / sample.file) as path:
        loaded = _load_file(path, None, f"sample {name}", gray, resize, scale, layout)
    return LoadedInput(
        loaded.array, sample.file, "sample", loaded.dtype, loaded.source_shape, loaded.notes
    )


def load_path(
    path: str | Path,
    *,
    gray: bool = False,
    resize: tuple[int, int] | None = None,
    scale: float | None = None,
    layout: str = "nhwc",
) -> LoadedInput:
    """Load an image, ``.npy``, ``.npz`` (``file.npz:name`` picks one array), text matrix, or
    ``-`` for a text matrix on standard input.

    ``gray``, ``resize`` (height, width) and ``scale`` apply to images only, ``layout``
    (``nhwc`` or ``nchw``) to arrays only; asking for them with another kind of input is a
    usage error rather than silently ignored.
    """
    shown = str(path)
    _check_options(resize, scale, layout)
    if shown == "-":
        _refuse_image_options("stdin", gray, resize, scale)
        _refuse_layout("stdin", layout)
        return _load_stdin()
    file, key = _split_npz_key(Path(path))
    _check_file(file, shown)
    return _load_file(file, key, shown, gray, resize, scale, layout)


TEXT_FILE_LIMIT = 64 << 20
"""The largest file :func:`read_text_file` reads (64 MiB): a Keras model's JSON is some
kilobytes, and a JSON parse needs several times the text."""


def read_text_file(path: str | Path, *, hint: str | None = None) -> str:
    """The whole text of the UTF-8 file ``path`` (a byte-order mark dropped), for readers of
    text formats that live elsewhere (Keras JSON), so that this stays the one module that opens
    input files.

    The contract of :func:`load_path`: a missing path or a folder is a PoolvizError (exit 2);
    a file that cannot be read, is empty, is over :data:`TEXT_FILE_LIMIT` (refused unread) or
    is not UTF-8 is a PoolvizRuntimeError (exit 1). ``hint`` says what the file should be: the
    missing file's hint line, and the end of the too-large and not-UTF-8 messages.
    """
    shown = str(path)
    file = Path(path)
    _check_file(file, shown, hint)
    advice = hint or "give a UTF-8 text file"
    try:
        size = file.stat().st_size
    except OSError as err:
        raise PoolvizRuntimeError(f"{shown}: cannot read: {_reason(err)}") from None
    if size > TEXT_FILE_LIMIT:
        raise PoolvizRuntimeError(
            f"{shown}: {size:,} bytes, more than the {TEXT_FILE_LIMIT:,} poolviz reads as "
            f"text; {advice}"
        )
    return _decode_text(_read_bytes(file, shown), shown, advice)


def _check_file(file: Path, shown: str, hint: str | None = None) -> None:
    """Refuse a path that is not an existing file (a usage error: exit 2)."""
    if not file.exists():
        raise PoolvizError(f"{shown}: no such file", hint=hint)
    if file.is_dir():
        raise PoolvizError(f"{shown}: is a folder; give a file inside it")


def _check_options(resize: tuple[int, int] | None, scale: float | None, layout: str) -> None:
    if layout not in LAYOUTS:
        raise PoolvizError(f"layout {layout!r} is not one poolviz reads; use nhwc or nchw")
    if resize is not None and scale is not None:
        raise PoolvizError("--resize and --scale both set the size; give one of them")


def _load_file(
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
        return _load_image(_read_bytes(file, shown), shown, file.name, gray, resize, scale)
    _refuse_image_options(shown, gray, resize, scale)
    if suffix in TEXT_SUFFIXES:
        _refuse_layout(shown, layout)
        text = _decode_text(_read_bytes(file, shown), shown)
        return _text_input(text, shown, file.name)
    data = _read_bytes(file, shown)
    if suffix == ".npy":
        raw, name, kind = _load_npy(data, shown), file.name, "npy"
    else:
        raw, name = _load_npz(data, shown, file.name, key)
        kind = "npz"
    return _array_input(raw, shown, name, kind, layout)


def float64_bytes(
    path: str | Path, *, resize: tuple[int, int] | None = None, scale: float | None = None
) -> int | None:
    """How many bytes ``path`` will take once loaded as float64, read from its header alone
    (an image's size, a ``.npy`` shape, the header of the array a ``.npz`` holds), so that a
    memory budget can refuse it unread (a compressed ``.npz`` can hold gigabytes in a few
    kilobytes); None when the header does not tell (text, standard input, a broken file:
    loading will report those)."""
    file, key = _split_npz_key(Path(path))
    suffix = file.suffix.lower()
    if suffix in ARRAY_SUFFIXES:
        try:
            with contextlib.ExitStack() as stack:
                stream: IO[bytes] = stack.enter_context(file.open("rb"))
                if suffix == ".npz":
                    archive = stack.enter_context(zipfile.ZipFile(stream))
                    stream = stack.enter_context(archive.open(_npz_member(archive, key)))
                shape = _npy_shape(stream)
        except (ValueError, KeyError, *_DAMAGED_ARRAY):
            return None
        return 8 * math.prod(shape)
    if suffix not in IMAGE_SUFFIXES:
        return None
    from PIL import Image

    try:
        with _quiet_pillow(), file.open("rb") as stream:
            deep = png16.header(stream.read(29))
            stream.seek(0)
            with Image.open(stream) as img:
                size = _target_size(img.height, img.width, resize, scale)
                h, w = size if size is not None else (img.height, img.width)
                channels = (
                    deep.channels if deep is not None else Image.getmodebands(_normal_mode(img))
                )
                return 8 * h * w * channels
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def _npz_member(archive: zipfile.ZipFile, key: str | None) -> str:
    """The name of the ``.npy`` member of a ``.npz`` archive that ``key`` names, or of its
    only one; KeyError when there is no such member, or no key and several."""
    names = [n for n in archive.namelist() if n.endswith(".npy")]
    chosen = f"{key}.npy" if key is not None else (names[0] if len(names) == 1 else "")
    if chosen not in names:
        raise KeyError(chosen)
    return chosen


def _npy_shape(stream: IO[bytes]) -> tuple[int, ...]:
    """The shape in a ``.npy`` header, read without the data."""
    major, _ = np.lib.format.read_magic(stream)
    read = (
        np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
    )
    shape: tuple[int, ...] = read(stream)[0]
    return shape


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
                    f"{channel.prefix}{place} has {_count(len(row), 'value')} but {first_place} "
                    f"has {len(values[0])} (every row needs the same number of values)"
                )
        plane = np.array(values, dtype=np.float64)
        if planes and plane.shape != planes[0].shape:
            raise fail(
                f"channel {c} is {_shape(plane.shape)} but channel 1 is "
                f"{_shape(planes[0].shape)} (every channel needs the same shape)"
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
            raise fail(f"{_quote(token)} at {place}, column {column} is not a number")
        value = float(token)
        if math.isinf(value) and "inf" not in token.lower():
            raise fail(f"{_quote(token)} at {place}, column {column} is too large for a float64")
        values.append(value)
    return values


def _load_stdin() -> LoadedInput:
    """A text matrix read from standard input."""
    try:
        text = sys.stdin.read()
    except (OSError, UnicodeDecodeError) as err:
        raise PoolvizRuntimeError(f"stdin: cannot read: {_reason(err)}") from None
    if not text:
        raise PoolvizRuntimeError("stdin: nothing was given; pipe a text matrix in")
    # a byte-order mark is dropped, as from a text file (Windows editors write one)
    return _text_input(text.removeprefix("\ufeff"), "stdin", "stdin")


def _text_input(text: str, shown: str, name: str) -> LoadedInput:
    array = parse_text_matrix(text, shown)
    return LoadedInput(array, name, "text", "float64", array.shape)


def _read_bytes(file: Path, shown: str) -> bytes:
    """The whole file, or a runtime error naming it when it cannot be read or is empty."""
    try:
        data = file.read_bytes()
    except OSError as err:
        raise PoolvizRuntimeError(f"{shown}: cannot read: {_reason(err)}") from None
    if not data:
        raise PoolvizRuntimeError(f"{shown}: the file is empty")
    return data


def _decode_text(data: bytes, shown: str, advice: str = "a text matrix is rows of numbers") -> str:
    """``data`` as UTF-8 (a byte-order mark dropped); a runtime error ending in ``advice``
    when it is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PoolvizRuntimeError(f"{shown}: not a text file (not UTF-8); {advice}") from None


def _split_npz_key(path: Path) -> tuple[Path, str | None]:
    """``data.npz:name`` -> (``data.npz``, ``name``), unless a file has that whole name."""
    match = re.fullmatch(r"(.+\.npz):([^/\\]+)", str(path), re.IGNORECASE)
    if match is None or path.exists():
        return path, None
    return Path(match[1]), match[2]


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


# Images


@contextmanager
def _quiet_pillow() -> Iterator[None]:
    """Pillow's warnings about a file silenced: poolviz reads the image or says in one line
    what is wrong with it, so a warning printed before that (a damaged EXIF block, a palette's
    transparency, an image over the pixel limit: checked here with the exact count) is noise,
    and under ``-W error`` it turned a readable image into an error."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


@_quiet_pillow()
def _load_image(
    data: bytes,
    shown: str,
    name: str,
    gray: bool,
    resize: tuple[int, int] | None,
    scale: float | None,
) -> LoadedInput:
    """An image as (H, W) or (H, W, C) on its own scale (0-255, 0-65535), turned upright as
    its EXIF orientation asks, refused unread when it has more pixels than Pillow's
    ``MAX_IMAGE_PIXELS``; Pillow's warnings silenced (see :func:`_quiet_pillow`)."""
    from PIL import Image

    suffix = Path(name).suffix.lower()
    img: PILImage.Image
    with _pillow_errors(shown, suffix):
        img = Image.open(io.BytesIO(data))
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and img.width * img.height > limit:
        raise _too_many_pixels(shown, img.width * img.height, limit)
    # Pillow's TIFF reader turns the image upright as it loads (newer Pillows then drop the
    # tag, so it is read first); the other readers leave that to the caller
    tiff = img.format == "TIFF"
    orientation = _orientation(img) if tiff else None
    with _pillow_errors(shown, suffix):
        img.load()
    if not tiff:
        orientation = _orientation(img)
    layers, dtype, notes = _layers(img, data, shown)
    if orientation is not None:
        if not tiff:
            layers = [layer.transpose(Image.Transpose[orientation.method]) for layer in layers]
        notes.append(orientation.note(layers[0].height, layers[0].width))
    h, w = layers[0].height, layers[0].width
    channels = sum(len(layer.getbands()) for layer in layers)
    source_shape = (h, w) if channels == 1 else (h, w, channels)
    if gray and channels > 1:
        layers = [_grey(layers)]
        notes.append("converted to grey with ITU-R 601-2 luma (as Pillow's L)")
    target = _target_size(h, w, resize, scale)
    if limit is not None and target is not None and target[0] * target[1] > limit:
        raise PoolvizError(
            f"resizing {shown} to {target[0]}x{target[1]} would make {target[0] * target[1]:,} "
            f"pixels, over Pillow's limit of {limit:,}; use a smaller --resize or --scale"
        )
    if target is not None and target != (h, w):
        notes.append(f"resized from {h}x{w} to {target[0]}x{target[1]} with Pillow")
        layers = [layer.resize((target[1], target[0])) for layer in layers]
    if len(layers) == 1:
        array = np.asarray(layers[0], dtype=np.float64)
    else:
        array = np.stack([np.asarray(layer) for layer in layers], axis=-1, dtype=np.float64)
    return LoadedInput(array, name, "image", dtype, source_shape, tuple(notes))


@contextmanager
def _pillow_errors(shown: str, suffix: str) -> Iterator[None]:
    """Turn what Pillow raises on a bad file into a runtime error naming it."""
    from PIL import Image, UnidentifiedImageError

    try:
        yield
    except Image.DecompressionBombError as err:
        found = _BOMB_PIXELS.search(str(err))
        raise _too_many_pixels(
            shown, int(found[1]) if found else None, Image.MAX_IMAGE_PIXELS or 0
        ) from None
    except UnidentifiedImageError:
        raise PoolvizRuntimeError(
            f"{shown}: not an image, though its name ends in {suffix}"
        ) from None
    except MemoryError:
        raise
    except Exception:  # Pillow's decoders raise many types on damaged data
        raise PoolvizRuntimeError(f"{shown}: the image data is truncated or corrupt") from None


def _too_many_pixels(shown: str, pixels: int | None, limit: int) -> PoolvizRuntimeError:
    """The refusal of an image over Pillow's limit (``pixels`` None: Pillow gave no count)."""
    count = f"{pixels:,} pixels is" if pixels is not None else "the image is"
    return PoolvizRuntimeError(
        f"{shown}: {count} over Pillow's limit of {limit:,} pixels (MAX_IMAGE_PIXELS); "
        "shrink it with another tool first"
    )


def _layers(
    img: PILImage.Image, data: bytes, shown: str
) -> tuple[list[PILImage.Image], str, list[str]]:
    """The loaded image ``img`` (whose file holds ``data``) as Pillow images whose bands, side
    by side, are its channels, with its samples' type and the notes so far: one image in a
    mode of :func:`_normalise_mode`, or for 16-bit colour, which Pillow has no mode for and
    reads at 8 bits, one 16-bit layer per channel."""
    deep = png16.header(data)
    if deep is not None:
        return _png16_layers(data, deep, shown), "uint16", []
    dtype = _pixel_dtype(img.mode)
    img, notes = _normalise_mode(img)
    return [img], dtype, notes


def _pixel_dtype(mode: str) -> str:
    """The NumPy type of a Pillow mode's samples."""
    if mode.startswith("I;16"):
        return "uint16"
    return {"1": "bool", "I": "int32", "F": "float32"}.get(mode, "uint8")


def _normalise_mode(img: PILImage.Image) -> tuple[PILImage.Image, list[str]]:
    """``img`` in the mode of :func:`_normal_mode`, with a note when the change is one a user
    would not guess."""
    mode, target = img.mode, _normal_mode(img)
    if target == mode:
        return img, []
    if mode == "1":
        return img.convert("L"), ["a 1-bit image, read as 0 and 255"]
    if target == "I":
        return img.convert("I"), []
    kind = "palette" if mode in ("P", "PA") else mode
    return img.convert(target), [f"a {kind} image, converted to {target}"]


def _normal_mode(img: PILImage.Image) -> str:
    """The mode poolviz reads ``img`` in, known from its header: greyscale, grey+alpha, RGB or
    RGBA with the original sample values; palettes and other colour spaces become RGB(A),
    16-bit grey becomes 32-bit int so Pillow can resize it."""
    mode = img.mode
    if mode in ("L", "LA", "RGB", "RGBA", "I", "F"):
        return mode
    if mode.startswith("I;16"):
        return "I"
    if mode == "1":
        return "L"
    alpha = mode in ("PA", "RGBa", "La") or "transparency" in img.info
    return "RGBA" if alpha else "RGB"


@dataclass(frozen=True)
class _Orientation:
    """How to turn an image upright, as its EXIF Orientation tag asks."""

    method: str
    """The name of the :class:`PIL.Image.Transpose` that does it."""
    done: str
    """What that does, as the note says it: ``rotated 90° clockwise``."""

    def note(self, h: int, w: int) -> str:
        """The note saying so for an image ``h`` by ``w`` once upright, with the size as
        stored when turning it swapped height and width."""
        swapped = self.method in ("ROTATE_90", "ROTATE_270", "TRANSPOSE", "TRANSVERSE")
        return f"{self.done} by its EXIF orientation" + (f" (stored as {w}x{h})" if swapped else "")


_ORIENTATIONS = {
    2: _Orientation("FLIP_LEFT_RIGHT", "mirrored left to right"),
    3: _Orientation("ROTATE_180", "rotated 180°"),
    4: _Orientation("FLIP_TOP_BOTTOM", "mirrored top to bottom"),
    5: _Orientation("TRANSPOSE", "rotated 90° clockwise and mirrored left to right"),
    6: _Orientation("ROTATE_270", "rotated 90° clockwise"),
    7: _Orientation("TRANSVERSE", "rotated 90° counter-clockwise and mirrored left to right"),
    8: _Orientation("ROTATE_90", "rotated 90° counter-clockwise"),
}
"""The EXIF Orientation values 2-8 (1 is upright), each with the Pillow transposition that
undoes it, as ``ImageOps.exif_transpose`` maps them (Pillow's angles count
counter-clockwise: its ROTATE_270 is 90° clockwise)."""
_EXIF_ORIENTATION = 0x0112


def _orientation(img: PILImage.Image) -> _Orientation | None:
    """How to turn ``img`` upright, as image viewers do, from the EXIF Orientation tag (or
    the XMP one, which Pillow's ``getexif`` reads too) of a JPEG, PNG, WebP or TIFF; None
    when it is upright, or its EXIF block is damaged or holds no orientation: viewers show
    such an image as stored. Called on a loaded image (a TIFF's directory needs no loading),
    so that a failure here is the EXIF block's alone."""
    try:
        value = img.getexif().get(_EXIF_ORIENTATION)
    except MemoryError:
        raise
    except Exception:  # Pillow's EXIF parser raises many types on damaged data
        return None
    return _ORIENTATIONS.get(value) if isinstance(value, int) else None


def _grey(layers: list[PILImage.Image]) -> PILImage.Image:
    """The grey of an image with several channels, as Pillow's ``convert("L")`` makes it: the
    grey of grey+alpha; the ITU-R 601-2 luma of RGB(A), in Pillow's integer form
    ``(19595 R + 38470 G + 7471 B + 2**15) >> 16``, also for 16-bit colour (one layer per
    channel), which Pillow cannot convert."""
    if len(layers) == 1:
        return layers[0].convert("L")
    if len(layers) == 2:
        return layers[0]
    from PIL import Image

    r, g, b = (np.asarray(layer, dtype=np.int64) for layer in layers[:3])
    luma = (19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16
    return Image.fromarray(luma.astype(np.int32))


_LARGEST_SIDE = 2**31 - 1
"""Pillow keeps an image's sides in 32-bit integers."""


def _target_size(
    h: int, w: int, resize: tuple[int, int] | None, scale: float | None
) -> tuple[int, int] | None:
    """The (height, width) ``resize`` or ``scale`` asks for, or None for neither; a scale
    past the sides Pillow can hold (or past the floats) is refused here, before rounding."""
    if resize is not None:
        return resize
    if scale is not None:
        th, tw = h * scale, w * scale
        if not th <= _LARGEST_SIDE >= tw:  # also catches an infinite product
            raise PoolvizError(
                f"--scale {scale:g} would make the image more than {_LARGEST_SIDE:,} pixels "
                "a side, larger than an image can be; use a smaller --scale"
            )
        return max(1, round(th)), max(1, round(tw))
    return None


# 16-bit colour PNGs


def _png16_layers(data: bytes, header: png16.Header, shown: str) -> list[PILImage.Image]:
    """A 16-bit colour PNG at full precision (0-65535) as one mode ``I`` image per channel,
    so that it is turned and resized as the other images are; called once Pillow has read
    the file, so what is damaged here Pillow did not notice."""
    from PIL import Image

    try:
        pixels = png16.pixels(data, header)
    except (ValueError, zlib.error):
        raise PoolvizRuntimeError(f"{shown}: the image data is truncated or corrupt") from None
    return [Image.fromarray(pixels[..., c].astype(np.int32)) for c in range(header.channels)]


# Arrays


def _load_npy(data: bytes, shown: str) -> np.ndarray:
    """A ``.npy`` array, never unpickled."""
    if not data.startswith(b"\x93NUMPY"):
        if data.startswith(b"\x80"):
            raise _pickled(shown)
        raise PoolvizRuntimeError(f"{shown}: not a .npy file (no NumPy header)")
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as err:
        if "pickle" in str(err):
            raise _pickled(shown) from None
        raise PoolvizRuntimeError(f"{shown}: the .npy file is truncated or corrupt") from None
    except _DAMAGED_ARRAY:
        raise PoolvizRuntimeError(f"{shown}: the .npy file is truncated or corrupt") from None
    return np.asarray(array)


def _load_npz(data: bytes, shown: str, name: str, key: str | None) -> tuple[np.ndarray, str]:
    """One array from a ``.npz`` archive: the only one, or the one ``key`` names."""
    if not data.startswith(b"PK"):
        raise PoolvizRuntimeError(f"{shown}: not a .npz file (not a zip archive)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            keys = list(archive.files)
            if not keys:
                raise PoolvizRuntimeError(f"{shown}: the archive holds no arrays")
            if key is None and len(keys) > 1:
                raise PoolvizError(
                    f"{shown}: holds {len(keys)} arrays ({', '.join(keys)}); "
                    f"pick one as {name}:NAME"
                )
            if key is not None and key not in keys:
                raise PoolvizError(f"{shown}: no array named {key!r}; it holds {', '.join(keys)}")
            chosen = key if key is not None else keys[0]
            array = np.asarray(archive[chosen])
    except PoolvizError:
        raise
    except ValueError as err:
        if "pickle" in str(err):
            raise _pickled(shown) from None
        raise PoolvizRuntimeError(f"{shown}: the .npz file is truncated or corrupt") from None
    except _DAMAGED_ARRAY:
        raise PoolvizRuntimeError(f"{shown}: the .npz file is truncated or corrupt") from None
    return array, name if key is None else f"{name}:{key}"


def _pickled(shown: str) -> PoolvizRuntimeError:
    return PoolvizRuntimeError(
        f"{shown}: holds pickled Python objects, which poolviz never loads; "
        "save a numeric array with numpy.save"
    )


_DAMAGED_ARRAY = (
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


def _array_input(raw: np.ndarray, shown: str, name: str, kind: str, layout: str) -> LoadedInput:
    """Check an array's type and shape, move NCHW channels last, convert to float64."""
    if raw.dtype.kind in _REFUSED_KINDS:
        raise PoolvizRuntimeError(
            f"{shown}: holds {_REFUSED_KINDS[raw.dtype.kind]} values ({raw.dtype}); "
            "poolviz reads float, int or bool arrays"
        )
    shapes = _SHAPES[layout]
    if not 2 <= raw.ndim <= 4:
        described = _shape(raw.shape) if raw.ndim else "a single number"
        raise PoolvizRuntimeError(
            f"{shown}: a {raw.ndim}-D array ({described}); poolviz reads {shapes}"
        )
    if 0 in raw.shape:
        raise PoolvizRuntimeError(
            f"{shown}: shape {_shape(raw.shape)} has an axis of length 0; "
            "every axis needs at least 1 value"
        )
    notes: list[str] = []
    array = raw
    if layout == "nchw" and raw.ndim > 2:
        array = np.moveaxis(raw, -3, -1)
        notes.append(f"read as channels-first ({_shape(raw.shape)}), channels moved last")
    elif layout == "nhwc" and _looks_channels_first(raw.shape):
        notes.append(
            f"shape {_shape(raw.shape)} looks channels-first; if it is "
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


# Wording


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in shape)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _quote(token: str) -> str:
    shown = token if len(token) <= _TOKEN_SHOWN else token[: _TOKEN_SHOWN - 1] + "…"
    return repr(shown)


def _reason(err: BaseException) -> str:
    """An OS error's reason without its number and path: ``Permission denied``."""
    if isinstance(err, OSError) and err.strerror:
        return err.strerror.lower()
    return str(err) or type(err).__name__
