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

    def check(self, name: str, nbytes: int) -> None:
        """Refuse an input of ``nbytes`` (as float64) whose run would exceed the limit."""
        needed = self.footprint * nbytes
        if needed > self.limit:
            parts = " (input, output and indices)" if self.task == "pooling it" else ""
            raise PoolvizRuntimeError(
                f"{name}: {self.task} would need about {_gib(needed)}{parts}, over the memory "
                f"budget of {_gib(self.limit)}; raise --max-memory or shrink it "
                "(--scale, --resize)"
            )


def _gib(nbytes: int) -> str:
    """``nbytes`` in the largest binary unit that keeps it at least 1."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if nbytes >= size:
            return f"{nbytes / size:.1f} {unit}"
    return f"{nbytes} bytes"


def float64_bytes(
    path: str | Path, *, resize: tuple[int, int] | None = None, scale: float | None = None
) -> int | None:
    """How many bytes ``path`` will take once loaded as float64, read from its header alone
    (an image's size, a ``.npy`` shape, the header of the array a ``.npz`` holds), so that a
    memory budget can refuse it unread (a compressed ``.npz`` can hold gigabytes in a few
    kilobytes); None when the header does not tell (text, standard input, a broken file:
    loading will report those)."""
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
                size = target_size(img.height, img.width, resize, scale)
                h, w = size if size is not None else (img.height, img.width)
                channels = (
                    deep.channels if deep is not None else Image.getmodebands(normal_mode(img))
                )
                return 8 * h * w * channels
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
