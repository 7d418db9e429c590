"""Capturing pooling nodes: hand-built ONNX graphs with known weights give exact maps, every
pooling kind's recomputation matches onnxruntime, and the bundled model's captures are
onnxruntime's own values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from poolviz.errors import PoolvizError
from poolviz.features import graph as graphs
from poolviz.features import numpy_run
from poolviz.features.capture import Check, pooling_nodes
from poolviz.features.channels import channel_view, most_active, select
from poolviz.features.run import Runner, features, wanted_values

onnx = pytest.importorskip("onnx", reason="onnx (the run extra) is not installed")
pytest.importorskip("onnxruntime", reason="onnxruntime (the run extra) is not installed")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def pooled_model(
    tmp_path: Path,
    op_type: str,
    attributes: dict[str, Any] | None = None,
    *,
    channels: int = 1,
    side: int | str = 4,
    extra_inputs: tuple[np.ndarray, ...] = (),
    opset: int = 13,
) -> Path:
    """x (1, C, side, side) -> a 1x1 Conv that copies each channel -> one ``op_type`` node."""
    weight = np.eye(channels, dtype=np.float32).reshape(channels, channels, 1, 1)
    inits = [
        numpy_helper.from_array(weight, "w"),
        numpy_helper.from_array(np.zeros(channels, np.float32), "b"),
    ]
    names = ["conv"]
    for k, value in enumerate(extra_inputs):
        inits.append(numpy_helper.from_array(value, f"extra{k}"))
        names.append(f"extra{k}")
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["conv"], name="copy"),
        helper.make_node(op_type, names, ["y"], name="pool", **(attributes or {})),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, side, side])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    path = tmp_path / f"{op_type}.onnx"
    onnx.save(model, str(path))
    return path


X = np.array([[1, 3, 2, 1], [5, 6, 8, 4], [2, 4, 7, 3], [1, 0, 3, 2]], dtype=np.float32)
"""The worked 4x4 example: 2x2 max pooling gives 6 8 / 4 7."""


def run(path: Path, x: np.ndarray = X) -> Any:
    model = graphs.read_onnx(path, path.name)
    return features(model, np.ascontiguousarray(x.reshape(1, -1, *x.shape[-2:])))


def test_max_pool_of_the_worked_example_is_exact(tmp_path: Path) -> None:
    result = run(pooled_model(tmp_path, "MaxPool", {"kernel_shape": [2, 2], "strides": [2, 2]}))
    (cap,) = result.captures
    assert cap.after[:, :, 0].tolist() == [[6, 8], [4, 7]]
    assert cap.check == Check(True, 0.0, 0.0)
    assert cap.indices is not None and cap.indices[:, :, 0].tolist() == [[5, 6], [9, 10]]
    assert cap.before[:, :, 0].tolist() == X.tolist()
    view = channel_view(cap, 0)
    # winners 6, 8, 4, 7 of a positive mass of 52
    assert view.share == pytest.approx(25 / 52) and view.flat == 0
    assert np.argwhere(view.winners).tolist() == [[1, 1], [1, 2], [2, 1], [2, 2]]


@pytest.mark.parametrize(
    ("op_type", "attributes", "expected"),
    [
        ("AveragePool", {"kernel_shape": [2, 2], "strides": [2, 2]}, [[3.75, 3.75], [1.75, 3.75]]),
        # count_include_pad 0 (ONNX's default): the corner window averages its one real cell
        ("AveragePool", {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [1, 1, 1, 1]},
         [[1, 2.5, 1], [3.5, 6.25, 3.5], [1, 1.5, 2]]),
        ("AveragePool", {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [1, 1, 1, 1],
                         "count_include_pad": 1}, [[0.25, 1.25, 0.25], [1.75, 6.25, 1.75], [0.25, 0.75, 0.5]]),
        # asymmetric pads, ceil mode: 3x3 windows stride 2, one row/column padded after
        ("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [0, 0, 1, 1]}, [[8, 8], [7, 7]]),
        ("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}, [[8, 8], [7, 7]]),
        ("MaxPool", {"kernel_shape": [2, 2], "auto_pad": "SAME_LOWER", "strides": [3, 3]}, [[1, 2], [2, 7]]),
        ("LpPool", {"kernel_shape": [2, 2], "strides": [2, 2], "p": 1}, [[15, 15], [7, 15]]),
        ("GlobalMaxPool", {}, [[8]]),
        ("GlobalAveragePool", {}, [[52 / 16]]),
        ("ReduceMax", {"axes": [2, 3], "keepdims": 1}, [[8]]),
        ("ReduceMean", {"axes": [-2, -1]}, [[52 / 16]]),
    ],
)  # fmt: skip
def test_each_pooling_kind_gives_the_expected_map(
    tmp_path: Path, op_type: str, attributes: dict[str, Any], expected: list[list[float]]
) -> None:
    (cap,) = run(pooled_model(tmp_path, op_type, attributes)).captures
    np.testing.assert_allclose(cap.after[:, :, 0], expected, rtol=1e-6)
    np.testing.assert_allclose(cap.recomputed[:, :, 0], expected, rtol=1e-6)
    assert cap.check.ok
    if op_type in ("MaxPool", "GlobalMaxPool", "ReduceMax"):
        assert cap.check.exact


def test_lp_pool_of_two_is_the_root_of_the_sum_of_squares(tmp_path: Path) -> None:
    x = -X  # ONNX's LpPool takes |x|: the signs do not matter
    (cap,) = run(
        pooled_model(tmp_path, "LpPool", {"kernel_shape": [2, 2], "strides": [2, 2], "p": 2}), x
    ).captures
    assert cap.after[0, 0, 0] == pytest.approx(np.sqrt(1 + 9 + 25 + 36))
    assert cap.check.ok


def test_reduce_mean_takes_its_axes_as_an_input_from_opset_18(tmp_path: Path) -> None:
    path = pooled_model(
        tmp_path,
        "ReduceMean",
        {"keepdims": 1},
        extra_inputs=(np.array([2, 3], np.int64),),
        opset=18,
    )
    (cap,) = run(path).captures
    assert cap.pool.describe() == "ReduceMean over H, W" and cap.check.ok


def test_a_reduction_over_channels_is_not_pooling(tmp_path: Path) -> None:
    path = pooled_model(tmp_path, "ReduceMean", {"axes": [1], "keepdims": 1})
    with pytest.raises(PoolvizError) as err:
        pooling_nodes(graphs.read_onnx(path, "ReduceMean.onnx"))
    assert err.value.message == (
        "ReduceMean.onnx has no pooling node (its ops: Conv, ReduceMean); poolviz features "
        "shows MaxPool, AveragePool, LpPool, GlobalMaxPool, GlobalAveragePool, GlobalLpPool, "
        "ReduceMean, ReduceMax"
    )
    assert err.value.exit_code == 1


def test_random_large_maps_match_for_every_kind(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 37, 29)).astype(np.float32) * 100
    for op_type, attributes in [
        ("AveragePool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 1, 2]}),
        ("MaxPool", {"kernel_shape": [3, 2], "strides": [2, 3], "dilations": [2, 1]}),
        ("GlobalAveragePool", {}),
        ("LpPool", {"kernel_shape": [2, 2], "strides": [1, 1], "p": 3}),
    ]:
        (cap,) = run(pooled_model(tmp_path, op_type, attributes, channels=3, side="s"), x).captures
        assert cap.check.ok, (op_type, cap.check)


def test_bundled_captures_are_onnxruntimes_values() -> None:
    from poolviz.features.onnx_run import Session

    bundled = graphs.read_bundled()
    rng = np.random.default_rng(1)
    image = rng.random((1, 1, 28, 28), dtype=np.float32)
    result = features(bundled, image)
    assert result.runner == "onnxruntime"
    assert [c.pool.name for c in result.captures] == ["/pool1/MaxPool", "/pool2/MaxPool"]
    # the model as given (no outputs added) answers the same, bit for bit
    plain = Session(bundled.path, [], "digits.onnx").run(image)["logits"]
    assert np.array_equal(plain[0], result.output)
    ours = numpy_run.run(bundled, image)
    for cap in result.captures:
        assert cap.check.exact
        theirs = ours[cap.pool.node.outputs[0]][0].transpose(1, 2, 0)
        np.testing.assert_allclose(cap.after, theirs, rtol=0, atol=1e-5)


def test_the_bundled_model_runs_without_onnxruntime(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "onnxruntime" else real(name, *a),
    )
    bundled = graphs.read_bundled()
    runner = Runner(bundled, wanted_values(pooling_nodes(bundled)))
    assert runner.name == "NumPy (onnxruntime is not installed)"
    image = np.zeros((1, 1, 28, 28), np.float32)
    result = features(bundled, image, runner)
    assert all(c.check.exact for c in result.captures)


def test_most_active_channels_rank_by_positive_mass(tmp_path: Path) -> None:
    x = np.stack([X, -X, 2 * X])
    (cap,) = run(
        pooled_model(tmp_path, "MaxPool", {"kernel_shape": [2, 2], "strides": [2, 2]}, channels=3),
        x,
    ).captures
    assert most_active(cap, 2) == (2, 0)
    assert select(cap, (1,), None) == (1,)
    assert channel_view(cap, 1).share is None  # no positive value
    with pytest.raises(PoolvizError) as err:
        select(cap, (3,), None)
    assert err.value.message == "--channel 3 does not exist: pool has 3 channels; use 0-2"


def test_memory_budget_refuses_large_captures() -> None:
    bundled = graphs.read_bundled()
    with pytest.raises(PoolvizError) as err:
        features(bundled, np.zeros((1, 1, 28, 28), np.float32), max_memory=1000)
    assert err.value.message == (
        "digits.onnx: checking its pooling nodes would need about 142.1 KiB, over the memory "
        "budget of 1000 bytes; raise --max-memory"  # the bundled model fixes its size
    )
    with pytest.raises(PoolvizError) as err:
        features(bundled, np.zeros((1, 1, 28, 28), np.float32), None, 1000, "--resize")
    assert err.value.message.endswith("raise --max-memory or shrink it (--resize)")


def test_shift_table_of_the_worked_example(tmp_path: Path) -> None:
    from poolviz.features.shifts import measure

    path = pooled_model(tmp_path, "MaxPool", {"kernel_shape": [2, 2], "strides": [2, 2]})
    model = graphs.read_onnx(path, path.name)
    pools = pooling_nodes(model)
    runner = Runner(model, wanted_values(pools))

    def run(x: np.ndarray) -> dict[str, np.ndarray]:
        return runner.run(np.ascontiguousarray(x.astype(np.float32).transpose(2, 0, 1)[None]))

    table = measure(run, X[:, :, None].astype(np.float64), pools, model.output, 2, 1, "x")
    assert table.shifts == (1, 2)
    pool, output = table.rows
    # one column right: 6 8 / 4 7 becomes 5 8 / 2 7; two: 0 6 / 0 4
    assert pool.unchanged == (0.5, 0.0) and output.unchanged == (0.5, 0.0)
    assert pool.change == pytest.approx((3 / 25, 15 / 25))
    assert (pool.depth, output.depth, output.name) == (1, 2, "output")
    assert table.top_class == 1 and table.top_kept == (True, True)
    assert table.trend() == "same"
    with pytest.raises(PoolvizError) as err:
        measure(run, X[:, :, None].astype(np.float64), pools, model.output, 2, 2, "y")
    assert err.value.message == (
        "--shifts 2 --by 2 moves the image 4 pixels, past its 4-pixel side; use at most 1 "
        "shift of 2"
    )


def test_a_torch_cnn_exported_to_onnx_checks_every_pooling_node(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="torch (test-only) is not installed")
    import warnings

    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(3, stride=2, ceil_mode=True),
        nn.Conv2d(6, 8, 3),
        nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 5),
    ).eval()
    path = tmp_path / "torch.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation notes
        torch.onnx.export(model, (torch.zeros(1, 3, 30, 30),), str(path), dynamo=False)
    image = np.random.default_rng(0).random((1, 3, 30, 30), dtype=np.float32)
    result = features(graphs.read_onnx(path, "torch.onnx"), image)
    assert [c.pool.node.op_type for c in result.captures] == [
        "MaxPool", "AveragePool", "GlobalAveragePool",
    ]  # fmt: skip
    assert [c.after.shape for c in result.captures] == [(15, 15, 6), (7, 7, 8), (1, 1, 8)]
    assert all(c.check.ok for c in result.captures)
    assert result.captures[0].check.exact
    with torch.no_grad():
        expected = model(torch.from_numpy(image)).numpy()[0]
    np.testing.assert_allclose(result.output, expected, rtol=1e-5, atol=1e-6)


def test_a_pooling_node_poolviz_cannot_read_names_the_node(tmp_path: Path) -> None:
    path = pooled_model(tmp_path, "MaxPool", {"kernel_shape": [2, 2], "auto_pad": "EVEN"})
    with pytest.raises(PoolvizError) as err:
        pooling_nodes(graphs.read_onnx(path, "MaxPool.onnx"))
    assert err.value.exit_code == 1
    assert err.value.message == (
        "MaxPool.onnx, node pool: MaxPool has auto_pad 'EVEN'; ONNX allows NOTSET, SAME_UPPER, "
        "SAME_LOWER, VALID"
    )


def test_a_photo_through_a_larger_model(tmp_path: Path) -> None:
    """Random conv weights, three pooling kinds, the image's own size (symbolic H, W)."""
    from PIL import Image

    from poolviz.features.preprocess import fit_channels, input_spec, normalise

    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
    w2 = rng.standard_normal((8, 8, 3, 3)).astype(np.float32) / 8
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node(
            "AveragePool", ["c2"], ["p2"], name="pool2", kernel_shape=[3, 3], strides=[2, 2],
            pads=[1, 1, 1, 1], ceil_mode=1,
        ),
        helper.make_node("GlobalAveragePool", ["p2"], ["y"], name="gap"),
    ]  # fmt: skip
    graph = helper.make_graph(
        nodes,
        "larger",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", "w"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")],
    )
    path = tmp_path / "larger.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    model = graphs.read_onnx(path, "larger.onnx")
    spec = input_spec(model.input_shape, "larger.onnx")
    assert (spec.layout, spec.channels, spec.size) == ("nchw", 3, (None, None))
    photo = Path(__file__).parent.parent / "poolviz" / "samples" / "photo.jpg"
    scaled, notes = fit_channels(np.asarray(Image.open(photo), dtype=np.float64), "uint8", spec)
    assert notes == [] and scaled.shape == (240, 320, 3)
    result = features(model, normalise(scaled, spec, (0.5,), (0.25,)))
    # ceil mode: (120 + 2 - 3) / 2 = 59.5 rounds up to 60 strides, 61 windows
    assert [c.after.shape for c in result.captures] == [(120, 160, 8), (61, 81, 8), (1, 1, 8)]
    assert [c.check.verdict() for c in result.captures][0] == "equal"
    assert all(c.check.ok for c in result.captures)
