"""Layer kinds: each one's output shape, parameters, MACs and receptive field, checked by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from poolviz.errors import PoolvizError
from poolviz.model.field import Field
from poolviz.model.graph import Model, Residual
from poolviz.model.layers import (
    Activation,
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Flatten,
    ZeroPad,
    shape_text,
)
from poolviz.model.merge import Add
from poolviz.model.pooling import AdaptiveAvgPool, AvgPool, GlobalAvgPool, GlobalMaxPool, MaxPool

START = Field.start((28, 28))


def test_conv_shape_params_and_macs() -> None:
    conv = Conv("c", 32, (3, 3))
    assert conv.output_shape((28, 28, 1)) == (26, 26, 32)
    assert conv.params((28, 28, 1)) == 3 * 3 * 1 * 32 + 32 == 320
    # torchinfo: parameters (weights and bias) once per output position
    assert conv.macs((28, 28, 1), (26, 26, 32)) == 26 * 26 * 320 == 216_320
    assert Conv("c", 8, (3, 3), bias=False).params((5, 5, 4)) == 3 * 3 * 4 * 8


def test_conv_stride_padding_dilation_groups() -> None:
    assert Conv("c", 64, (3, 3), (2, 2), "same").output_shape((13, 13, 32)) == (7, 7, 64)
    assert Conv("c", 64, (7, 7), (2, 2), (3, 3)).output_shape((224, 224, 3)) == (112, 112, 64)
    assert Conv("c", 4, (3, 3), dilation=(2, 2)).output_shape((9, 9, 1)) == (5, 5, 4)
    grouped = Conv("c", 8, (3, 3), groups=2)
    assert grouped.params((6, 6, 4)) == 3 * 3 * 2 * 8 + 8
    with pytest.raises(PoolvizError, match="3 groups must divide its 4 input channels"):
        Conv("c", 6, (3, 3), groups=3).output_shape((6, 6, 4))


def test_conv_padding_may_exceed_half_the_window() -> None:
    # PyTorch limits padding to half the window for pooling only
    assert Conv("c", 64, (3, 3), padding=(2, 2)).output_shape((5, 5, 1)) == (7, 7, 64)
    with pytest.raises(PoolvizError, match="padding 2 exceeds half the window"):
        MaxPool("p", (3, 3), (1, 1), (2, 2)).output_shape((5, 5, 1))


def test_a_window_that_does_not_fit_names_the_layer_and_the_shapes() -> None:
    with pytest.raises(PoolvizError) as err:
        Conv("conv2", 8, (5, 5)).output_shape((4, 4, 3))
    assert err.value.message == (
        "layer 'conv2' (conv 8 5x5) does not fit its input (batch, 4, 4, 3): a window of 5 "
        "(span 5) does not fit the height of length 4 with padding 0"
    )


def test_spatial_layers_refuse_a_flat_input() -> None:
    with pytest.raises(PoolvizError) as err:
        MaxPool("pool", (2, 2), (2, 2)).output_shape((1600,))
    assert err.value.message == (
        "layer 'pool' (maxpool 2x2) needs an (h, w, c) feature map, got (batch, 1600); "
        "put it before flatten or global pooling"
    )


def test_pooling_shapes_and_kept() -> None:
    pool = MaxPool("p", (2, 2), (2, 2))
    assert pool.output_shape((26, 26, 32)) == (13, 13, 32)
    assert pool.output_shape((11, 11, 64)) == (5, 5, 64)  # the odd row and column dropped
    assert pool.params((26, 26, 32)) == pool.macs((26, 26, 32), (13, 13, 32)) == 0
    assert pool.kept((26, 26, 32), (13, 13, 32)) == 0.25
    assert pool.kept((11, 11, 64), (5, 5, 64)) == 25 / 121
    assert AvgPool("a", (3, 3), (2, 2), (1, 1)).output_shape((112, 112, 8)) == (56, 56, 8)
    assert MaxPool("p", (2, 2), (2, 2), ceil_mode=True).output_shape((5, 5, 1)) == (3, 3, 1)
    assert MaxPool("p", (2, 2), (2, 2), "same").output_shape((5, 5, 1)) == (3, 3, 1)


def test_receptive_field_grows_by_span_minus_one_times_jump() -> None:
    f = Conv("c", 1, (3, 3)).field(START, (28, 28, 1))
    assert (f.size, f.jump) == ((3, 3), (1, 1))
    f = MaxPool("p", (2, 2), (2, 2)).field(f, (26, 26, 1))
    assert (f.size, f.jump) == ((4, 4), (2, 2))
    f = Conv("c", 1, (3, 3)).field(f, (13, 13, 1))
    assert (f.size, f.jump) == ((8, 8), (2, 2))
    f = Conv("c", 1, (3, 3), dilation=(2, 2)).field(f, (11, 11, 1))  # span 5
    assert (f.size, f.jump) == ((16, 16), (2, 2))
    f = Conv("c", 1, (1, 3), (2, 1)).field(f, (7, 7, 1))  # h and w apart
    assert (f.size, f.jump) == ((16, 20), (4, 2))


def test_padding_layers_keep_the_field() -> None:
    f = Conv("c", 1, (3, 3)).field(START, (28, 28, 1))
    assert ZeroPad("z", (1, 2, 3, 4)).output_shape((26, 26, 1)) == (29, 33, 1)
    padded = ZeroPad("z", (1, 2, 3, 4)).field(f, (26, 26, 1))
    # the same size and jump; the first output's field starts before the padding
    assert (padded.size, padded.jump, padded.offset) == (f.size, f.jump, (-1, -3))


def test_flatten_keeps_its_input_field() -> None:
    """Flatten moves values and mixes no positions: each value keeps the field it had."""
    f = Conv("c", 1, (3, 3)).field(START, (28, 28, 1))
    flat = Flatten("f").field(f, (26, 26, 1))
    assert (flat.size, flat.jump, flat.whole, flat.mixed) == ((3, 3), (1, 1), False, False)
    assert Dense("d", 10).field(flat, (676,)).whole  # the dense layer after it mixes them


def test_dense_and_global_pooling_see_the_whole_input() -> None:
    f = Conv("c", 1, (3, 3)).field(START, (28, 28, 1))
    for layer, shape in (
        (GlobalAvgPool("g"), (26, 26, 1)),
        (GlobalMaxPool("g"), (26, 26, 1)),
        (Dense("d", 10), (676,)),
    ):
        whole = layer.field(f, shape)
        assert whole.whole and whole.size == (28, 28)
    assert Dense("d", 10).field(f, (26, 26, 1)) == f  # per position, like a 1x1 convolution


def test_global_pooling_and_flatten_shapes() -> None:
    assert GlobalAvgPool("g").output_shape((7, 7, 512)) == (512,)
    assert GlobalMaxPool("g", keepdims=True).output_shape((7, 7, 512)) == (1, 1, 512)
    assert GlobalAvgPool("g").kept((7, 7, 512), (512,)) == 1 / 49
    assert Flatten("f").output_shape((5, 5, 64)) == (1600,)


def test_dense_params_and_macs() -> None:
    dense = Dense("d", 10)
    assert dense.output_shape((1600,)) == (10,)
    assert dense.params((1600,)) == 1600 * 10 + 10 == 16_010
    assert dense.macs((1600,), (10,)) == 16_010
    # on a feature map: at each of the 4 positions, as Keras and PyTorch apply it
    assert dense.output_shape((2, 2, 8)) == (2, 2, 10)
    assert dense.macs((2, 2, 8), (2, 2, 10)) == 4 * (8 * 10 + 10)


def test_adaptive_average_pooling() -> None:
    pool = AdaptiveAvgPool("a", (7, 7))
    assert pool.output_shape((14, 14, 512)) == (7, 7, 512)
    f = Field((100, 100), (16, 16), (224, 224))
    assert pool.field(f, (14, 14, 512)).size == (116, 116)  # exact: a 2x2 window, stride 2
    assert pool.field(f, (7, 7, 512)) == f  # 7 -> 7: the identity
    # bins [0,2) [1,3) [2,4) [3,6) ...: the largest spans 3; 7 outputs over 9 cells, 9/7 apart
    uneven = pool.field(Field((1, 1), (1, 1), (9, 9)), (9, 9, 1))
    assert (uneven.size, uneven.jump) == ((3, 3), (Fraction(9, 7), Fraction(9, 7)))
    assert AdaptiveAvgPool("a", (1, 1)).field(f, (7, 7, 512)).whole


def test_adaptive_pooling_to_a_larger_map_repeats_values() -> None:
    """1x1 -> 7x7 (VGG-16 on a 32x32 input): PyTorch's bins are all [0, 1), so each of the 49
    outputs copies the one input value. Everything is kept (not 4,900%), the field is the
    input's (not smaller), and neighbours are 32/7 pixels apart on average (not 0)."""
    pool = AdaptiveAvgPool("a", (7, 7))
    assert pool.kept((1, 1, 512), (7, 7, 512)) == 1.0 and pool.repeats((1, 1, 512))
    f = pool.field(Field((212, 212), (32, 32), (224, 224), offset=(-90, -90)), (1, 1, 512))
    assert (f.size, f.jump, f.whole) == ((212, 212), (Fraction(32, 7), Fraction(32, 7)), False)
    # 2 -> 7 along the height, 14 -> 7 along the width: half the columns kept
    assert pool.kept((2, 14, 8), (7, 7, 8)) == 0.5 and pool.repeats((2, 14, 8))
    assert pool.kept((14, 14, 8), (7, 7, 8)) == 0.25 and not pool.repeats((14, 14, 8))


def test_field_covering_the_input_is_whole_and_never_shrinks() -> None:
    """A field is whole once every output's field covers the input, keeping its size (which
    counts padding); a dense layer after it keeps that size rather than shrinking to the input's."""
    f = Field((44, 44), (8, 8), (32, 32), offset=(-18, -18))  # VGG-16's pool3 on 32x32
    assert not f.covering((4, 4)).whole  # the last of 4 outputs starts at -18 + 3*8 = 6
    conv = Conv("c", 1, (3, 3), padding=(1, 1)).field(f, (4, 4, 1))
    assert (conv.size, conv.offset, conv.whole) == ((60, 60), (-26, -26), True)
    assert conv.jump == (8, 8)
    flat = Flatten("f").field(conv, (4, 4, 1))
    assert (flat.size, flat.whole, flat.mixed) == ((60, 60), True, False)
    dense = Dense("d", 10).field(flat, (16,))
    assert (dense.size, dense.whole, dense.mixed) == ((60, 60), True, True)
    assert Dense("d", 1).field(Field((10, 10), (4, 4), (28, 28)), (25,)).size == (28, 28)


def test_batchnorm_trainable_and_not() -> None:
    bn = BatchNorm("bn")
    assert bn.params((56, 56, 64)) == 128 and bn.non_trainable((56, 56, 64)) == 128
    assert BatchNorm("bn", scale=False).params((4, 4, 8)) == 8
    assert bn.macs((56, 56, 64), (56, 56, 64)) == 128  # its parameters once, as torchinfo


def test_elementwise_layers() -> None:
    for layer in (BatchNorm("b"), Activation("r"), Dropout("d")):
        assert layer.elementwise
        assert layer.output_shape((3, 3, 2)) == (3, 3, 2)
    assert not Conv("c", 1, (1, 1)).elementwise and not MaxPool("p").elementwise
    assert Activation("r", "tanh").activation == "tanh"
    assert Conv("c", 1, (1, 1), act="relu").activation == "relu"


def test_add_names_both_shapes() -> None:
    add = Add("layer2.0.add")
    assert add.join(((4, 4, 8), (4, 4, 8))) == (4, 4, 8)
    with pytest.raises(PoolvizError) as err:
        add.join(((4, 4, 8), (8, 8, 4)))
    assert err.value.message == (
        "add 'layer2.0.add' gets (batch, 4, 4, 8) and (batch, 8, 8, 4); "
        "the inputs' shapes must match"
    )


def test_describe_uses_the_spec_words() -> None:
    assert Conv("c", 64, (3, 3), (2, 2), "same").describe() == "conv 64 3x3 stride 2 pad same"
    assert AvgPool("a", (3, 3), (2, 2), (1, 1)).describe() == "avgpool 3x3 stride 2 pad 1"
    assert MaxPool("m", (2, 2), (2, 2)).describe() == "maxpool 2x2"
    assert ZeroPad("z", (1, 1, 2, 2)).describe() == "zeropad 1 1 2 2"


def test_restride_multiplies_and_keeps_padding() -> None:
    conv = Conv("c", 8, (7, 7), (2, 2), (3, 3)).restride((2, 2))
    assert (conv.stride, conv.padding) == ((4, 4), (3, 3))


def test_model_checks_its_input_and_names() -> None:
    with pytest.raises(PoolvizError, match="the input \\(batch, 784\\) is not an image"):
        Model("m", (784,), ())
    with pytest.raises(PoolvizError, match="two layers are named 'c'"):
        Model.chain("m", (8, 8, 1), (Conv("c", 1, (1, 1)), Residual("r", (Conv("c", 1, (1, 1)),))))


def test_shape_text() -> None:
    assert shape_text((26, 26, 32)) == "(batch, 26, 26, 32)"
    assert shape_text((10,), 8) == "(8, 10)"


def test_layers_without_windows() -> None:
    from poolviz.model.pooling import AdaptiveMaxPool
    from poolviz.model.reshape import DepthwiseConv, Reshape, Scale, SeparableConv, UpSample

    assert UpSample("u", (2, 3)).output_shape((4, 5, 2)) == (8, 15, 2)
    assert UpSample("u").field(START, (28, 28, 1)).jump == (Fraction(1, 2), Fraction(1, 2))
    assert Scale("n", True).non_trainable((4, 4, 3)) == 7  # mean, variance and a count
    assert Scale("r").elementwise and Scale("r").non_trainable((4, 4, 3)) == 0
    assert Reshape("r", (-1, 6)).output_shape((4, 4, 3)) == (8, 6)
    assert Reshape("p", order=(3, 1, 2)).output_shape((4, 5, 3)) == (3, 4, 5)
    with pytest.raises(PoolvizError, match="reshapes \\(batch, 4, 4, 3\\) \\(48 values\\)"):
        Reshape("r", (5, 5)).output_shape((4, 4, 3))
    depthwise = DepthwiseConv("d", 1, (3, 3), multiplier=2)
    assert depthwise.output_shape((8, 8, 4)) == (6, 6, 8)
    assert depthwise.params((8, 8, 4)) == 3 * 3 * 8 + 8
    separable = SeparableConv("s", 16, (3, 3))
    assert separable.params((8, 8, 4)) == 3 * 3 * 4 + 4 * 16 + 16
    assert AdaptiveMaxPool("a", (2, 2)).output_shape((7, 7, 3)) == (2, 2, 3)
    assert AdaptiveMaxPool("a", (2, 2)).describe() == "adaptivemaxpool 2x2"
