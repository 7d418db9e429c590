"""The spec grammar: what each word builds, its defaults, and every bad spec's exact message;
and the counterfactuals of spec models (a pooling that stays, a strided model that no longer
fits, an absurd dense layer)."""

from __future__ import annotations

import pytest

from poolviz.errors import PoolvizError
from poolviz.model.layers import Activation, BatchNorm, Conv, Dense, Dropout, Flatten, ZeroPad
from poolviz.model.pooling import AdaptiveAvgPool, AvgPool, GlobalAvgPool, GlobalMaxPool, MaxPool
from poolviz.model.spec import parse_spec
from poolviz.model.trace import counterfactual, report, trace

ISSUE_SPEC = (
    "conv 32 3, maxpool 2, conv 64 3 stride 2 pad same, avgpool 3 2 1, gap, flatten, "
    "dense 10, dropout 0.5, bn, relu"
)


def test_the_issues_example() -> None:
    model = parse_spec(ISSUE_SPEC)
    assert model.input_shape == (28, 28, 1)
    assert model.layers == (
        Conv("conv1", 32, (3, 3)),
        MaxPool("maxpool", (2, 2), (2, 2)),
        Conv("conv2", 64, (3, 3), (2, 2), "same"),
        AvgPool("avgpool", (3, 3), (2, 2), (1, 1)),
        GlobalAvgPool("gap"),
        Flatten("flatten"),
        Dense("dense", 10),
        Dropout("dropout", 0.5),
        BatchNorm("bn"),
        Activation("relu", "relu"),
    )
    t = trace(model)
    assert [(r.output_shape, r.params) for r in t.rows] == [
        ((26, 26, 32), 320),
        ((13, 13, 32), 0),
        ((7, 7, 64), 18_496),  # same: ceil(13 / 2)
        ((4, 4, 64), 0),  # floor((7 + 2 - 3) / 2) + 1
        ((64,), 0),
        ((64,), 0),
        ((10,), 650),
        ((10,), 0),
        ((10,), 20),
        ((10,), 0),
    ]
    assert [r.receptive_field for r in t.rows][:4] == [(3, 3), (4, 4), (8, 8), (16, 16)]
    assert t.rows[4].field.whole and t.rows[4].receptive_field == (28, 28)
    assert t.totals is not None and t.totals.non_trainable == 20


def test_defaults_follow_keras_and_pytorch() -> None:
    conv, pool, avg = parse_spec("conv 8 3, maxpool 3, avgpool 2").layers
    assert isinstance(conv, Conv) and (conv.stride, conv.padding) == ((1, 1), (0, 0))
    assert isinstance(pool, MaxPool) and (pool.stride, pool.padding) == ((3, 3), (0, 0))
    assert isinstance(avg, AvgPool) and avg.stride == (2, 2)


def test_values_in_order_or_by_name() -> None:
    assert parse_spec("conv 8 3 2 1").layers == parse_spec("conv 8 3 pad 1 stride 2").layers
    assert parse_spec("maxpool 3 2 1").layers == parse_spec("maxpool 3 stride 2 pad 1").layers
    assert parse_spec("conv 8 3x5 stride 1x2 pad 0x1 dilation 2").layers == (
        Conv("conv", 8, (3, 5), (1, 2), (0, 1), (2, 2)),
    )
    assert parse_spec("conv 8 3 pad valid").layers == (Conv("conv", 8, (3, 3)),)


def test_activations_inside_a_layer_and_as_layers() -> None:
    conv, bn, relu, dense = parse_spec("conv 8 3 relu, bn tanh, relu, dense 10 softmax").layers
    assert conv.activation == "relu" and bn.activation == "tanh"
    assert isinstance(relu, Activation) and dense.activation == "softmax"
    assert trace(parse_spec("conv 8 3 relu, relu")).rows[1].kind == "activation"


def test_other_words() -> None:
    layers = parse_spec("zeropad 1x2, adaptiveavgpool 7, gmp, maxpool 2 ceil").layers
    assert layers == (
        ZeroPad("zeropad", (1, 1, 2, 2)),
        AdaptiveAvgPool("adaptiveavgpool", (7, 7)),
        GlobalMaxPool("gmp"),
        MaxPool("maxpool", (2, 2), (2, 2), ceil_mode=True),
    )


def test_names_number_repeated_words() -> None:
    names = [layer.name for layer in parse_spec("conv 8 3, relu, conv 8 3, relu, flatten").layers]
    assert names == ["conv1", "relu1", "conv2", "relu2", "flatten"]


def test_words_are_case_insensitive() -> None:
    assert (
        parse_spec("Conv 8 3 ReLU, MaxPool 2").layers
        == parse_spec("conv 8 3 relu, maxpool 2").layers
    )


def test_conv_padding_beyond_half_the_window_is_valid() -> None:
    t = trace(parse_spec("conv 64 3 pad 2", (5, 5, 1)))
    assert t.rows[0].output_shape == (7, 7, 64)


UNKNOWN = (
    "unknown layer 'maxpol' at position 2 in the spec; use conv, maxpool, avgpool, "
    "adaptiveavgpool, adaptivemaxpool, fractionalmaxpool, lppool, blurpool, gap, gmp, "
    "flatten, dense, dropout, bn, zeropad, or an activation "
    "(relu, tanh, sigmoid, softmax, ...)"
)
CONV_USAGE = "conv FILTERS SIZE [stride S] [pad P] [dilation D] [ACTIVATION]"


@pytest.mark.parametrize(
    ("spec", "message", "hint"),
    [
        ("conv 32 3, maxpol 2", UNKNOWN, "did you mean 'maxpool'?"),
        (
            "mnsit",
            UNKNOWN.replace("'maxpol' at position 2", "'mnsit' at position 1"),
            "did you mean the built-in model 'mnist'?",
        ),
        (
            "model.h5",
            UNKNOWN.replace("'maxpol' at position 2", "'model.h5' at position 1"),
            "a Keras model is a .json file written by model.to_json()",
        ),
        (
            "",
            "the spec is empty; give layers separated by commas, e.g. "
            "'conv 32 3, maxpool 2, flatten, dense 10'",
            None,
        ),
        ("conv 8 3,, dense 1", "layer 2 of the spec is empty; remove the extra comma", None),
        ("conv 32", f"conv at position 1 in the spec needs SIZE; use {CONV_USAGE}", None),
        (
            "dense",
            "dense at position 1 in the spec needs UNITS; use dense UNITS [ACTIVATION]",
            None,
        ),
        (
            "conv 32 x",
            "bad size 'x' in conv at position 1 in the spec: the second value after conv is "
            f"the size, a positive integer or HxW; use {CONV_USAGE}",
            None,
        ),
        (
            "conv 0 3",
            "bad filters '0' in conv at position 1 in the spec: the first value after conv is "
            f"the filters, a positive integer; use {CONV_USAGE}",
            None,
        ),
        (
            "maxpool 2 pad -1",
            "bad pad '-1' in maxpool at position 1 in the spec: pad is an integer >= 0, HxW, "
            "same or valid; use maxpool SIZE [stride S] [pad P] [ceil]",
            None,
        ),
        (
            "dropout 1.5",
            "bad rate '1.5' in dropout at position 1 in the spec: the first value after "
            "dropout is the rate, a number from 0 up to (not including) 1; use dropout RATE",
            None,
        ),
        (
            "conv 16 3 same relu",
            "bad stride 'same' in conv at position 1 in the spec: the third value after conv is "
            f"the stride, a positive integer or HxW; use {CONV_USAGE}",
            "did you mean 'pad same'?",
        ),
        (
            "conv 16 3, maxpool 2 valid",
            "bad stride 'valid' in maxpool at position 2 in the spec: the second value after "
            "maxpool is the stride, a positive integer or HxW; use maxpool SIZE [stride S] "
            "[pad P] [ceil]",
            "did you mean 'pad valid'?",
        ),
        (
            "conv 16 3 stride same",
            "bad stride 'same' in conv at position 1 in the spec: stride is a positive integer "
            f"or HxW; use {CONV_USAGE}",
            "did you mean 'pad same'?",
        ),
        (
            "conv 32 3 strid 2",
            f"unexpected 'strid' in conv at position 1 in the spec; use {CONV_USAGE}",
            "did you mean 'stride'?",
        ),
        (
            "conv 32 stride 2 3",
            f"unexpected '3' in conv at position 1 in the spec; use {CONV_USAGE}",
            None,
        ),
        (
            "conv 32 3 stride",
            "stride needs a value after it in conv at position 1 in the spec",
            None,
        ),
        (
            "conv 32 3 stride 1 stride 2",
            "stride is given twice in conv at position 1 in the spec",
            None,
        ),
        (
            "conv 32 3 relu tanh",
            "two activations in conv at position 1 in the spec; give one",
            None,
        ),
        (
            "flatten, relu 2",
            "unexpected '2' after relu at position 2 in the spec; relu takes no values",
            None,
        ),
        (
            "maxpool 2 relu",
            "unexpected 'relu' in maxpool at position 1 in the spec; use "
            "maxpool SIZE [stride S] [pad P] [ceil]",
            None,
        ),
    ],
)
def test_bad_specs(spec: str, message: str, hint: str | None) -> None:
    with pytest.raises(PoolvizError) as err:
        parse_spec(spec)
    assert (err.value.message, err.value.hint, err.value.exit_code) == (message, hint, 2)


def test_a_pooling_with_no_convolution_before_it_in_its_block_stays() -> None:
    t = counterfactual(parse_spec("maxpool 2, conv 8 3, zeropad 1, avgpool 2"), "strided")
    assert t.notes == {
        "maxpool": "stays: no convolution before it in its block",
        "avgpool": "stays: no convolution before it in its block",  # zero padding between
    }
    assert [r.name for r in t.rows] == ["maxpool", "conv", "zeropad", "avgpool"]


def test_strided_folds_across_batchnorm_activations_and_dropout() -> None:
    t = counterfactual(parse_spec("conv 8 3, bn, relu, dropout 0.1, maxpool 2"), "strided")
    assert t.notes == {"conv": "stride 2 (was 1)", "maxpool": "folded into conv"}
    assert t.rows[0].output_shape == (13, 13, 8)


def test_two_poolings_in_a_row_fold_into_one_convolution() -> None:
    t = counterfactual(parse_spec("conv 8 3 stride 1x2, maxpool 2, avgpool 3 2"), "strided")
    assert t.notes == {
        "conv": "stride 4x8 (was 1x2)",
        "maxpool": "folded into conv",
        "avgpool": "folded into conv",
    }


def test_a_strided_convolution_that_no_longer_fits_stops_the_trace() -> None:
    # the pooling's padding kept 2x2 after the first convolution; its stride leaves 1x1
    model = parse_spec("conv 8 3, maxpool 2 2 1, conv 8 2", (4, 4, 1))
    assert trace(model).rows[-1].output_shape == (1, 1, 8)
    t = counterfactual(model, "strided")
    assert t.problem is not None and t.problem.layer == "conv2"
    assert t.problem.message == (
        "layer 'conv2' (conv 8 2x2) does not fit its input (batch, 1, 1, 8): a window of 2 "
        "(span 2) does not fit the height of length 1 with padding 0"
    )
    assert t.totals is None
    assert [t.counterpart(n).state for n in ("conv1", "maxpool", "conv2")] == [
        "present",
        "gone",
        "invalid",
    ]
    r = report(model)
    assert r.versus(t) is None


def test_later_rows_of_an_invalid_counterfactual_are_unreached() -> None:
    model = parse_spec("conv 8 3, maxpool 2 2 1, conv 8 2, flatten, dense 4", (4, 4, 1))
    t = counterfactual(model, "strided")
    assert [t.counterpart(n).state for n in ("conv2", "flatten", "dense")] == [
        "invalid",
        "unreached",
        "unreached",
    ]


def test_a_dense_layer_in_the_billions_is_absurd_not_an_error() -> None:
    model = parse_spec(
        "conv 64 3, maxpool 2, conv 64 3, maxpool 2, flatten, dense 4096", (224, 224, 3)
    )
    drop = counterfactual(model, "drop")
    assert [r.name for r in drop.absurd] == ["dense"]
    assert drop.absurd[0].params == 220 * 220 * 64 * 4096 + 4096
    assert not trace(model).absurd
