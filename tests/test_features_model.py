"""The bundled digit model: its size, its two files agreeing, and the NumPy forward pass
against onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from poolviz.errors import PoolvizError
from poolviz.features import graph, numpy_run
from poolviz.features.graph import Graph, Node

DIGIT = graph.bundled_file("digits.onnx").parent.parent / "samples" / "digit.png"


def digit() -> np.ndarray:
    """The bundled digit as the model takes it: (1, 1, 28, 28) float32 in [0, 1]."""
    return (np.asarray(Image.open(DIGIT), dtype=np.float32) / 255)[None, None]


def test_the_bundled_files_are_small() -> None:
    sizes = [graph.bundled_file(name).stat().st_size for name in ("digits.onnx", "digits.npz")]
    assert all(10_000 < size < 200_000 for size in sizes), sizes


def test_the_bundled_graph_is_the_texts_shape() -> None:
    bundled = graph.read_bundled()
    assert [n.op_type for n in bundled.nodes] == [
        "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm",
    ]  # fmt: skip
    assert bundled.input_shape == (None, 1, 28, 28)
    assert (bundled.input, bundled.output) == ("image", "logits")
    assert bundled.initializers["conv1.weight"].shape == (8, 1, 3, 3)
    assert bundled.initializers["fc.weight"].shape == (10, 400)


def test_the_npz_holds_the_onnx_files_graph() -> None:
    onnx = pytest.importorskip("onnx", reason="onnx (the run extra) is not installed")
    bundled = graph.read_bundled()
    path = graph.bundled_file("digits.onnx")
    assert graph.read_onnx(path, "digits.onnx").nodes == bundled.nodes
    model = onnx.load(str(path))
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    assert weights.keys() == bundled.initializers.keys()
    for name, array in weights.items():
        assert np.array_equal(array, bundled.initializers[name]), name


def test_numpy_forward_equals_onnxruntime_within_float32_rounding() -> None:
    pytest.importorskip("onnxruntime", reason="onnxruntime (the run extra) is not installed")
    from poolviz.features import onnx_run

    bundled = graph.read_bundled()
    rng = np.random.default_rng(0)
    images = np.concatenate([digit(), rng.random((3, 1, 28, 28), dtype=np.float32)])
    wanted = [node.outputs[0] for node in bundled.nodes]
    ours = numpy_run.run(bundled, images)
    theirs = onnx_run.Session(graph.bundled_file("digits.onnx"), wanted, "digits").run(images)
    for name in wanted:
        a, b = ours[name], theirs[name]
        assert a.dtype == b.dtype == np.float32 and a.shape == b.shape, name
        # float32 rounding of sums in another order: a few units in the last place of the
        # largest value
        np.testing.assert_allclose(a, b, rtol=0, atol=8 * np.spacing(np.abs(b).max()), err_msg=name)
    assert ours["logits"][0].argmax() == theirs["logits"][0].argmax() == 7


def test_numpy_forward_classifies_the_bundled_digit_as_seven() -> None:
    logits = numpy_run.run(graph.read_bundled(), digit())["logits"]
    assert logits.shape == (1, 10) and logits[0].argmax() == 7


def test_numpy_max_pool_takes_pads_as_minus_infinity() -> None:
    x = -np.arange(1, 10, dtype=np.float32).reshape(1, 1, 3, 3)
    out = numpy_run.max_pool([x], {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [1, 1, 0, 0]})
    assert out[0, 0].tolist() == [[-1.0, -2.0], [-4.0, -5.0]]


def test_numpy_forward_refuses_other_layers() -> None:
    model = Graph("m.onnx", (Node("/pool", "AveragePool", ("x",), ("y",)),), "x", (1, 1, 4, 4), "y")
    with pytest.raises(PoolvizError) as err:
        numpy_run.run(model, np.zeros((1, 1, 4, 4), np.float32))
    assert err.value.message == (
        "the NumPy forward pass runs the bundled model's layers only, not AveragePool "
        "(node /pool); pip install 'poolviz[run]'"
    )
