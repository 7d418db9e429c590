"""Keras models saved channels_first, read in their own order: the input ``[batch, c, h, w]``,
BatchNormalization's and Concatenate's axis 1 as channels, Permute's axes, a mix refused; and
the unknown-layer message in one short line with a did-you-mean hint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from poolviz.errors import PoolvizError
from poolviz.model.keras import CHANNELS_FIRST_NOTE, load_keras
from poolviz.model.trace import trace
from tests import cli

FIRST = {"data_format": "channels_first"}


def tensor(name: str) -> dict[str, Any]:
    return {"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0, 0]}}


def layer(cls: str, name: str, reads: list[str], **config: Any) -> dict[str, Any]:
    """A Keras 3 functional layer entry reading ``reads`` (a list for a merge)."""
    args: Any = [tensor(r) for r in reads]
    return {
        "class_name": cls,
        "config": {"name": name, **config},
        "inbound_nodes": [{"args": [args] if len(reads) > 1 else args, "kwargs": {}}],
    }


def functional(*layers: dict[str, Any], shape: list[Any]) -> dict[str, Any]:
    entry = {"class_name": "InputLayer", "config": {"name": "x", "batch_shape": shape}}
    return {
        "class_name": "Functional",
        "config": {"name": "cf", "layers": [{**entry, "inbound_nodes": []}, *layers]},
        "keras_version": "3.15.1",
    }


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "cf.json"
    path.write_text(json.dumps(data))
    return path


def channels_first_model() -> dict[str, Any]:
    """conv 8 3x3 same, BatchNorm axis 1, maxpool 2, a 1x1 conv 4 beside it, concatenated
    on axis 1 (channels), global average, dense 10: all channels_first, on 3x12x12."""
    return functional(
        layer("Conv2D", "conv", ["x"], filters=8, kernel_size=[3, 3], padding="same", **FIRST),
        layer("BatchNormalization", "bn", ["conv"], axis=1),
        layer("MaxPooling2D", "pool", ["bn"], pool_size=[2, 2], **FIRST),
        layer("Conv2D", "side", ["pool"], filters=4, kernel_size=[1, 1], **FIRST),
        layer("Concatenate", "cat", ["pool", "side"], axis=1),
        layer("GlobalAveragePooling2D", "gap", ["cat"], **FIRST),
        layer("Dense", "fc", ["gap"], units=10),
        shape=[None, 3, 12, 12],
    )


def test_a_channels_first_model_reads_in_its_own_order(tmp_path: Path) -> None:
    """Shapes and parameter counts as Keras's summary gives them, (c, h, w) turned to
    (h, w, c): conv 3*9*8 + 8 = 224, BatchNorm 2*8 (and 2*8 moving), side 8*4 + 4 = 36,
    dense 12*10 + 10 = 130."""
    model = load_keras(write(tmp_path, channels_first_model()))
    assert model.input_shape == (12, 12, 3)
    assert model.notes == (CHANNELS_FIRST_NOTE,)
    rows = {r.name: r for r in trace(model).rows}
    assert {n: (r.output_shape, r.params) for n, r in rows.items()} == {
        "conv": ((12, 12, 8), 224),
        "bn": ((12, 12, 8), 16),
        "pool": ((6, 6, 8), 0),
        "side": ((6, 6, 4), 36),
        "cat": ((6, 6, 12), 0),
        "gap": ((12,), 0),
        "fc": ((10,), 130),
    }
    assert rows["bn"].non_trainable == 16


def test_the_file_s_order_with_order_nchw(tmp_path: Path) -> None:
    path = str(write(tmp_path, channels_first_model()))
    code, out, err = cli.run("trace", path, "--order", "nchw", "--compare", "none")
    assert (code, err) == (0, "")
    assert "(batch, 12, 6, 6)" in out and "cf.json, input (batch, 3, 12, 12)" in out
    assert "The file is channels_first" in " ".join(out.split())


@pytest.mark.parametrize(
    ("dims", "shape"),
    [
        ([2, 3, 1], (6, 12, 6)),  # file (c, h, w) -> (h, w, c): read as c=6, h=6, w=12
        ([1, 3, 2], (5, 6, 12)),  # swaps height and width
    ],
)
def test_permute_in_the_file_s_axes(
    tmp_path: Path, dims: list[int], shape: tuple[int, ...]
) -> None:
    data = functional(
        layer("Conv2D", "conv", ["x"], filters=12, kernel_size=[1, 1], **FIRST),
        layer("Permute", "perm", ["conv"], dims=dims),
        shape=[None, 3, 6, 5] if dims == [1, 3, 2] else [None, 3, 6, 6],
    )
    rows = trace(load_keras(write(tmp_path, data))).rows
    assert rows[-1].output_shape == shape


def test_mixed_data_formats_are_refused(tmp_path: Path) -> None:
    data = functional(
        layer("MaxPooling2D", "a", ["x"], pool_size=[2, 2], **FIRST),
        layer("MaxPooling2D", "b", ["a"], pool_size=[2, 2], data_format="channels_last"),
        shape=[None, 3, 8, 8],
    )
    path = write(tmp_path, data)
    with pytest.raises(PoolvizError) as err:
        load_keras(path)
    assert err.value.message == (
        f"{str(path)!r}: its layers mix channels_first and channels_last; poolviz reads a model "
        "whose layers share one data_format"
    )


def test_an_unknown_layer_is_one_short_line_with_a_hint(tmp_path: Path) -> None:
    data = functional(layer("Conv3D", "c3", ["x"], filters=2), shape=[None, 8, 8, 3])
    path = str(write(tmp_path, data))
    code, out, err = cli.run("trace", path)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"error: {path!r}: layer 'c3' is a Conv3D, which poolviz does not trace; it reads 2-D "
        "convolution, pooling, dense, normalization, merge and reshaping layers",
        "did you mean 'Conv2D'?",
    ]


@pytest.mark.parametrize(
    ("data_format", "batch_shape", "shape"),
    [
        ("channels_last", [None, 10, 10, 3], (4, 5, 3)),
        ("channels_first", [None, 3, 10, 10], (4, 5, 3)),
    ],
)
def test_adaptive_layers_as_keras_writes_them(
    tmp_path: Path, data_format: str, batch_shape: list[Any], shape: tuple[int, ...]
) -> None:
    """The config keys of Keras 3.15's AdaptiveAveragePooling2D/AdaptiveMaxPooling2D
    ``get_config`` (keras/src/layers/pooling/adaptive_average_pooling2d.py): the base
    layer's, then ``output_size`` (a tuple, a list in JSON) and ``data_format``."""
    base = {"trainable": True, "dtype": {"module": "keras", "class_name": "DTypePolicy"}}
    config = {**base, "output_size": [4, 5], "data_format": data_format}
    data = functional(
        layer("AdaptiveAveragePooling2D", "avg", ["x"], **config),
        layer("AdaptiveMaxPooling2D", "max", ["avg"], **config),
        shape=batch_shape,
    )
    rows = trace(load_keras(write(tmp_path, data))).rows
    assert [(r.kind, r.output_shape) for r in rows] == [
        ("adaptiveavgpool", shape),
        ("adaptivemaxpool", shape),
    ]
    # 10 -> 4 rows: bins of 3 overlapping at 2 and 7; 10 -> 5 columns: windows of 2
    assert rows[0].receptive_field == (3, 2)
