"""Keras ``model.to_json()`` files: the shipped samples (Keras 3 and Keras 2), functional
models in both formats, and every way a file can be refused, with its exit code."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from poolviz.errors import PoolvizError
from poolviz.model import load_model
from poolviz.model.builtin import builtin
from poolviz.model.keras import KERAS_SAMPLES, keras_sample, load_keras
from poolviz.model.trace import trace

SAMPLES = Path(__file__).parent.parent / "poolviz" / "samples"
K3_POLICY = {
    "module": "keras",
    "class_name": "DTypePolicy",
    "config": {"name": "float32"},
    "registered_name": None,
}


def test_keras3_sample_is_the_seeds_mnist_model() -> None:
    model = load_keras(SAMPLES / "keras_mnist.json")
    assert model.name == "keras_mnist.json" and model.input_shape == (28, 28, 1)
    ours, theirs = trace(model), trace(builtin("mnist"))
    assert [(r.name, r.output_shape, r.params, r.macs) for r in ours.rows] == [
        (r.name, r.output_shape, r.params, r.macs) for r in theirs.rows
    ]
    assert ours.rows[-1].activation == "softmax"


def test_keras2_sample() -> None:
    t = trace(load_keras(SAMPLES / "keras2_cnn.json"))
    assert t.model.input_shape == (32, 32, 3)  # batch_input_shape on the first layer
    assert [
        (r.name, r.kind, r.activation, r.output_shape, r.params, r.non_trainable) for r in t.rows
    ] == [
        ("conv2d_1", "conv", None, (32, 32, 32), 896, 0),
        ("batch_normalization_1", "bn", None, (32, 32, 32), 64, 64),
        ("activation_1", "activation", "relu", (32, 32, 32), 0, 0),
        ("max_pooling2d_1", "maxpool", None, (16, 16, 32), 0, 0),
        ("zero_padding2d_1", "zeropad", None, (18, 18, 32), 0, 0),
        ("conv2d_2", "conv", None, (16, 16, 64), 18_496, 0),
        ("re_lu_1", "activation", "relu", (16, 16, 64), 0, 0),
        ("average_pooling2d_1", "avgpool", None, (8, 8, 64), 0, 0),
        ("dropout_1", "dropout", None, (8, 8, 64), 0, 0),
        ("global_average_pooling2d_1", "gap", None, (64,), 0, 0),
        ("dense_1", "dense", "softmax", (10,), 650, 0),
    ]
    assert t.totals is not None and (t.totals.params, t.totals.non_trainable) == (20_106, 64)


def _conv3(name: str, filters: int, inbound: str) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "Conv2D",
        "registered_name": None,
        "config": {
            "name": name,
            "trainable": True,
            "dtype": K3_POLICY,
            "filters": filters,
            "kernel_size": [3, 3],
            "strides": [1, 1],
            "padding": "same",
            "data_format": "channels_last",
            "dilation_rate": [1, 1],
            "groups": 1,
            "activation": "relu",
            "use_bias": True,
        },
        "build_config": {"input_shape": [None, 8, 8, 3]},
        "name": name,
        "inbound_nodes": [
            {
                "args": [
                    {
                        "class_name": "__keras_tensor__",
                        "config": {
                            "shape": [None, 8, 8, 3],
                            "dtype": "float32",
                            "keras_history": [inbound, 0, 0],
                        },
                    }
                ],
                "kwargs": {},
            }
        ],
    }


def _functional3(*layers: dict[str, Any]) -> dict[str, Any]:
    inp = {
        "module": "keras.layers",
        "class_name": "InputLayer",
        "registered_name": None,
        "config": {
            "batch_shape": [None, 8, 8, 3],
            "dtype": "float32",
            "sparse": False,
            "name": "input_layer",
        },
        "name": "input_layer",
        "inbound_nodes": [],
    }
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": "functional",
            "trainable": True,
            "layers": [inp, *layers],
            "input_layers": [["input_layer", 0, 0]],
            "output_layers": [[layers[-1]["name"], 0, 0]],
        },
        "registered_name": "Functional",
        "build_config": {"input_shape": None},
    }


def write(tmp_path: Path, data: Any, name: str = "model.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_keras3_functional_linear(tmp_path: Path) -> None:
    data = _functional3(_conv3("conv2d", 4, "input_layer"), _conv3("conv2d_1", 8, "conv2d"))
    t = trace(load_keras(write(tmp_path, data)))
    assert [(r.name, r.output_shape, r.params) for r in t.rows] == [
        ("conv2d", (8, 8, 4), 3 * 3 * 3 * 4 + 4),
        ("conv2d_1", (8, 8, 8), 3 * 3 * 4 * 8 + 8),
    ]


def test_keras3_functional_branches_meet_in_an_add(tmp_path: Path) -> None:
    add = {
        "module": "keras.layers",
        "class_name": "Add",
        "config": {"name": "add"},
        "name": "add",
        "inbound_nodes": [
            {
                "args": [
                    [
                        {
                            "class_name": "__keras_tensor__",
                            "config": {"keras_history": ["conv2d", 0, 0]},
                        },
                        {
                            "class_name": "__keras_tensor__",
                            "config": {"keras_history": ["input_layer", 0, 0]},
                        },
                    ]
                ],
                "kwargs": {},
            }
        ],
    }
    path = write(tmp_path, _functional3(_conv3("conv2d", 3, "input_layer"), add))
    model = load_keras(path)
    assert [(n.name, n.inputs) for n in model.nodes] == [
        ("conv2d", ("",)),
        ("add", ("conv2d", "")),
    ]


def test_keras2_functional_with_tuples(tmp_path: Path) -> None:
    """TF 2.x's Keras 2: ``[[[name, 0, 0, {}]]]`` inbound nodes, string dtypes, and tuples as
    ``__tuple__`` objects (as in SavedModel metadata)."""
    data = {
        "class_name": "Functional",
        "config": {
            "name": "model",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "name": "input_1",
                    "inbound_nodes": [],
                    "config": {
                        "batch_input_shape": {
                            "class_name": "__tuple__",
                            "items": [None, 28, 28, 1],
                        },
                        "dtype": "float32",
                        "sparse": False,
                        "ragged": False,
                        "name": "input_1",
                    },
                },
                {
                    "class_name": "Conv2D",
                    "name": "conv2d",
                    "inbound_nodes": [[["input_1", 0, 0, {}]]],
                    "config": {
                        "name": "conv2d",
                        "trainable": True,
                        "dtype": "float32",
                        "filters": 16,
                        "kernel_size": {"class_name": "__tuple__", "items": [5, 5]},
                        "strides": {"class_name": "__tuple__", "items": [1, 1]},
                        "padding": "valid",
                        "data_format": "channels_last",
                        "dilation_rate": [1, 1],
                        "groups": 1,
                        "activation": "relu",
                        "use_bias": True,
                    },
                },
                {
                    "class_name": "GlobalMaxPooling2D",
                    "name": "gmp",
                    "inbound_nodes": [[["conv2d", 0, 0, {}]]],
                    "config": {
                        "name": "gmp",
                        "trainable": True,
                        "dtype": "float32",
                        "data_format": "channels_last",
                        "keepdims": False,
                    },
                },
            ],
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["gmp", 0, 0]],
        },
        "keras_version": "2.15.0",
        "backend": "tensorflow",
    }
    t = trace(load_keras(write(tmp_path, data)))
    assert [(r.name, r.output_shape, r.params) for r in t.rows] == [
        ("conv2d", (24, 24, 16), 5 * 5 * 16 + 16),
        ("gmp", (16,), 0),
    ]


def _sequential2(*layers: dict[str, Any]) -> dict[str, Any]:
    return {
        "class_name": "Sequential",
        "config": {"name": "sequential", "layers": list(layers)},
        "keras_version": "2.15.0",
        "backend": "tensorflow",
    }


def _input2(shape: list[Any]) -> dict[str, Any]:
    return {
        "class_name": "InputLayer",
        "config": {"batch_input_shape": shape, "dtype": "float32", "name": "input_1"},
    }


def test_input_option_overrides_and_fills_in(tmp_path: Path) -> None:
    flat = {"class_name": "Flatten", "config": {"name": "flatten"}}
    path = write(tmp_path, _sequential2(_input2([None, None, None, 3]), flat))
    with pytest.raises(PoolvizError) as err:
        load_keras(path)
    assert err.value.exit_code == 2
    assert err.value.message == (
        "'model.json' does not give its input's height, width and "
        "channels; give them with --input HxWxC"
    )
    assert load_keras(path, (4, 4, 3)).input_shape == (4, 4, 3)
    assert load_keras(SAMPLES / "keras_mnist.json", (56, 56, 1)).input_shape == (56, 56, 1)


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (
            {"class_name": "Lambda", "config": {"name": "lambda"}},
            "layer 'lambda' is a Lambda, which poolviz does not trace; it reads 2-D convolution, "
            "pooling, dense, normalization, merge and reshaping layers",
        ),
        (
            {"class_name": "Conv2D", "config": {"name": "c", "kernel_size": 3}},
            "layer 'c' (Conv2D) has an unreadable config ('filters')",
        ),
        (
            {
                "class_name": "Conv2D",
                "config": {"name": "c", "filters": 2, "kernel_size": 3, "padding": "causal"},
            },
            "layer 'c' (Conv2D) has an unreadable config (padding 'causal'; Keras uses valid or "
            "same)",
        ),
        (
            {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": 1}},
            "layer 'bn' (BatchNormalization) has an unreadable config (axis 1; poolviz reads "
            "BatchNormalization over channels last)",
        ),
    ],
)
def test_refused_layers(tmp_path: Path, layer: dict[str, Any], message: str) -> None:
    path = write(tmp_path, _sequential2(_input2([None, 8, 8, 3]), layer))
    with pytest.raises(PoolvizError) as err:
        load_keras(path)
    assert (err.value.message, err.value.exit_code) == (f"{str(path)!r}: {message}", 1)


def test_keras_layer_readers(tmp_path: Path) -> None:
    layers = [
        _input2([None, 8, 8, 2]),
        {"class_name": "ZeroPadding2D", "config": {"name": "z", "padding": 1}},
        {"class_name": "ZeroPadding2D", "config": {"name": "z2", "padding": [[0, 1], [2, 0]]}},
        {
            "class_name": "AveragePooling2D",
            "config": {"name": "a", "pool_size": [2, 2], "strides": None, "padding": "same"},
        },
        {"class_name": "ReLU", "config": {"name": "r6", "max_value": 6.0}},
        {"class_name": "ReLU", "config": {"name": "lr", "negative_slope": 0.1}},
        {"class_name": "Activation", "config": {"name": "lin", "activation": "linear"}},
        {
            "class_name": "Dense",
            "config": {"name": "d", "units": 3, "use_bias": False, "activation": "linear"},
        },
    ]
    t = trace(load_keras(write(tmp_path, _sequential2(*layers))))
    assert [(r.name, r.output_shape, r.activation, r.params) for r in t.rows] == [
        ("z", (10, 10, 2), None, 0),
        ("z2", (11, 12, 2), None, 0),
        ("a", (6, 6, 2), None, 0),
        ("r6", (6, 6, 2), "relu6", 0),
        ("lr", (6, 6, 2), "leaky_relu", 0),
        ("lin", (6, 6, 2), "linear", 0),
        ("d", (6, 6, 3), None, 6),
    ]


def test_old_keras2_config_as_a_list(tmp_path: Path) -> None:
    data = {
        "class_name": "Sequential",
        "config": [
            {
                "class_name": "Conv2D",
                "config": {
                    "name": "conv2d_1",
                    "batch_input_shape": [None, 6, 6, 1],
                    "filters": 2,
                    "kernel_size": [3, 3],
                },
            }
        ],
        "keras_version": "2.1.6",
    }
    assert trace(load_keras(write(tmp_path, data))).rows[0].output_shape == (4, 4, 2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "nope",
            " is not JSON (line 1, column 1: Expecting value); save the model with model.to_json()",
        ),
        (
            '{"a": 1}',
            ": not a Keras model; expected the JSON of model.to_json(), whose "
            "class_name is Sequential or Functional",
        ),
        (
            '{"class_name": "Sequential", "config": {}}',
            ": the model has no 'layers' list; is this model.to_json() output?",
        ),
        (
            '{"class_name": "Sequential", "config": {"layers": [3]}}',
            ": a layer entry has no class_name; is this model.to_json() output?",
        ),
        (
            '{"class_name": "Sequential", "config": {"layers": []}}',
            ": the model has no layers; poolviz traces a model with at least one layer, such as "
            "Conv2D, MaxPooling2D, Flatten or Dense",
        ),
        (
            '{"class_name": "Sequential", "config": {"layers": [{"class_name": "InputLayer", '
            '"config": {"name": "in", "batch_input_shape": [null, 28, 28, 1]}}]}}',
            ": the model has no layers but its InputLayer; poolviz traces a model with at least "
            "one layer, such as Conv2D, MaxPooling2D, Flatten or Dense",
        ),
    ],
)
def test_files_whose_content_cannot_be_used_exit_1(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "m.json"
    path.write_text(content)
    with pytest.raises(PoolvizError) as err:
        load_keras(path)
    assert (err.value.message, err.value.exit_code) == (f"{str(path)!r}{message}", 1)


def test_binary_file_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(b"\x89HDF\xff\xfe")
    with pytest.raises(PoolvizError) as err:
        load_keras(path)
    assert (err.value.message, err.value.exit_code) == (
        f"{path}: not a text file (not UTF-8); give a Keras model saved with model.to_json()",
        1,
    )


def test_empty_file_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(b"")
    with pytest.raises(PoolvizError) as err:
        load_keras(path)
    assert (err.value.message, err.value.exit_code) == (f"{path}: the file is empty", 1)


def test_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(b"\xef\xbb\xbf" + (SAMPLES / "keras_mnist.json").read_bytes())
    assert load_keras(path).input_shape == (28, 28, 1)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, {})
    path.chmod(0)
    with pytest.raises(PoolvizError) as err:
        load_keras(path)
    assert (err.value.message, err.value.exit_code) == (
        f"{path}: cannot read: permission denied",
        1,
    )


def test_missing_file_and_directory_exit_2(tmp_path: Path) -> None:
    """The file is read by the loaders, with their messages and exit codes."""
    with pytest.raises(PoolvizError) as err:
        load_keras(tmp_path / "none.json")
    assert (err.value.message, err.value.hint, err.value.exit_code) == (
        f"{tmp_path / 'none.json'}: no such file",
        "give a Keras model saved with model.to_json()",
        2,
    )
    with pytest.raises(PoolvizError) as err:
        load_keras(tmp_path)
    assert (err.value.message, err.value.exit_code) == (
        f"{tmp_path}: is a folder; give a file inside it",
        2,
    )


def test_samples_by_name() -> None:
    for name in KERAS_SAMPLES:
        assert keras_sample(name).name == f"{name}.json"
    assert keras_sample("keras_mnist", (32, 32, 1)).input_shape == (32, 32, 1)
    with pytest.raises(PoolvizError) as err:
        keras_sample("mnist")
    assert (err.value.message, err.value.exit_code) == (
        "there is no Keras sample 'mnist'; use keras_mnist or keras2_cnn",
        2,
    )


def test_load_model_tells_files_from_specs_and_builtins(tmp_path: Path) -> None:
    assert load_model("mnist").name == "mnist"
    assert load_model(str(SAMPLES / "keras2_cnn.json")).name == "keras2_cnn.json"
    assert load_model("conv 8 3").name == "spec"
    with pytest.raises(PoolvizError, match="no such file"):
        load_model("missing.json")
    with pytest.raises(PoolvizError, match="is a folder"):
        load_model(str(tmp_path) + "/")
