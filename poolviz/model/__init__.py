"""Models as data: layer kinds, the built-in models, the spec grammar, Keras JSON, and the
trace with its counterfactuals. It computes; it never prints."""

from __future__ import annotations

from pathlib import Path

from poolviz.model.builtin import BUILTINS, builtin
from poolviz.model.graph import Model
from poolviz.model.layers import Shape


def load_model(model: str, input_shape: Shape | None = None) -> Model:
    """The model ``model`` names: a built-in (``mnist``, ...), a bundled Keras sample
    (``keras_mnist``, ``keras2_cnn``), an ONNX file (``.onnx``), a Keras model as
    ``model.save()`` writes it (``.keras``, ``.h5``, ``.hdf5``), a Keras ``.json`` file (any
    argument ending in ``.json``, holding a path separator, or naming a file or folder that
    exists), or else a spec string. ``input_shape`` (h, w, c)
    replaces the model's own input.

    A built-in is made without importing the Keras reader or the spec grammar (``poolviz
    trace mnist`` starts faster)."""
    if model in BUILTINS:
        return builtin(model, input_shape)
    from poolviz.model.keras import KERAS_SAMPLES, keras_sample, load_keras
    from poolviz.model.spec import parse_spec

    if model in KERAS_SAMPLES:
        return keras_sample(model, input_shape)
    suffix = Path(model).suffix.lower()
    if suffix == ".onnx":
        from poolviz.model.onnx_read import load_onnx

        return load_onnx(Path(model), input_shape)
    if suffix == ".keras":
        from poolviz.model.keras_files import load_keras_archive

        return load_keras_archive(Path(model), input_shape)
    if suffix in (".h5", ".hdf5"):
        from poolviz.model.keras_files import load_keras_h5

        return load_keras_h5(Path(model), input_shape)
    if model.lower().endswith(".json") or "/" in model or "\\" in model or _names_a_path(model):
        return load_keras(Path(model), input_shape)
    return parse_spec(model, input_shape)


def _names_a_path(model: str) -> bool:
    """Whether ``model`` names a file or folder that exists (an empty or blank argument, which
    Path reads as the current folder, does not)."""
    return bool(model.strip()) and Path(model).exists()


__all__ = ["BUILTINS", "Model", "load_model"]
