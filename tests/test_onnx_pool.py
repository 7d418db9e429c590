"""ONNX pooling attributes as poolviz pooling: defaults, padding per side, both SAME modes,
ceil mode, and every output size against onnxruntime run on zeros (where installed)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from poolviz.errors import PoolvizError
from poolviz.model.onnx_pool import onnx_pooling


def sizes(op: str, attrs: dict[str, Any], h: int, w: int) -> tuple[int, int]:
    ah, aw = onnx_pooling(op, attrs).axes(h, w)
    return ah.out, aw.out


def test_defaults_are_onnx_not_pytorch() -> None:
    pool = onnx_pooling("AveragePool", {"kernel_shape": [2, 2]})
    assert pool.stride == (1, 1)  # ONNX's default stride is 1, not the window
    assert pool.count_include_pad is False and pool.auto_pad == "NOTSET"
    assert sizes("AveragePool", {"kernel_shape": [2, 2]}, 5, 5) == (4, 4)


def test_asymmetric_pads_are_top_left_bottom_right() -> None:
    pool = onnx_pooling(
        "MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [0, 1, 1, 0]}
    )
    ah, aw = pool.axes(6, 6)
    assert (ah.pad_before, ah.pad_after, aw.pad_before, aw.pad_after) == (0, 1, 1, 0)
    assert (ah.out, aw.out) == (3, 3)
    assert pool.padding(6, 6) == (0, 1, 1, 0)
    assert pool.describe() == "MaxPool 3x3 stride 2 pads 0,1,1,0"


def test_same_upper_puts_the_odd_cell_after_lower_before() -> None:
    upper = onnx_pooling("MaxPool", {"kernel_shape": [2, 2], "auto_pad": "SAME_UPPER"})
    lower = onnx_pooling("MaxPool", {"kernel_shape": [2, 2], "auto_pad": b"SAME_LOWER"})
    assert upper.padding(5, 5) == (0, 0, 1, 1)
    assert lower.padding(5, 5) == (1, 1, 0, 0)
    assert sizes(
        "MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_LOWER"}, 7, 8
    ) == (4, 4)


def test_ceil_mode_drops_a_window_that_would_start_in_the_padding() -> None:
    # n=5, k=2, s=2, pads 1+1: ceil((5+2-2)/2)+1 = 4, but window 3 starts at 6-1 = 5 >= n + 1 - 1
    attrs = {"kernel_shape": [2, 1], "strides": [2, 1], "pads": [0, 0, 1, 0], "ceil_mode": 1}
    assert sizes("MaxPool", attrs, 5, 3) == (3, 3)
    attrs["pads"] = [1, 0, 1, 0]
    assert sizes("MaxPool", attrs, 5, 3) == (3, 3)


def test_global_and_lp() -> None:
    g = onnx_pooling("GlobalLpPool", {"p": 3})
    assert g.is_global and g.p == 3 and sizes("GlobalLpPool", {}, 7, 5) == (1, 1)
    assert onnx_pooling("LpPool", {"kernel_shape": [2, 2], "strides": [2, 2]}).describe() == (
        "LpPool 2x2 stride 2 p=2"
    )


@pytest.mark.parametrize(
    ("op", "attrs", "message"),
    [
        ("MaxPool", {}, "MaxPool has no kernel_shape; ONNX requires one"),
        (
            "MaxPool",
            {"kernel_shape": [3]},
            "MaxPool pools over 1 axes (kernel_shape [3]); poolviz reads pooling over two spatial axes (images)",
        ),
        (
            "MaxPool",
            {"kernel_shape": [2, 2], "auto_pad": "SAME"},
            "MaxPool has auto_pad 'SAME'; ONNX allows NOTSET, SAME_UPPER, SAME_LOWER, VALID",
        ),
        (
            "MaxPool",
            {"kernel_shape": [2, 2], "pads": [1, 1]},
            "MaxPool has strides [1, 1], dilations [1, 1] and pads [1, 1]; over two axes ONNX takes 2, 2 and 4 values",
        ),
        (
            "Conv",
            {},
            "Conv is not an ONNX pooling operator; use one of MaxPool, AveragePool, LpPool, GlobalMaxPool, GlobalAveragePool, GlobalLpPool",
        ),
    ],
)
def test_bad_attributes(op: str, attrs: dict[str, Any], message: str) -> None:
    with pytest.raises(PoolvizError) as err:
        onnx_pooling(op, attrs)
    assert err.value.message == message


def test_a_window_that_does_not_fit() -> None:
    with pytest.raises(
        PoolvizError, match="a MaxPool window of 4 .span 4. does not fit the height of 3"
    ):
        sizes("MaxPool", {"kernel_shape": [4, 1]}, 3, 3)


def _ort_out(op: str, attrs: dict[str, Any], n: int) -> int:
    """The height onnxruntime gives an n x 3 map, run on zeros."""
    np = pytest.importorskip("numpy")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime (poolviz[run]) is not installed")
    from onnx import TensorProto, helper

    node = helper.make_node(op, ["x"], ["y"], **attrs)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, n, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    options = ort.SessionOptions()
    options.log_severity_level = 4
    session = ort.InferenceSession(model.SerializeToString(), options, ["CPUExecutionProvider"])
    out = session.run(None, {"x": np.zeros((1, 1, n, 3), np.float32)})[0]
    return int(out.shape[2])


def test_every_explicit_padding_and_ceil_mode_equals_onnxruntime() -> None:
    pytest.importorskip("onnxruntime", reason="onnxruntime (poolviz[run]) is not installed")
    checked = 0
    for op, n, k, s, before, after, d, ceil in itertools.product(
        ("MaxPool", "AveragePool"),
        range(1, 7),
        (1, 2, 3),
        (1, 2, 3),
        (0, 1, 2),
        (0, 1, 2),
        (1, 2),
        (0, 1),
    ):
        if before >= k or after >= k or d * (k - 1) + 1 > n + before + after:
            continue
        if op == "AveragePool" and d > 1:
            continue
        attrs = {
            "kernel_shape": [k, 1],
            "strides": [s, 1],
            "pads": [before, 0, after, 0],
            "ceil_mode": ceil,
        }
        if op == "MaxPool":
            attrs["dilations"] = [d, 1]
        assert sizes(op, attrs, n, 3)[0] == _ort_out(op, attrs, n), (op, attrs, n)
        checked += 1
    assert checked > 300


def test_auto_pad_equals_onnxruntime_without_dilation() -> None:
    pytest.importorskip("onnxruntime", reason="onnxruntime (poolviz[run]) is not installed")
    for auto, n, k, s, ceil in itertools.product(
        ("SAME_UPPER", "SAME_LOWER", "VALID"), range(1, 8), (1, 2, 3), (1, 2, 3), (0, 1)
    ):
        if k > n or (auto != "VALID" and k < s):
            continue  # onnxruntime refuses a window shorter than its stride under SAME
        attrs = {"kernel_shape": [k, 1], "strides": [s, 1], "auto_pad": auto, "ceil_mode": ceil}
        assert sizes("MaxPool", attrs, n, 3)[0] == _ort_out("MaxPool", attrs, n), (attrs, n)
