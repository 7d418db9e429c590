"""``trace``'s totals against torchinfo's summary of the same model built in PyTorch (skipped
where torch or torchinfo is absent): parameters, mult-adds, the forward/backward pass size,
the parameters' size and the input's."""

from __future__ import annotations

from pathlib import Path

import pytest

from poolviz.model import load_model
from poolviz.model.builtin import BUILTINS
from poolviz.model.graph import INPUT, Model
from poolviz.model.layers import (
    Activation,
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Flatten,
    Layer,
    Shape,
    ZeroPad,
)
from poolviz.model.merge import Add, Concat, Merge
from poolviz.model.pooling import AdaptiveAvgPool, AvgPool, GlobalAvgPool, GlobalMaxPool, MaxPool
from poolviz.model.trace import MB, trace

torch = pytest.importorskip("torch")
torchinfo = pytest.importorskip("torchinfo")
nn = torch.nn

SAMPLES = Path(__file__).parent.parent / "poolviz" / "samples"


class Graph(nn.Module):  # type: ignore[misc]
    """A poolviz model graph as one PyTorch module: each node's module run in order on the
    outputs it reads; adds sum, concatenations join channels (NCHW: dimension 1)."""

    def __init__(self, model: Model) -> None:
        super().__init__()
        self.model = model
        self.steps = nn.ModuleList()
        shapes: dict[str, Shape] = {INPUT: model.input_shape}
        for node in model.nodes:
            ins = tuple(shapes[i] for i in node.inputs)
            layer = node.layer
            if isinstance(layer, Merge):
                assert isinstance(layer, Add | Concat), layer
                self.steps.append(nn.Identity())
                shapes[node.name] = layer.join(ins)
                continue
            step = module(layer, ins[0])
            if layer.activation is not None and not isinstance(layer, Activation):
                step = nn.Sequential(step, nn.ReLU())
            self.steps.append(step)
            shapes[node.name] = layer.output_shape(ins[0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = {INPUT: x}
        for node, step in zip(self.model.nodes, self.steps, strict=True):
            ins = [values[i] for i in node.inputs]
            if isinstance(node.layer, Add):
                values[node.name] = torch.relu(sum(ins[1:], ins[0]))
            elif isinstance(node.layer, Concat):
                values[node.name] = torch.cat(ins, dim=1)
            else:
                values[node.name] = step(ins[0])
        return values[self.model.nodes[-1].name]


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
    net = Graph(model)
    stats = torchinfo.summary(net, input_size=(batch or 1, c, h, w), verbose=0)
    totals = trace(model, batch).totals
    assert totals is not None
    assert (totals.params, totals.params) == (stats.total_params, stats.trainable_params)
    assert totals.macs == stats.total_mult_adds
    assert totals.forward_backward_bytes == stats.total_output_bytes
    assert totals.param_bytes == stats.total_param_bytes
    # torchinfo's input size is sys.getsizeof of the tensor's storage: a few bytes more
    assert f"{totals.input_bytes / MB:.2f}" == f"{stats.total_input / MB:.2f}"
