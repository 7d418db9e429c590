"""The built-in models traced: the seed's MNIST numbers, its counterfactuals, and the reference
models' parameter counts, shapes and receptive fields (cross-checked against torch.nn)."""

from __future__ import annotations

from typing import Any

import pytest

from poolviz.errors import PoolvizError
from poolviz.model.builtin import BUILTINS, builtin
from poolviz.model.trace import Trace, counterfactual, report, trace


def table(t: Trace) -> list[tuple[Any, ...]]:
    return [
        (r.name, r.output_shape, r.params, r.macs, r.activations, r.receptive_field, r.jump)
        for r in t.rows
    ]


def test_mnist_trace_exact_numbers() -> None:
    t = trace(builtin("mnist"))
    assert table(t) == [
        ("conv2d", (26, 26, 32), 320, 216_320, 21_632, (3, 3), (1, 1)),
        ("max_pooling2d", (13, 13, 32), 0, 0, 5_408, (4, 4), (2, 2)),
        ("conv2d_1", (11, 11, 64), 18_496, 2_238_016, 7_744, (8, 8), (2, 2)),
        ("max_pooling2d_1", (5, 5, 64), 0, 0, 1_600, (10, 10), (4, 4)),
        ("flatten", (1600,), 0, 0, 1_600, (10, 10), (4, 4)),
        ("dense", (10,), 16_010, 16_010, 10, (28, 28), None),
    ]
    assert [r.kept for r in t.rows] == [None, 0.25, None, 25 / 121, None, None]
    assert [r.activation for r in t.rows] == ["relu", None, "relu", None, None, None]
    totals = t.totals
    assert totals is not None
    assert (totals.params, totals.non_trainable, totals.macs, totals.activations) == (
        34_826,
        0,
        2_470_346,
        37_994,
    )
    assert (totals.receptive_field, totals.jump) == ((10, 10), (4, 4))


def test_mnist_drop_exact_numbers() -> None:
    t = counterfactual(builtin("mnist"), "drop")
    assert table(t) == [
        ("conv2d", (26, 26, 32), 320, 216_320, 21_632, (3, 3), (1, 1)),
        ("conv2d_1", (24, 24, 64), 18_496, 10_653_696, 36_864, (5, 5), (1, 1)),
        ("flatten", (36864,), 0, 0, 36_864, (5, 5), (1, 1)),
        ("dense", (10,), 368_650, 368_650, 10, (28, 28), None),
    ]
    assert dict(t.notes) == {"max_pooling2d": "removed", "max_pooling2d_1": "removed"}
    assert t.totals is not None and t.totals.params == 387_466
    assert t.totals.receptive_field == (5, 5)
    # about 4.8 times the compute in the second convolution
    assert round(10_653_696 / 2_238_016, 1) == 4.8


def test_mnist_strided_exact_numbers() -> None:
    t = counterfactual(builtin("mnist"), "strided")
    assert table(t) == [
        ("conv2d", (13, 13, 32), 320, 54_080, 5_408, (3, 3), (2, 2)),
        ("conv2d_1", (6, 6, 64), 18_496, 665_856, 2_304, (7, 7), (4, 4)),
        ("flatten", (2304,), 0, 0, 2_304, (7, 7), (4, 4)),
        ("dense", (10,), 23_050, 23_050, 10, (28, 28), None),
    ]
    assert dict(t.notes) == {
        "conv2d": "stride 2 (was 1)",
        "max_pooling2d": "folded into conv2d",
        "conv2d_1": "stride 2 (was 1)",
        "max_pooling2d_1": "folded into conv2d_1",
    }
    assert t.totals is not None and t.totals.params == 41_866
    assert [(c.state, c.note) for c in map(t.counterpart, ("conv2d", "max_pooling2d"))] == [
        ("present", "stride 2 (was 1)"),
        ("gone", "folded into conv2d"),
    ]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("mnist", 34_826),
        ("lenet5", 61_706),
        ("alexnet", 61_100_840),
        ("vgg16", 138_357_544),
        ("resnet18", 11_689_512),
    ],
)
def test_reference_parameter_totals(name: str, params: int) -> None:
    totals = trace(builtin(name)).totals
    assert totals is not None and totals.params == params


def test_resnet18_batchnorm_statistics_are_non_trainable() -> None:
    totals = trace(builtin("resnet18")).totals
    # 20 BatchNorms: moving mean and variance, 2 per channel
    assert totals is not None and totals.non_trainable == 9_600


def test_lenet5_by_hand() -> None:
    """MACs and receptive fields worked out on paper: C1 28*28*(5*5*6+6), C3 10*10*(5*5*6*16+16),
    then the dense layers once each; the field 5, 6 (+1 at jump 1), 14 (+4*2), 16 (+1*2)."""
    t = trace(builtin("lenet5"))
    assert [(r.output_shape, r.macs, r.receptive_field, r.jump) for r in t.rows] == [
        ((28, 28, 6), 28 * 28 * 156, (5, 5), (1, 1)),
        ((14, 14, 6), 0, (6, 6), (2, 2)),
        ((10, 10, 16), 10 * 10 * 2_416, (14, 14), (2, 2)),
        ((5, 5, 16), 0, (16, 16), (4, 4)),
        ((400,), 0, (16, 16), (4, 4)),  # flatten moves values, mixes none
        ((120,), 48_120, (32, 32), None),
        ((84,), 10_164, (32, 32), None),
        ((10,), 850, (32, 32), None),
    ]
    assert t.totals is not None and t.totals.macs == 423_038


def test_alexnet_by_hand() -> None:
    """Worked on paper: conv1 (224 + 2*2 - 11) // 4 + 1 = 55 positions of 11*11*3*64 + 64
    parameters; each 3/2 pooling adds 2 jumps to the field and doubles the jump. The total
    equals torchinfo's 714.68M mult-adds for torchvision's alexnet."""
    t = trace(builtin("alexnet"))
    spatial = [
        (r.name, r.output_shape[:2], r.macs, r.receptive_field[0], r.jump)
        for r in t.rows
        if len(r.output_shape) == 3
    ]
    assert spatial == [
        ("conv1", (55, 55), 55 * 55 * 23_296, 11, (4, 4)),
        ("pool1", (27, 27), 0, 11 + 2 * 4, (8, 8)),
        ("conv2", (27, 27), 27 * 27 * 307_392, 19 + 4 * 8, (8, 8)),
        ("pool2", (13, 13), 0, 51 + 2 * 8, (16, 16)),
        ("conv3", (13, 13), 13 * 13 * 663_936, 67 + 2 * 16, (16, 16)),
        ("conv4", (13, 13), 13 * 13 * 884_992, 99 + 2 * 16, (16, 16)),
        ("conv5", (13, 13), 13 * 13 * 590_080, 131 + 2 * 16, (16, 16)),
        ("pool5", (6, 6), 0, 163 + 2 * 16, (32, 32)),
        ("avgpool", (6, 6), 0, 195, (32, 32)),  # 6 -> 6: the identity
    ]
    assert t.totals is not None and t.totals.macs == 714_682_664


def test_lenet5_strided_keeps_every_shape() -> None:
    """(32 - 5) // 2 + 1 = 14 and (14 - 5) // 2 + 1 = 5: the strided LeNet's maps are the
    pooled ones, for the same parameters."""
    t = counterfactual(builtin("lenet5"), "strided")
    assert [r.output_shape for r in t.rows][:2] == [(14, 14, 6), (5, 5, 16)]
    assert t.totals is not None and t.totals.params == 61_706


@pytest.mark.parametrize(
    ("name", "field", "jump"),
    # the published receptive fields of the last feature map (Araujo et al., Distill 2019)
    [
        ("alexnet", (195, 195), (32, 32)),
        ("vgg16", (212, 212), (32, 32)),
        ("resnet18", (435, 435), (32, 32)),
    ],
)
def test_receptive_fields_of_the_classics(
    name: str, field: tuple[int, int], jump: tuple[int, int]
) -> None:
    totals = trace(builtin(name)).totals
    assert totals is not None and (totals.receptive_field, totals.jump) == (field, jump)


def test_resnet18_rows_and_blocks() -> None:
    t = trace(builtin("resnet18"))
    by_name = {r.name: r for r in t.rows}
    assert by_name["maxpool"].output_shape == (56, 56, 64)
    assert by_name["layer2.0.downsample.0"].output_shape == (28, 28, 128)
    assert by_name["layer2.0.downsample.0"].receptive_field == (43, 43)  # the block's input
    assert by_name["layer2.0.add"].receptive_field == (67, 67)  # the larger branch
    assert by_name["layer2.0.add"].block == "layer2.0"
    assert by_name["layer2.0.add"].activation == "relu" and by_name["layer2.0.add"].macs == 0
    assert by_name["avgpool"].output_shape == (1, 1, 512) and by_name["avgpool"].field.whole
    # torchinfo's total mult-adds for resnet18 at 224x224: 1.81G
    assert (
        t.totals is not None and t.totals.macs == 1_814_083_944
    )  # torchinfo: 1.81G, BatchNorm counted


def test_resnet18_counterfactuals() -> None:
    model = builtin("resnet18")
    drop = counterfactual(model, "drop")
    assert dict(drop.notes) == {"maxpool": "removed"}
    assert [r.output_shape for r in drop.rows if r.name == "layer4.1.add"] == [(14, 14, 512)]
    assert drop.totals is not None and drop.totals.params == 11_689_512  # adaptive pooling stays
    strided = counterfactual(model, "strided")
    assert strided.notes["conv1"] == "stride 4 (was 2)"  # across bn1 and its ReLU
    assert strided.notes["maxpool"] == "folded into conv1"
    assert strided.rows[0].output_shape == (56, 56, 64)


def test_vgg16_drop_keeps_the_classifier_thanks_to_adaptive_pooling() -> None:
    r = report(builtin("vgg16"))
    drop = r.compare[0]
    assert [r.output_shape for r in drop.rows if r.name == "avgpool"] == [(7, 7, 512)]
    versus = r.versus(drop)
    assert versus is not None and versus.saved("params") == 0
    assert round(versus.ratio("macs"), 1) == 47.7


def test_batch_multiplies_macs_and_values_not_params() -> None:
    one, eight = trace(builtin("mnist")), trace(builtin("mnist"), batch=8)
    assert [r.macs * 8 for r in one.rows] == [r.macs for r in eight.rows]
    assert [r.activations * 8 for r in one.rows] == [r.activations for r in eight.rows]
    assert [r.params for r in one.rows] == [r.params for r in eight.rows]


def test_input_too_small_is_a_usage_error_naming_the_layer() -> None:
    with pytest.raises(PoolvizError) as err:
        trace(builtin("mnist", (8, 8, 1)))
    assert err.value.exit_code == 2
    assert err.value.message.startswith(
        "layer 'max_pooling2d_1' (maxpool 2x2) does not fit its input (batch, 1, 1, 64)"
    )


def test_unknown_builtin() -> None:
    with pytest.raises(PoolvizError, match="unknown built-in model 'lenet'; use mnist, lenet5"):
        builtin("lenet")


# Cross-checks against the same models built in torch.nn (tests only; torchvision is not
# needed): parameter counts and every layer's output shape.


def _torch_models() -> dict[str, Any]:
    torch = pytest.importorskip("torch")
    nn = torch.nn

    def block(cin: int, cout: int, stride: int) -> Any:
        class Basic(nn.Module):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__()
                self.body = nn.Sequential(
                    nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                    nn.BatchNorm2d(cout),
                    nn.ReLU(),
                    nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
                    nn.BatchNorm2d(cout),
                )
                self.down = (
                    nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                    if stride != 1 or cin != cout
                    else nn.Identity()
                )

            def forward(self, x: Any) -> Any:
                return torch.relu(self.body(x) + self.down(x))

        return Basic()

    vgg: list[Any] = []
    cin = 3
    for v in (
        64,
        64,
        "M",
        128,
        128,
        "M",
        256,
        256,
        256,
        "M",
        512,
        512,
        512,
        "M",
        512,
        512,
        512,
        "M",
    ):
        if v == "M":
            vgg.append(nn.MaxPool2d(2, 2))
        else:
            vgg += [nn.Conv2d(cin, v, 3, padding=1), nn.ReLU()]
            cin = v
    return {
        "mnist": nn.Sequential(
            nn.Conv2d(1, 32, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(1600, 10),
        ),
        "lenet5": nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.Tanh(),
            nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.Tanh(),
            nn.AvgPool2d(2),
            nn.Flatten(),
            nn.Linear(400, 120),
            nn.Tanh(),
            nn.Linear(120, 84),
            nn.Tanh(),
            nn.Linear(84, 10),
        ),
        "alexnet": nn.Sequential(
            nn.Conv2d(3, 64, 11, 4, 2),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
            nn.AdaptiveAvgPool2d(6),
            nn.Flatten(),
            nn.Dropout(),
            nn.Linear(9216, 4096),
            nn.ReLU(),
            nn.Dropout(),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Linear(4096, 1000),
        ),
        "vgg16": nn.Sequential(
            *vgg,
            nn.AdaptiveAvgPool2d(7),
            nn.Flatten(),
            nn.Linear(25088, 4096),
            nn.ReLU(),
            nn.Dropout(),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Dropout(),
            nn.Linear(4096, 1000),
        ),
        "resnet18": nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(3, 2, 1),
            block(64, 64, 1),
            block(64, 64, 1),
            block(64, 128, 2),
            block(128, 128, 1),
            block(128, 256, 2),
            block(256, 256, 1),
            block(256, 512, 2),
            block(512, 512, 1),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(512, 1000),
        ),
    }


@pytest.mark.parametrize("name", list(BUILTINS))
def test_matches_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    net = _torch_models()[name]
    model = builtin(name)
    t = trace(model)
    assert t.totals is not None
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    buffers = sum(b.numel() for n, b in net.named_buffers() if "running" in n)
    assert (t.totals.params, t.totals.non_trainable) == (trainable, buffers)
    # the shape after every layer that changes it, NCHW turned NHWC
    h, w, c = model.input_shape
    x = torch.zeros(1, c, h, w)
    shapes = []
    with torch.no_grad():
        for layer in net:
            x = layer(x)
            shape = tuple(x.shape[2:]) + (x.shape[1],) if x.dim() == 4 else tuple(x.shape[1:])
            if not shapes or shapes[-1] != shape:
                shapes.append(shape)
    ours = []
    for row in t.rows:
        if row.block is None or row.name.endswith(".add"):
            if not ours or ours[-1] != row.output_shape:
                ours.append(row.output_shape)
    assert ours == shapes
