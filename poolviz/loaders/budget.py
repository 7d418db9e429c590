"""The memory budget (``--max-memory``): what a run may use, and how large an input will be as
float64, read from its header where it tells, so that an input too large is refused before
it is read."""

from __future__ import annotations

import contextlib
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from poolviz.errors import PoolvizRuntimeError
from poolviz.loaders import png16
from poolviz.loaders.arrays import (
    ARRAY_SUFFIXES,
    DAMAGED_ARRAY,
    npy_shape,
    npz_member,
    split_npz_key,
)
from poolviz.loaders.images import IMAGE_SUFFIXES, normal_mode, quiet_pillow, target_size
from poolviz.loaders.loaded import LoadedInput
from poolviz.loaders.reading import ReadOptions


@dataclass(frozen=True)
class Budget:
    """The memory ``--max-memory`` allows, and what the running command needs of it."""

    limit: int
    """Bytes."""
    footprint: int = 3
    """Peak memory in multiples of the input's float64 size (the CLI's ``FOOTPRINTS``)."""
    task: str = "pooling it"
    """What needs the memory, as the message says it: ``pooling it``, ``poolviz grad --json
    on it``."""
    shrink: str | None = "--scale, --resize"
    """The options that would shrink the input, as the refusal names them; None where the
    command has none (the size is fixed)."""

    def check(self, name: str, nbytes: int, grey_nbytes: int | None = None) -> None:
        """Refuse an input of ``nbytes`` (as float64) whose run would exceed the limit; for a
        colour image, ``grey_nbytes`` is its size as one grey channel, which the refusal's
        hint offers (``--gray``)."""
        needed = self.footprint * nbytes
        if needed > self.limit:
            parts = " (input, output and indices)" if self.task == "pooling it" else ""
            hint = None
            if grey_nbytes is not None and grey_nbytes < nbytes:
                grey = _gib(self.footprint * grey_nbytes)
                hint = f"try: --gray, reading one grey channel, would need about {grey}"
            raise PoolvizRuntimeError(
                f"{name}: {self.task} would need about {_gib(needed)}{parts}, over the memory "
                f"budget of {_gib(self.limit)}; raise --max-memory"
                + ("" if self.shrink is None else f" or shrink it ({self.shrink})"),
                hint=hint,
            )


def grey_nbytes(loaded: LoadedInput) -> int | None:
    """What a colour image, as loaded, would take as one grey channel (``--gray``), for the
    budget's hint; None for a grey image or any other input."""
    array = loaded.array
    if loaded.kind != "image" or array.ndim != 3 or array.shape[-1] == 1:
        return None
    return int(array.nbytes) // int(array.shape[-1])


def _gib(nbytes: int) -> str:
    """``nbytes`` in the largest binary unit that keeps it at least 1."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if nbytes >= size:
            return f"{nbytes / size:.1f} {unit}"
    return f"{nbytes} bytes"


def float64_bytes(path: str | Path, read: ReadOptions | None = None) -> int | None:
    """How many bytes ``path`` will take once loaded as float64, read from its header alone
    (an image's size, a ``.npy`` shape, the header of the array a ``.npz`` holds), so that a
    memory budget can refuse it unread (a compressed ``.npz`` can hold gigabytes in a few
    kilobytes); None when the header does not tell (text, standard input, a broken file:
    loading will report those). ``read``'s ``resize``, ``scale`` and ``gray`` (one channel)
    count for images, as loading applies them (None: read as stored)."""
    read = ReadOptions() if read is None else read
    file, key = split_npz_key(Path(path))
    suffix = file.suffix.lower()
    if suffix in ARRAY_SUFFIXES:
        try:
            with contextlib.ExitStack() as stack:
                stream: IO[bytes] = stack.enter_context(file.open("rb"))
                if suffix == ".npz":
                    archive = stack.enter_context(zipfile.ZipFile(stream))
                    stream = stack.enter_context(archive.open(npz_member(archive, key)))
                shape = npy_shape(stream)
        except (ValueError, KeyError, *DAMAGED_ARRAY):
            return None
        return 8 * math.prod(shape)
    if suffix not in IMAGE_SUFFIXES:
        return None
    from PIL import Image

    try:
        with quiet_pillow(), file.open("rb") as stream:
            deep = png16.header(stream.read(29))
            stream.seek(0)
            with Image.open(stream) as img:
                size = target_size(img.height, img.width, read)
                h, w = size if size is not None else (img.height, img.width)
                if read.gray:
                    channels = 1
                elif deep is not None:
                    channels = deep.channels
                else:
                    channels = Image.getmodebands(normal_mode(img))
                return 8 * h * w * channels
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
