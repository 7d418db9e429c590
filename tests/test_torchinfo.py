"""``trace``'s totals against torchinfo's summary of the same model built in PyTorch (skipped
where torch or torchinfo is absent): parameters, mult-adds, the forward/backward pass size,
the parameters' size and the input's."""

from __future__ import annotations

from pathlib import Path

import pytest

from poolviz.model import load_model
from poolviz.model.builtin import BUILTINS
from poolviz.model.layers import (
    Activation,
    AdaptiveAvgPool,
    AvgPool,
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool,
    GlobalMaxPool,
    Layer,
    MaxPool,
    Residual,
    Shape,
    ZeroPad,
)
from poolviz.model.trace import MB, trace

torch = pytest.importorskip("torch")
torchinfo = pytest.importorskip("torchinfo")
nn = torch.nn

SAMPLES = Path(__file__).parent.parent / "poolviz" / "samples"


class Block(nn.Module):  # type: ignore[misc]
    """A residual block: body and shortcut on the same input, added."""

    def __init__(self, body: nn.Module, shortcut: nn.Module) -> None:
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


def torch_layers(layers: tuple[Layer, ...], shape: Shape) -> tuple[nn.Sequential, Shape]:
    """``layers`` as PyTorch modules on an input of ``shape`` (h, w, c), and their output
    shape."""
    out: list[nn.Module] = []
    for layer in layers:
        if isinstance(layer, Residual):
            body, after = torch_layers(layer.body, shape)
            shortcut, _ = torch_layers(layer.shortcut, shape)
            out += [Block(body, shortcut), nn.ReLU()]
            shape = after
            continue
        out.append(module(layer, shape))
        if layer.activation is not None and not isinstance(layer, Activation):
            out.append(nn.ReLU())
        shape = layer.output_shape(shape)
    return nn.Sequential(*out), shape


def module(layer: Layer, shape: Shape) -> nn.Module:
    """One layer as PyTorch's module for it (every activation as ReLU: none has weights)."""
    c = shape[-1]
    if isinstance(layer, Conv):
        padding = layer.padding
        assert padding != "same" or layer.stride == (1, 1)
        return nn.Conv2d(
            c,
            layer.filters,
            layer.size,
            layer.stride,
            padding,
            layer.dilation,
            layer.groups,
            layer.bias,
        )
    if isinstance(layer, MaxPool | AvgPool):
        kind = nn.MaxPool2d if isinstance(layer, MaxPool) else nn.AvgPool2d
        return kind(layer.size, layer.stride, layer.padding, ceil_mode=layer.ceil_mode)
    if isinstance(layer, AdaptiveAvgPool):
        return nn.AdaptiveAvgPool2d(layer.out)
    if isinstance(layer, GlobalAvgPool | GlobalMaxPool):
        pool = nn.AdaptiveAvgPool2d if isinstance(layer, GlobalAvgPool) else nn.AdaptiveMaxPool2d
        return nn.Sequential(pool(1), nn.Flatten())
    if isinstance(layer, Flatten):
        return nn.Flatten()
    if isinstance(layer, Dense):
        assert len(shape) == 1  # torchinfo counts a Linear's mult-adds per sample only
        return nn.Linear(c, layer.units, layer.bias)
    if isinstance(layer, BatchNorm):
        assert layer.scale and layer.center
        return nn.BatchNorm2d(c) if len(shape) == 3 else nn.BatchNorm1d(c)
    if isinstance(layer, ZeroPad):
        t, b, left, r = layer.padding
        return nn.ZeroPad2d((left, r, t, b))
    if isinstance(layer, Dropout):
        return nn.Dropout(layer.rate)
    assert isinstance(layer, Activation), layer
    return nn.ReLU()


MODELS = [*BUILTINS, str(SAMPLES / "keras_mnist.json"), str(SAMPLES / "keras2_cnn.json")]


@pytest.mark.parametrize(
    ("name", "batch"), [*((m, None) for m in MODELS), ("mnist", 8), ("resnet18", 3)]
)
def test_totals_match_torchinfo(name: str, batch: int | None) -> None:
    model = load_model(name)
    h, w, c = model.input_shape
    net, _ = torch_layers(model.layers, model.input_shape)
    stats = torchinfo.summary(net, input_size=(batch or 1, c, h, w), verbose=0)
    totals = trace(model, batch).totals
    assert totals is not None
    assert (totals.params, totals.params) == (stats.total_params, stats.trainable_params)
    assert totals.macs == stats.total_mult_adds
    assert totals.forward_backward_bytes == stats.total_output_bytes
    assert totals.param_bytes == stats.total_param_bytes
    # torchinfo's input size is sys.getsizeof of the tensor's storage: a few bytes more
    assert f"{totals.input_bytes / MB:.2f}" == f"{stats.total_input / MB:.2f}"
