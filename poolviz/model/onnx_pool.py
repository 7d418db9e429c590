"""An ONNX pooling node's attributes as poolviz pooling parameters, and its windows.

``MaxPool``, ``AveragePool`` and ``LpPool`` take ``kernel_shape``, ``strides`` (default 1,
not the window, unlike PyTorch and Keras), ``dilations``, ``pads`` as ``[top, left, bottom,
right]`` (before and after may differ), ``auto_pad`` (``NOTSET``, ``SAME_UPPER``,
``SAME_LOWER``, ``VALID``), ``ceil_mode`` and, for ``AveragePool``, ``count_include_pad``
(default 0, unlike PyTorch's 1); ``LpPool`` has ``p`` (default 2). ``GlobalMaxPool``,
``GlobalAveragePool`` and ``GlobalLpPool`` pool each channel to one value.

Output sizes follow the operator spec, as onnxruntime computes them:

    out = floor((n + pad_before + pad_after - d(k-1) - 1) / s) + 1

with a ceiling in ``ceil_mode``, the last window then dropped when it would start past the
input and its top/left padding (``(out-1)s >= n + pad_before``). ``onnx.shape_inference``
keeps that window, one too many; onnxruntime and PyTorch drop it. ``SAME_UPPER`` and
``SAME_LOWER`` give ``ceil(n / s)`` outputs, padded by ``(out-1)s + d(k-1) + 1 - n`` in all,
the odd cell after the input (UPPER) or before it (LOWER). (onnxruntime leaves the dilation
out of that padding, giving fewer outputs for a dilated SAME window than the spec says.)

Nothing here imports ``onnx``: the attributes come in as a plain dict, as
:func:`node_attributes` reads them off a node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from poolviz.engine.geometry import Axis
from poolviz.errors import PoolvizError

Pair = tuple[int, int]
Pads = tuple[int, int, int, int]
"""``(top, left, bottom, right)``: ONNX's ``pads`` for two spatial axes."""
AutoPad = Literal["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]
AUTO_PADS: tuple[str, ...] = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")

WINDOWED_OPS: dict[str, Literal["max", "avg", "lp"]] = {
    "MaxPool": "max",
    "AveragePool": "avg",
    "LpPool": "lp",
}
"""ONNX's fixed-window pooling operators and the mode each computes."""
GLOBAL_OPS: dict[str, Literal["max", "avg", "lp"]] = {
    "GlobalMaxPool": "max",
    "GlobalAveragePool": "avg",
    "GlobalLpPool": "lp",
}
"""ONNX's global pooling operators (each channel to one value)."""


@dataclass
class OnnxPooling:
    """One ONNX pooling node's configuration over two spatial axes, defaults filled in."""

    op_type: str
    mode: Literal["max", "avg", "lp", "conv"]
    """What each window computes (``conv``: a convolution's windows, read by
    :func:`onnx_windows`, with the same attributes)."""
    size: Pair
    """``kernel_shape``; for global pooling, (0, 0) (the whole map)."""
    stride: Pair = (1, 1)
    dilation: Pair = (1, 1)
    pads: Pads = (0, 0, 0, 0)
    """Explicit ``pads`` (used with ``auto_pad`` ``NOTSET`` only)."""
    auto_pad: AutoPad = "NOTSET"
    ceil_mode: bool = False
    count_include_pad: bool = False
    """AveragePool: padded cells count in the divisor (ONNX's default: they do not)."""
    p: int = 2
    """LpPool's order: ``(sum |x|^p)^(1/p)``; ONNX takes ``|x|``, PyTorch's LPPool2d not."""

    @property
    def is_global(self) -> bool:
        """Each channel pooled to one value."""
        return self.op_type in GLOBAL_OPS

    def axes(self, h: int, w: int) -> tuple[Axis, Axis]:
        """The windows along height and width of an ``h`` x ``w`` map, as onnxruntime places
        them; PoolvizError (naming the axis) when a window does not fit."""
        if self.is_global:
            return _whole(h), _whole(w)
        return (
            _axis(h, self.size[0], self.stride[0], self.dilation[0], self._pad(0), self, "height"),
            _axis(w, self.size[1], self.stride[1], self.dilation[1], self._pad(1), self, "width"),
        )

    def padding(self, h: int, w: int) -> Pads:
        """The padding an ``h`` x ``w`` map gets, ``(top, left, bottom, right)``, with
        ``auto_pad`` worked out: what ``pool2d(..., padding=...)`` takes."""
        ah, aw = self.axes(h, w)
        return ah.pad_before, aw.pad_before, ah.pad_after, aw.pad_after

    def _pad(self, k: int) -> Pair | str:
        if self.auto_pad == "NOTSET":
            return self.pads[k], self.pads[k + 2]
        return self.auto_pad

    def pad_text(self) -> str:
        """Its padding in words: ``pad 1``, ``pads 0,1,1,0`` (top, left, bottom, right),
        ``same_upper``, ``same_lower``; empty for none."""
        if self.auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            return self.auto_pad.lower()
        if self.auto_pad == "VALID" or not any(self.pads):
            return ""
        if len(set(self.pads)) == 1:
            return f"pad {self.pads[0]}"
        return "pads " + ",".join(map(str, self.pads))

    def describe(self) -> str:
        """The node in words: ``MaxPool 3x3 stride 2 pads 0,0,1,1 ceil``."""
        if self.is_global:
            return self.op_type + (f" p={self.p}" if self.mode == "lp" else "")
        text = f"{self.op_type} {self.size[0]}x{self.size[1]}"
        if self.stride != (1, 1):
            s = self.stride
            text += f" stride {s[0] if s[0] == s[1] else f'{s[0]}x{s[1]}'}"
        if self.dilation != (1, 1):
            text += f" dilation {self.dilation[0]}x{self.dilation[1]}"
        if self.pad_text():
            text += " " + self.pad_text()
        if self.ceil_mode:
            text += " ceil"
        if self.mode == "avg" and self.count_include_pad and any(self.pads):
            text += " count_pad"
        if self.mode == "lp":
            text += f" p={self.p}"
        return text


def _whole(n: int) -> Axis:
    """One window over all ``n`` cells."""
    return Axis(n, n, n, 1, 0, 0, False, False, 1)


def _axis(n: int, k: int, s: int, d: int, pad: Pair | str, node: OnnxPooling, name: str) -> Axis:
    """One axis's windows per the operator spec (see the module docstring)."""
    span = d * (k - 1) + 1
    if pad in ("SAME_UPPER", "SAME_LOWER"):
        out = -(-n // s)
        total = max((out - 1) * s + span - n, 0)
        before = (total + 1) // 2 if pad == "SAME_LOWER" else total // 2
        return Axis(n, k, s, d, before, total - before, False, False, out)
    before, after = (0, 0) if isinstance(pad, str) else pad
    numer = n + before + after - span
    out = (-(-numer // s) if node.ceil_mode else numer // s) + 1
    if node.ceil_mode and out >= 1 and (out - 1) * s >= n + before:
        out -= 1
    if numer < 0 or out < 1:
        raise PoolvizError(
            f"a {node.op_type} window of {k} (span {span}) does not fit the {name} of "
            f"{n} with padding {before} before and {after} after"
        )
    return Axis(n, k, s, d, before, after, node.ceil_mode, False, out)


def onnx_pooling(op_type: str, attributes: Mapping[str, Any]) -> OnnxPooling:
    """The pooling an ONNX node of ``op_type`` (``MaxPool``, ``AveragePool``, ``LpPool`` or
    a ``Global...Pool``) with ``attributes`` (as :func:`node_attributes` gives them) does,
    defaults filled in per the operator spec; PoolvizError for an attribute it cannot have
    or a pooling that is not over two spatial axes.

    >>> onnx_pooling("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2],
    ...     "pads": [0, 0, 1, 1]}).padding(6, 6)
    (0, 0, 1, 1)
    """
    if op_type in GLOBAL_OPS:
        return OnnxPooling(op_type, GLOBAL_OPS[op_type], (0, 0), p=_int(attributes, "p", 2))
    if op_type not in WINDOWED_OPS:
        raise PoolvizError(
            f"{op_type} is not an ONNX pooling operator; use one of "
            f"{', '.join([*WINDOWED_OPS, *GLOBAL_OPS])}"
        )
    return onnx_windows(op_type, attributes, WINDOWED_OPS[op_type])


def onnx_windows(
    op_type: str, attributes: Mapping[str, Any], mode: Literal["max", "avg", "lp", "conv"] = "conv"
) -> OnnxPooling:
    """The windows of a node with ONNX's window attributes (``kernel_shape``, ``strides``,
    ``dilations``, ``pads``, ``auto_pad``, ``ceil_mode``): a pooling node's, or a ``Conv``'s
    (``kernel_shape`` given by the caller from the weights when the file leaves it out)."""
    if attributes.get("kernel_shape") is None:
        raise PoolvizError(f"{op_type} has no kernel_shape; ONNX requires one")
    kernel = _ints(attributes, "kernel_shape", [])
    if len(kernel) != 2:
        raise PoolvizError(
            f"{op_type} pools over {len(kernel)} axes (kernel_shape {kernel}); poolviz reads "
            "pooling over two spatial axes (images)"
        )
    stride = _ints(attributes, "strides", [1, 1])
    dilation = _ints(attributes, "dilations", [1, 1])
    pads = _ints(attributes, "pads", [0, 0, 0, 0])
    auto_pad = attributes.get("auto_pad", "NOTSET")
    if isinstance(auto_pad, bytes):
        auto_pad = auto_pad.decode("ascii", "replace")
    if auto_pad not in AUTO_PADS:
        raise PoolvizError(
            f"{op_type} has auto_pad {auto_pad!r}; ONNX allows {', '.join(AUTO_PADS)}"
        )
    if (len(stride), len(dilation), len(pads)) != (2, 2, 4):
        raise PoolvizError(
            f"{op_type} has strides {stride}, dilations {dilation} and pads {pads}; over two "
            "axes ONNX takes 2, 2 and 4 values"
        )
    if min(kernel + stride + dilation) < 1 or min(pads) < 0:
        raise PoolvizError(
            f"{op_type} has kernel_shape {kernel}, strides {stride}, dilations {dilation}, "
            f"pads {pads}; sizes must be at least 1 and pads at least 0"
        )
    return OnnxPooling(
        op_type,
        mode,
        (kernel[0], kernel[1]),
        (stride[0], stride[1]),
        (dilation[0], dilation[1]),
        (pads[0], pads[1], pads[2], pads[3]),
        auto_pad,
        bool(_int(attributes, "ceil_mode", 0)),
        bool(_int(attributes, "count_include_pad", 0)),
        _int(attributes, "p", 2),
    )


def _ints(attributes: Mapping[str, Any], name: str, default: list[int]) -> list[int]:
    value = attributes.get(name)
    if value is None:
        return default
    if not isinstance(value, list | tuple) or not all(isinstance(v, int) for v in value):
        raise PoolvizError(f"attribute {name} is {value!r}; ONNX gives it as a list of integers")
    return [int(v) for v in value]


def _int(attributes: Mapping[str, Any], name: str, default: int) -> int:
    value = attributes.get(name, default)
    if not isinstance(value, int):
        raise PoolvizError(f"attribute {name} is {value!r}; ONNX gives it as an integer")
    return int(value)


def node_attributes(node: Any) -> dict[str, Any]:
    """An ``onnx.NodeProto``'s attributes as plain Python values (ints, floats, lists,
    strings as ``str``), read with ``onnx.helper`` (the ``onnx`` package must be installed)."""
    from onnx import helper

    out: dict[str, Any] = {}
    for attribute in node.attribute:
        value = helper.get_attribute_value(attribute)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        out[attribute.name] = value
    return out
