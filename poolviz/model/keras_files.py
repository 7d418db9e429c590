"""Keras models as ``model.save()`` writes them: a ``.keras`` archive (Keras 3: a zip holding
``config.json`` and the weights) or a legacy ``.h5``/``.hdf5`` file (the ``model_config``
attribute of the HDF5 root, read through ``h5py``, the ``poolviz[keras]`` extra).

Only the model's configuration is read: never the weights' values, never anything pickled,
and no TensorFlow or Keras import. ``config.json`` is read through a limit of
:data:`CONFIG_LIMIT` bytes however large its entry claims or turns out to be, so a zip bomb
is refused quickly in bounded memory. The configuration then goes through
:func:`poolviz.model.keras.keras_from_text`, as a ``model.to_json()`` file does.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from poolviz.errors import PoolvizRuntimeError
from poolviz.loaders.files import check_file
from poolviz.model.graph import Model
from poolviz.model.keras import keras_from_text
from poolviz.model.layers import Shape

CONFIG_LIMIT = 64 * 2**20
"""The most bytes of configuration read from a model file."""
KERAS_HINT = "give a model saved by Keras's model.save()"


def load_keras_archive(path: str | os.PathLike[str], input_shape: Shape | None = None) -> Model:
    """The model in the ``.keras`` archive ``path``; errors name the file and the problem."""
    file, shown = Path(path), str(path)
    check_file(file, shown, KERAS_HINT)
    try:
        with zipfile.ZipFile(file) as archive:
            try:
                entry = archive.getinfo("config.json")
            except KeyError:
                raise PoolvizRuntimeError(
                    f"{shown}: the archive holds no config.json; {KERAS_HINT} "
                    "(a .keras file is a zip with config.json and the weights)"
                ) from None
            if entry.file_size > CONFIG_LIMIT:
                raise _too_large(shown)
            with archive.open(entry) as stream:
                data = stream.read(CONFIG_LIMIT + 1)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        raise PoolvizRuntimeError(
            f"{shown}: not a .keras archive (not a readable zip: {err}); {KERAS_HINT}"
        ) from None
    if len(data) > CONFIG_LIMIT:
        raise _too_large(shown)
    return keras_from_text(_text(data, shown), shown, input_shape)


def load_keras_h5(path: str | os.PathLike[str], input_shape: Shape | None = None) -> Model:
    """The model in the legacy HDF5 file ``path`` (its ``model_config`` attribute)."""
    file, shown = Path(path), str(path)
    check_file(file, shown, KERAS_HINT)
    try:
        import h5py
    except ImportError:
        raise PoolvizRuntimeError(
            "reading Keras .h5 files needs the h5py package; pip install 'poolviz[keras]'"
        ) from None
    try:
        with h5py.File(file, "r") as f:
            value = f.attrs.get("model_config")
    except (OSError, ValueError) as err:
        raise PoolvizRuntimeError(
            f"{shown}: not a readable HDF5 file ({err}); {KERAS_HINT}"
        ) from None
    if value is None:
        raise PoolvizRuntimeError(
            f"{shown}: the HDF5 file has no model_config attribute (weights only?); "
            f"{KERAS_HINT} with the whole model"
        )
    data = value if isinstance(value, bytes) else str(value).encode("utf-8")
    if len(data) > CONFIG_LIMIT:
        raise _too_large(shown)
    return keras_from_text(_text(data, shown), shown, input_shape)


def _text(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PoolvizRuntimeError(
            f"{shown}: its model configuration is not UTF-8 text; {KERAS_HINT}"
        ) from None


def _too_large(shown: str) -> PoolvizRuntimeError:
    return PoolvizRuntimeError(
        f"{shown}: its model configuration is over {CONFIG_LIMIT // 2**20} MiB, more than "
        f"poolviz reads; {KERAS_HINT}"
    )
