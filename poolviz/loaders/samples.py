"""The small inputs that ship with poolviz (``--sample``)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Unpack

from poolviz.errors import PoolvizError
from poolviz.loaders.budget import Budget, grey_nbytes
from poolviz.loaders.loaded import LoadedInput
from poolviz.loaders.paths import load_file
from poolviz.loaders.reading import ReadKeywords, ReadOptions


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
    name: str, *, budget: Budget | None = None, **options: Unpack[ReadKeywords]
) -> LoadedInput:
    """Load a bundled sample by name (see :data:`SAMPLES`), with the options of
    :func:`load_path`; kind ``sample``."""
    sample = SAMPLES.get(name)
    if sample is None:
        raise PoolvizError(
            f"there is no sample {name!r}; use one of {', '.join(sample_names())} "
            "(--sample list describes them)"
        )
    read = ReadOptions(**options)
    read.check()
    with resources.as_file(resources.files("poolviz") / "samples" / sample.file) as path:
        loaded = load_file(path, None, f"sample {name}", read)
    if budget is not None:
        budget.check(sample.file, loaded.array.nbytes, grey_nbytes(loaded))
    return LoadedInput(
        loaded.array, sample.file, "sample", loaded.dtype, loaded.source_shape, loaded.notes
    )
