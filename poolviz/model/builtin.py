"""The built-in models: the seed's MNIST network and four classics, as their reference
implementations build them.

``alexnet``, ``vgg16`` and ``resnet18`` are torchvision's (``torchvision.models``), with its
adaptive average pooling before the classifier (and ResNet's module names); their trainable
parameters are 61,100,840, 138,357,544 and 11,689,512. ``lenet5`` is LeNet-5 in its common
modern form: average pooling without trainable coefficients, C3 connected to all six maps,
dense 120-84-10, tanh (61,706 parameters). ``mnist`` is the seed's Keras model (34,826).
"""

from __future__ import annotations

from collections.abc import Callable

from poolviz.errors import PoolvizError
from poolviz.model.field import Pair
from poolviz.model.graph import Model, Residual
from poolviz.model.layers import BatchNorm, Conv, Dense, Dropout, Flatten, Layer, Shape
from poolviz.model.pooling import AdaptiveAvgPool, AvgPool, MaxPool


def mnist() -> tuple[Layer | Residual, ...]:
    """Conv2D(32, 3) → MaxPooling2D(2) → Conv2D(64, 3) → MaxPooling2D(2) → Flatten →
    Dense(10), ReLU after the convolutions, with Keras's default layer names."""
    return (
        Conv("conv2d", 32, (3, 3), act="relu"),
        MaxPool("max_pooling2d", (2, 2), (2, 2)),
        Conv("conv2d_1", 64, (3, 3), act="relu"),
        MaxPool("max_pooling2d_1", (2, 2), (2, 2)),
        Flatten("flatten"),
        Dense("dense", 10),
    )


def lenet5() -> tuple[Layer | Residual, ...]:
    """LeNet-5 with LeCun's layer names (C1, S2, ...)."""
    return (
        Conv("c1", 6, (5, 5), act="tanh"),
        AvgPool("s2", (2, 2), (2, 2)),
        Conv("c3", 16, (5, 5), act="tanh"),
        AvgPool("s4", (2, 2), (2, 2)),
        Flatten("flatten"),
        Dense("c5", 120, act="tanh"),
        Dense("f6", 84, act="tanh"),
        Dense("output", 10),
    )


def alexnet() -> tuple[Layer | Residual, ...]:
    """torchvision's AlexNet (the single-GPU "one weird trick" variant, 64-192-384-256-256
    filters): overlapping 3/2 max pooling. Layers are named as in Caffe (conv1, pool1, fc6)."""
    return (
        Conv("conv1", 64, (11, 11), (4, 4), (2, 2), act="relu"),
        MaxPool("pool1", (3, 3), (2, 2)),
        Conv("conv2", 192, (5, 5), padding=(2, 2), act="relu"),
        MaxPool("pool2", (3, 3), (2, 2)),
        Conv("conv3", 384, (3, 3), padding=(1, 1), act="relu"),
        Conv("conv4", 256, (3, 3), padding=(1, 1), act="relu"),
        Conv("conv5", 256, (3, 3), padding=(1, 1), act="relu"),
        MaxPool("pool5", (3, 3), (2, 2)),
        AdaptiveAvgPool("avgpool", (6, 6)),
        Flatten("flatten"),
        Dropout("drop6", 0.5),
        Dense("fc6", 4096, act="relu"),
        Dropout("drop7", 0.5),
        Dense("fc7", 4096, act="relu"),
        Dense("fc8", 1000),
    )


def vgg16() -> tuple[Layer | Residual, ...]:
    """torchvision's VGG-16 (configuration D, no BatchNorm): 3x3 convolutions with padding 1,
    2x2 max pooling after each of five stages. Layers are named as in the paper's Caffe
    model (conv1_1, pool1, fc6)."""
    layers: list[Layer | Residual] = []
    for stage, (filters, convs) in enumerate(
        ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)), start=1
    ):
        for i in range(1, convs + 1):
            layers.append(Conv(f"conv{stage}_{i}", filters, (3, 3), padding=(1, 1), act="relu"))
        layers.append(MaxPool(f"pool{stage}", (2, 2), (2, 2)))
    return (
        *layers,
        AdaptiveAvgPool("avgpool", (7, 7)),
        Flatten("flatten"),
        Dense("fc6", 4096, act="relu"),
        Dropout("drop6", 0.5),
        Dense("fc7", 4096, act="relu"),
        Dropout("drop7", 0.5),
        Dense("fc8", 1000),
    )


def _basic_block(name: str, filters: int, stride: int, project: bool) -> Residual:
    """torchvision's BasicBlock: conv3x3-bn-relu-conv3x3-bn, plus the input (through a
    1x1 convolution and BatchNorm when the shape changes), then ReLU."""
    s: Pair = (stride, stride)
    body: tuple[Layer, ...] = (
        Conv(f"{name}.conv1", filters, (3, 3), s, (1, 1), bias=False),
        BatchNorm(f"{name}.bn1", act="relu"),
        Conv(f"{name}.conv2", filters, (3, 3), padding=(1, 1), bias=False),
        BatchNorm(f"{name}.bn2"),
    )
    shortcut: tuple[Layer, ...] = ()
    if project:
        shortcut = (
            Conv(f"{name}.downsample.0", filters, (1, 1), s, bias=False),
            BatchNorm(f"{name}.downsample.1"),
        )
    return Residual(name, body, shortcut, act="relu")


def resnet18() -> tuple[Layer | Residual, ...]:
    """torchvision's ResNet-18: a 7x7/2 stem, 3/2/1 max pooling, four stages of two
    BasicBlocks, global (adaptive 1x1) average pooling, one dense layer."""
    blocks: list[Layer | Residual] = []
    for stage, filters in enumerate((64, 128, 256, 512), start=1):
        first_stride = 1 if stage == 1 else 2
        blocks.append(_basic_block(f"layer{stage}.0", filters, first_stride, stage > 1))
        blocks.append(_basic_block(f"layer{stage}.1", filters, 1, False))
    return (
        Conv("conv1", 64, (7, 7), (2, 2), (3, 3), bias=False),
        BatchNorm("bn1", act="relu"),
        MaxPool("maxpool", (3, 3), (2, 2), (1, 1)),
        *blocks,
        AdaptiveAvgPool("avgpool", (1, 1)),
        Flatten("flatten"),
        Dense("fc", 1000),
    )


BUILTINS: dict[str, tuple[Callable[[], tuple[Layer | Residual, ...]], Shape]] = {
    "mnist": (mnist, (28, 28, 1)),
    "lenet5": (lenet5, (32, 32, 1)),
    "alexnet": (alexnet, (224, 224, 3)),
    "vgg16": (vgg16, (224, 224, 3)),
    "resnet18": (resnet18, (224, 224, 3)),
}
"""Name -> (the layers, the default per-sample input)."""


def builtin(name: str, input_shape: Shape | None = None) -> Model:
    """The built-in model ``name`` on ``input_shape`` (default: the one it was made for)."""
    if name not in BUILTINS:
        raise PoolvizError(f"unknown built-in model {name!r}; use {', '.join(BUILTINS)}")
    layers, default = BUILTINS[name]
    return Model.chain(name, input_shape or default, layers())
