"""Inputs: images, ``.npy``/``.npz`` arrays, text matrices, inline matrices, standard input
and the bundled samples, each turned into one float64 array plus where it came from.

This package is the only code that opens input files, one module per kind of input:
:mod:`~poolviz.loaders.paths` reads a path by its extension with :mod:`.images` (and
:mod:`.png16`, :mod:`.exif`), :mod:`.arrays` or :mod:`.text`; :mod:`.stdin` reads ``-``;
:mod:`.samples` the bundled inputs, each as one :class:`~.reading.ReadOptions` asks
(``--gray``, ``--resize``, ``--scale``, ``--layout``); :mod:`.budget` refuses an input too
large for the memory budget before it is read. A problem with the command line (a bad inline
matrix, a missing path, a folder, an unknown extension) raises :class:`PoolvizError` (exit 2);
a file that exists but whose content cannot be used raises :class:`PoolvizRuntimeError`
(exit 1).
"""

from typing import TYPE_CHECKING

from poolviz.lazy import lazy_attributes

_HOMES = {
    "LAYOUTS": "reading",
    "Budget": "budget",
    "float64_bytes": "budget",
    "ReadOptions": "reading",
    "read_text_file": "files",
    "LoadedInput": "loaded",
    "load_path": "paths",
    "SAMPLES": "samples",
    "Sample": "samples",
    "load_sample": "samples",
    "sample_names": "samples",
    "parse_matrix": "text",
    "parse_text_matrix": "text",
}
"""Each name and its module, imported when first asked for (so that a command reads no
loader it does not use)."""

__getattr__, __dir__ = lazy_attributes(__name__, _HOMES)

if TYPE_CHECKING:
    from poolviz.loaders.budget import Budget, float64_bytes
    from poolviz.loaders.files import read_text_file
    from poolviz.loaders.loaded import LoadedInput
    from poolviz.loaders.paths import load_path
    from poolviz.loaders.reading import LAYOUTS, ReadOptions
    from poolviz.loaders.samples import SAMPLES, Sample, load_sample, sample_names
    from poolviz.loaders.text import parse_matrix, parse_text_matrix

__all__ = [
    "LAYOUTS",
    "SAMPLES",
    "Budget",
    "LoadedInput",
    "ReadOptions",
    "Sample",
    "float64_bytes",
    "load_path",
    "load_sample",
    "parse_matrix",
    "parse_text_matrix",
    "read_text_file",
    "sample_names",
]
