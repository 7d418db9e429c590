"""The same pooling layer as code a user can paste into PyTorch or Keras, or why it can't be."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from poolviz.engine.geometry import Axis, PoolSpec


@dataclass(frozen=True)
class LayerCode:
    """One framework's spelling of a pooling configuration."""

    framework: str
    code: str
    """Paste-able code, or an empty string when the framework cannot express it."""
    note: str | None
    """Where the code is not exact, or why there is none."""


def _arg(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]}, {pair[1]})"


def pytorch_code(spec: PoolSpec, rows: Axis, cols: Axis) -> LayerCode:
    """``nn.MaxPool2d``/``nn.AvgPool2d`` for ``spec``; padding PyTorch's own argument cannot
    hold (``same``, lopsided or too wide) goes through ``F.pad`` where that is exact."""
    layer = "nn.MaxPool2d" if spec.mode == "max" else "nn.AvgPool2d"
    padding = (rows.pad_before, cols.pad_before)
    lopsided = rows.pad_before != rows.pad_after or cols.pad_before != cols.pad_after
    too_wide = padding[0] > spec.size[0] // 2 or padding[1] > spec.size[1] // 2
    prefix, note = "", None
    if lopsided or too_wide:
        what = f"{spec.padding!r} padding" if spec.same else "the pads"
        if spec.mode == "avg" and (spec.same or not spec.count_include_pad):
            return LayerCode(
                "PyTorch",
                "",
                "PyTorch cannot express this: its average counts F.pad cells in the divisor, "
                f"and {'its' if spec.same else 'this'} padding never counts",
            )
        if spec.ceil_mode:
            return LayerCode(
                "PyTorch",
                "",
                "PyTorch cannot express this: after F.pad, ceil mode keeps a last window this "
                "layer drops",
            )
        pads = (cols.pad_before, cols.pad_after, rows.pad_before, rows.pad_after)
        fill = "float('-inf')" if spec.mode == "max" else "0.0"
        prefix = f"F.pad(x, {pads}, value={fill})  # {what}, then\n"
        padding = (0, 0)
        note = (
            f"PyTorch has no {spec.padding!r} for pooling: the padding is added by F.pad"
            if spec.same
            else "PyTorch's pooling pads both ends alike: the padding is added by F.pad"
        )
    args = [
        f"kernel_size={_arg(spec.size)}",
        f"stride={_arg(spec.stride)}",
        f"padding={_arg(padding)}",
    ]
    if spec.dilation != (1, 1):
        args.append(f"dilation={_arg(spec.dilation)}")
    if spec.ceil_mode:
        args.append("ceil_mode=True")
    exclude_pad = spec.same or not spec.count_include_pad
    if spec.mode == "avg" and exclude_pad and padding != (0, 0):
        args.append("count_include_pad=False")
    return LayerCode("PyTorch", f"{prefix}{layer}({', '.join(args)})", note)


def keras_code(spec: PoolSpec) -> LayerCode:
    """``keras.layers.MaxPooling2D``/``AveragePooling2D`` for ``spec``, with
    ``ZeroPadding2D`` for explicit padding where that is exact."""
    layer = "MaxPooling2D" if spec.mode == "max" else "AveragePooling2D"
    if spec.dilation != (1, 1):
        return LayerCode("Keras", "", "Keras pooling has no dilation: not expressible")
    if spec.ceil_mode:
        return LayerCode("Keras", "", "Keras pooling has no ceil mode: not expressible")
    if spec.padding == "same_lower":
        return LayerCode(
            "Keras", "", "Keras's 'same' puts the odd padding cell after: not expressible"
        )
    padding = "same" if spec.same else "valid"
    code = (
        f"keras.layers.{layer}(pool_size={_arg(spec.size)}, strides={_arg(spec.stride)}, "
        f'padding="{padding}")'
    )
    if isinstance(spec.padding, str) or not any(spec.padding):
        return LayerCode("Keras", code, None)
    if spec.mode == "avg" and not spec.count_include_pad:
        return LayerCode(
            "Keras",
            "",
            "Keras cannot leave explicit padding out of an average: not expressible",
        )
    if len(spec.padding) == 4:
        top, left, bottom, right = spec.padding
        pad = f"(({top}, {bottom}), ({left}, {right}))"
    else:
        pad = _arg(spec.padding)
    note = (
        "exact only where inputs are >= 0 (ZeroPadding2D pads with 0, which can win a max)"
        if spec.mode == "max"
        else None
    )
    return LayerCode("Keras", f"keras.layers.ZeroPadding2D(padding={pad}),\n{code}", note)


def uneven_code(mode: str, rows: Axis, cols: Axis) -> tuple[LayerCode, LayerCode]:
    """PyTorch's and Keras's spelling of adaptive pooling (``mode`` ``max`` or ``avg``) or of
    fractional max pooling over the windows ``rows`` x ``cols``."""
    out = _arg((rows.out, cols.out))
    if rows.kind == "adaptive":
        torch_layer = "nn.AdaptiveMaxPool2d" if mode == "max" else "nn.AdaptiveAvgPool2d"
        keras_layer = "AdaptiveMaxPooling2D" if mode == "max" else "AdaptiveAveragePooling2D"
        return (
            LayerCode("PyTorch", f"{torch_layer}({out})", None),
            LayerCode(
                "Keras",
                f"keras.layers.{keras_layer}({out})",
                "Keras 3's layer; poolviz follows PyTorch's bins and has not compared Keras's",
            ),
        )
    sample = f"[[[{float(cols.sample or 0)!r}, {float(rows.sample or 0)!r}]]]"
    return (
        LayerCode(
            "PyTorch",
            f"nn.FractionalMaxPool2d({_arg((rows.size, cols.size))}, output_size={out})",
            "PyTorch draws a new (width, height) sample per item and channel on every call; "
            f"these windows are F.fractional_max_pool2d(x, ..., _random_samples={sample}) "
            "for every plane",
        ),
        LayerCode("Keras", "", "Keras has no fractional max pooling layer: not expressible"),
    )


def channels_first(code: LayerCode) -> LayerCode:
    """``code`` for inputs laid out (N, C, H, W): each Keras layer given
    ``data_format="channels_first"`` (PyTorch's layers take that order already).

    >>> channels_first(LayerCode("Keras", "keras.layers.MaxPooling2D(pool_size=2)", None)).code
    'keras.layers.MaxPooling2D(pool_size=2, data_format="channels_first")'
    """
    if code.framework != "Keras" or not code.code:
        return code
    spelled = re.sub(r"\)(,?)$", r', data_format="channels_first")\1', code.code, flags=re.M)
    return replace(code, code=spelled)
