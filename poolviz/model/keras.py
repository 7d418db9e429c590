"""Keras models saved with ``model.to_json()``, read as plain JSON (no TensorFlow needed).

Both formats are read. Keras 3: ``"module"`` and ``"registered_name"`` keys, each layer's
``dtype`` a ``DTypePolicy`` object, ``InputLayer`` with ``batch_shape``, functional inbound
nodes as ``{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history":
[name, 0, 0]}}]}``. Keras 2: string dtypes, ``batch_input_shape`` (often on the first layer
instead of an ``InputLayer``), inbound nodes as ``[[[name, 0, 0, {}]]]``, tuples sometimes
as ``{"class_name": "__tuple__", "items": [...]}``.

Sequential models and functional models are read, the latter as graphs (each layer reads
the layers its inbound node names; ``Add``, ``Concatenate``, ``Multiply``, ``Average`` merge
branches); a layer called more than once (shared) is refused. The layer classes in
:data:`READERS` are supported and any other is refused by name.

A ``channels_first`` model (its layers' ``data_format``) is read in its own order: its input
``[batch, c, h, w]``, BatchNormalization's and Concatenate's axis 1 (channels), Reshape's and
Permute's axes are turned into poolviz's (h, w, c), and a note says so (``--order nchw``
prints the shapes as the file has them).
A missing file or a directory is a bad request (exit 2); a file whose content cannot be used
is a runtime error (exit 1).
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from poolviz.errors import PoolvizError, PoolvizRuntimeError
from poolviz.loaders import read_text_file
from poolviz.model.field import Pair
from poolviz.model.graph import INPUT, Model, Node, chain_nodes
from poolviz.model.layers import (
    Activation,
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Flatten,
    Layer,
    Padding,
    Shape,
    ZeroPad,
)
from poolviz.model.merge import Add, Average, Concat, Merge, Multiply
from poolviz.model.pooling import (
    AdaptiveAvgPool,
    AdaptiveMaxPool,
    AvgPool,
    GlobalAvgPool,
    GlobalMaxPool,
    MaxPool,
)
from poolviz.model.reshape import DepthwiseConv, Reshape, Scale, SeparableConv, UpSample

MODEL_CLASSES = ("Sequential", "Functional", "Model")
FILE_HINT = "give a Keras model saved with model.to_json()"
"""What a model file should be, under a missing or binary file's message."""

KERAS_SAMPLES: dict[str, str] = {
    "keras_mnist": "the MNIST example network as Keras 3 saves it (28x28x1)",
    "keras2_cnn": "a Keras 2 CNN with BatchNorm, ReLU, zero padding and both poolings (32x32x3)",
}
"""Keras models that ship with poolviz, as ``poolviz/samples/<name>.json``: name -> what."""


class _Bad(Exception):
    """A problem with the file's content, reworded with the file's name by the caller;
    ``hint`` is a line for the user under it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def load_keras(path: str | os.PathLike[str], input_shape: Shape | None = None) -> Model:
    """The model in the Keras JSON file ``path``; ``input_shape`` (h, w, c) overrides the
    one the file gives, and is needed when the file has none. The file is read by
    :func:`poolviz.loaders.read_text_file`, with its errors."""
    return keras_from_text(read_text_file(Path(path), hint=FILE_HINT), str(path), input_shape)


def keras_from_text(text: str, shown: str, input_shape: Shape | None = None) -> Model:
    """The model a Keras model config in JSON describes (``model.to_json()``, or the
    ``config.json`` of a ``.keras`` archive); ``shown`` names its file in messages."""
    p = Path(shown)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise PoolvizRuntimeError(
            f"{shown!r} is not JSON (line {err.lineno}, column {err.colno}: {err.msg}); "
            "save the model with model.to_json()"
        ) from None
    try:
        return _from_keras(data, p.name, input_shape)
    except _Bad as err:
        raise PoolvizRuntimeError(f"{shown!r}: {err}", hint=err.hint) from None


def keras_sample(name: str, input_shape: Shape | None = None) -> Model:
    """The bundled Keras model ``name`` (see :data:`KERAS_SAMPLES`), read as
    :func:`load_keras` reads a file; PoolvizError for an unknown name."""
    if name not in KERAS_SAMPLES:
        raise PoolvizError(f"there is no Keras sample {name!r}; use {' or '.join(KERAS_SAMPLES)}")
    with resources.as_file(resources.files("poolviz") / "samples" / f"{name}.json") as path:
        return load_keras(path, input_shape)


def _from_keras(data: Any, name: str, input_shape: Shape | None = None) -> Model:
    """The model a parsed ``model.to_json()`` describes, named ``name``. Raises ``_Bad``
    for content that is not a model poolviz can read, PoolvizError when no input shape is
    known and ``input_shape`` is not given."""
    if not isinstance(data, dict) or data.get("class_name") not in MODEL_CLASSES:
        raise _Bad(
            "not a Keras model; expected the JSON of model.to_json(), whose class_name is "
            "Sequential or Functional"
        )
    config = data.get("config")
    entries = config.get("layers") if isinstance(config, dict) else config  # Keras < 2.2.3
    if not isinstance(entries, list):
        raise _Bad("the model has no 'layers' list; is this model.to_json() output?")
    first = _channels_first(entries)
    found = _input_shape(config, entries, first)
    if data["class_name"] == "Sequential":
        nodes = tuple(chain_nodes([x for e in entries if (x := _layer(e, first)) is not None]))
    else:
        nodes = _graph(entries, first)
    if not nodes:
        raise _Bad(
            "the model has no layers"
            + (" but its InputLayer" if entries else "")
            + "; poolviz traces a model with at least one layer, such as Conv2D, "
            "MaxPooling2D, Flatten or Dense"
        )
    shape = input_shape or found
    if shape is None:
        raise PoolvizError(
            f"{name!r} does not give its input's height, width and channels; "
            "give them with --input HxWxC"
        )
    notes = (CHANNELS_FIRST_NOTE,) if first else ()
    try:
        return Model(name, shape, nodes, notes)
    except PoolvizError as err:
        raise _Bad(err.message) from None


CHANNELS_FIRST_NOTE = (
    "The file is channels_first: shapes are shown channels last, as poolviz keeps them; "
    "--order nchw prints them in the file's order."
)


def _channels_first(entries: list[Any]) -> bool:
    """Whether the layers say ``data_format: channels_first``; ``_Bad`` where some say
    channels_first and others channels_last."""
    formats = {
        e["config"].get("data_format")
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("config"), dict)
    } & {"channels_first", "channels_last"}
    if len(formats) > 1:
        raise _Bad(
            "its layers mix channels_first and channels_last; poolviz reads a model whose "
            "layers share one data_format"
        )
    return formats == {"channels_first"}


def _plain(value: Any) -> Any:
    """``value`` with Keras 2's ``{"class_name": "__tuple__", "items": [...]}`` as a list."""
    if isinstance(value, dict) and value.get("class_name") == "__tuple__":
        return [_plain(v) for v in value.get("items", [])]
    return value


def _entry_name(entry: Any) -> str:
    config = entry.get("config") if isinstance(entry, dict) else None
    name = (config or {}).get("name") or (entry.get("name") if isinstance(entry, dict) else None)
    return str(name or "?")


def _inbound(entry: dict[str, Any]) -> list[str] | None:
    """Names of the layers ``entry`` reads; None when it is called more than once."""
    nodes = entry.get("inbound_nodes") or []
    if len(nodes) > 1:
        return None
    if not nodes:
        return []
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3: keras tensors among the call's arguments
        return [t["config"]["keras_history"][0] for t in _tensors(node.get("args", []))]
    return [str(item[0]) for item in node]  # Keras 2: [name, node, tensor, kwargs]


def _tensors(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        return [value]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _tensors(v)]
    return []


def _graph(entries: list[Any], first: bool) -> tuple[Node, ...]:
    """A functional model's layers as graph nodes, each reading the layers its inbound
    node names (merges read several); the one InputLayer is the model's input."""
    alias: dict[str, str] = {}
    nodes: list[Node] = []
    for entry in entries:
        name = _entry_name(entry)
        reads = _inbound(entry) if isinstance(entry, dict) else None
        if reads is None:
            raise _Bad(
                f"layer {name!r} is called more than once (a shared layer); poolviz reads "
                "models whose every layer is called once"
            )
        layer = _layer(entry, first)
        if layer is None:  # an InputLayer
            if alias:
                raise _Bad(
                    f"the model has more than one input ({', '.join([*alias, name])}); "
                    "poolviz traces models with one image input"
                )
            alias[name] = INPUT
            continue
        nodes.append(Node(layer, tuple(alias.get(r, r) for r in reads) or (INPUT,)))
    return tuple(nodes)


def _shape_of(value: Any, first: bool = False) -> Shape | None:
    """(h, w, c) from a batch shape ``[null, h, w, c]`` (``[null, c, h, w]`` where
    ``first``), if it gives all three."""
    value = _plain(value)
    if (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value[1:])
    ):
        return (value[2], value[3], value[1]) if first else (value[1], value[2], value[3])
    return None


def _input_shape(config: Any, entries: list[Any], first: bool = False) -> Shape | None:
    """The input's (h, w, c): from the InputLayer, the first layer's ``batch_input_shape``
    (Keras 2), or what Keras 3 recorded when the model was built (``[batch, c, h, w]``
    where ``first``: a channels_first model)."""
    candidates: list[Any] = []
    if entries and isinstance(entries[0], dict):
        top = entries[0].get("config") or {}
        candidates += [
            top.get("batch_shape"),
            top.get("batch_input_shape"),
            (entries[0].get("build_config") or {}).get("input_shape"),
        ]
    if isinstance(config, dict):
        candidates.append(config.get("build_input_shape"))
    for candidate in candidates:
        shape = _shape_of(candidate, first)
        if shape is not None:
            return shape
    return None


def _layer(entry: Any, first: bool = False) -> Layer | None:
    """The layer an entry of ``layers`` describes (of a channels_first model where
    ``first``); None for the InputLayer."""
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
        raise _Bad("a layer entry has no class_name; is this model.to_json() output?")
    cls = entry["class_name"]
    config = entry.get("config")
    name = _entry_name(entry)
    if cls not in READERS:
        close = difflib.get_close_matches(cls, list(READERS), n=1)
        raise _Bad(
            f"layer {name!r} is a {cls}, which poolviz does not trace; it reads 2-D "
            "convolution, pooling, dense, normalization, merge and reshaping layers",
            hint=f"did you mean {close[0]!r}?" if close else None,
        )
    if not isinstance(config, dict):
        raise _Bad(f"layer {name!r} has no config object")
    try:
        return READERS[cls](name, _channels_last(cls, config) if first else config)
    except (KeyError, TypeError, ValueError) as err:
        raise _Bad(f"layer {name!r} ({cls}) has an unreadable config ({err!s})") from None


FIRST_TO_LAST = {1: 3, 2: 1, 3: 2}
"""A channels_first axis (1-based, batch not counted: c, h, w) -> the same axis of
(h, w, c)."""
LAST_TO_FIRST = {v: k for k, v in FIRST_TO_LAST.items()}


def _channels_last(cls: str, c: dict[str, Any]) -> dict[str, Any]:
    """The config of a channels_first model's layer with its axes as (h, w, c) gives them:
    BatchNormalization's and Concatenate's ``axis`` (batch counted, 1 = channels), a
    rank-3 Reshape ``target_shape`` (c, h, w) and Permute ``dims``."""
    if cls in ("BatchNormalization", "Concatenate"):
        axis = _plain(c.get("axis", 1 if cls == "BatchNormalization" else -1))
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        if isinstance(axis, int) and -3 <= axis <= 3 and axis != 0:
            return {**c, "axis": FIRST_TO_LAST[axis if axis > 0 else 4 + axis]}
    if cls == "Reshape":
        target = _plain(c["target_shape"])
        if isinstance(target, list) and len(target) == 3:
            return {**c, "target_shape": [target[1], target[2], target[0]]}
    if cls == "Permute":
        dims = [int(v) for v in _plain(c["dims"])]
        if sorted(dims) == [1, 2, 3]:
            return {**c, "dims": [FIRST_TO_LAST[dims[LAST_TO_FIRST[j] - 1]] for j in (1, 2, 3)]}
    return c


def _pair(value: Any) -> Pair:
    value = _plain(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return value[0], value[1]
    raise ValueError(f"{value!r} is not an integer or a pair")


def _padding(value: Any) -> Padding:
    if value not in ("valid", "same"):
        raise ValueError(f"padding {value!r}; Keras uses valid or same")
    return (0, 0) if value == "valid" else "same"


def _activation(value: Any) -> str | None:
    """A layer's ``activation``: None for Keras's ``linear`` (no activation)."""
    if isinstance(value, dict):  # a serialized activation object
        value = value.get("config", {}).get("name") or value.get("class_name")
    return None if value in (None, "linear") else str(value)


def _windows(c: dict[str, Any]) -> tuple[Pair, Pair, Padding, Pair]:
    """A convolution's window: size, strides, padding, dilation."""
    return (
        _pair(c["kernel_size"]),
        _pair(c.get("strides", 1)),
        _padding(c.get("padding", "valid")),
        _pair(c.get("dilation_rate", 1)),
    )


def _conv(name: str, c: dict[str, Any]) -> Layer:
    bias, act = bool(c.get("use_bias", True)), _activation(c.get("activation"))
    return Conv(name, int(c["filters"]), *_windows(c), int(c.get("groups", 1)), bias, act=act)


def _pool(cls: type[MaxPool] | type[AvgPool]) -> Callable[[str, dict[str, Any]], Layer]:
    def read(name: str, c: dict[str, Any]) -> Layer:
        size = _pair(c.get("pool_size", 2))
        stride = size if c.get("strides") is None else _pair(c["strides"])
        return cls(name, size, stride, _padding(c.get("padding", "valid")))

    return read


def _batchnorm(name: str, c: dict[str, Any]) -> Layer:
    axis = _plain(c.get("axis", -1))
    if axis not in (-1, 3, [-1], [3]):
        raise ValueError(f"axis {axis!r}; poolviz reads BatchNormalization over channels last")
    return BatchNorm(name, bool(c.get("scale", True)), bool(c.get("center", True)))


def _relu(name: str, c: dict[str, Any]) -> Layer:
    if c.get("negative_slope"):
        return Activation(name, "leaky_relu")
    return Activation(name, "relu6" if c.get("max_value") == 6 else "relu")


def _zeropad(name: str, c: dict[str, Any]) -> Layer:
    value = _plain(c.get("padding", 1))
    if isinstance(value, list) and all(isinstance(_plain(v), list) for v in value):
        (t, b), (left, r) = (_pair(v) for v in value)
        return ZeroPad(name, (t, b, left, r))
    ph, pw = _pair(value)
    return ZeroPad(name, (ph, ph, pw, pw))


def _concatenate(name: str, c: dict[str, Any]) -> Layer:
    axis = int(c.get("axis", -1))
    return Concat(name, axis=axis if axis < 0 else axis - 1)  # Keras counts the batch axis


def _depthwise(name: str, c: dict[str, Any]) -> Layer:
    bias, act = bool(c.get("use_bias", True)), _activation(c.get("activation"))
    m = int(c.get("depth_multiplier", 1))
    return DepthwiseConv(name, 1, *_windows(c), bias=bias, act=act, multiplier=m)


def _separable(name: str, c: dict[str, Any]) -> Layer:
    bias, act = bool(c.get("use_bias", True)), _activation(c.get("activation"))
    m = int(c.get("depth_multiplier", 1))
    return SeparableConv(name, int(c["filters"]), *_windows(c), bias=bias, act=act, multiplier=m)


READERS: dict[str, Callable[[str, dict[str, Any]], Layer | None]] = {
    "InputLayer": lambda name, c: None,
    "Conv2D": _conv,
    "MaxPooling2D": _pool(MaxPool),
    "AveragePooling2D": _pool(AvgPool),
    "GlobalAveragePooling2D": lambda name, c: GlobalAvgPool(name, bool(c.get("keepdims"))),
    "GlobalMaxPooling2D": lambda name, c: GlobalMaxPool(name, bool(c.get("keepdims"))),
    "Flatten": lambda name, c: Flatten(name),
    "Dense": lambda name, c: Dense(
        name, int(c["units"]), bool(c.get("use_bias", True)), act=_activation(c.get("activation"))
    ),
    "Dropout": lambda name, c: Dropout(name, float(c.get("rate", 0.5))),
    "BatchNormalization": _batchnorm,
    "Activation": lambda name, c: Activation(name, _activation(c["activation"]) or "linear"),
    "ReLU": _relu,
    "ZeroPadding2D": _zeropad,
    "Add": lambda name, c: Add(name),
    "Multiply": lambda name, c: Multiply(name),
    "Average": lambda name, c: Average(name),
    "Subtract": lambda name, c: Merge(name),
    "Maximum": lambda name, c: Merge(name),
    "Minimum": lambda name, c: Merge(name),
    "Concatenate": _concatenate,
    "DepthwiseConv2D": _depthwise,
    "SeparableConv2D": _separable,
    "UpSampling2D": lambda name, c: UpSample(name, _pair(c.get("size", 2))),
    "Rescaling": lambda name, c: Scale(name),
    "Normalization": lambda name, c: Scale(name, True),
    "Reshape": lambda name, c: Reshape(name, tuple(int(v) for v in _plain(c["target_shape"]))),
    "Permute": lambda name, c: Reshape(name, order=tuple(int(v) for v in _plain(c["dims"]))),
    "AdaptiveAveragePooling2D": lambda name, c: AdaptiveAvgPool(name, _pair(c["output_size"])),
    "AdaptiveMaxPooling2D": lambda name, c: AdaptiveMaxPool(name, _pair(c["output_size"])),
}
"""Keras layer class -> reader of its config. The adaptive layers' keys are what Keras 3's
``AdaptiveAveragePooling2D.get_config`` writes (``keras/src/layers/pooling``): ``output_size``
as a pair and ``data_format``; its backends pick PyTorch's bins (floor/ceil of ``i·n/o``)."""
