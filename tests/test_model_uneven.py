"""Adaptive and fractional max pooling in the spec grammar and the trace: their shapes, the
receptive field an adaptive layer's largest bin gives, fractional pooling's mean spacing, the
notes saying so, the ``strided`` counterfactual leaving them in place, and bad specs."""

from __future__ import annotations

from fractions import Fraction

import pytest

from poolviz.errors import PoolvizError
from poolviz.model.graph import Model
from poolviz.model.pooling import AdaptiveMaxPool, FractionalMaxPool
from poolviz.model.spec import parse_spec
from poolviz.model.trace import counterfactual, trace
from tests import cli

SPEC = "conv 8 3 pad 1, adaptivemaxpool 3, fractionalmaxpool 2 ratio 0.7, flatten, dense 10"


def test_the_words_build_their_layers() -> None:
    model = parse_spec("adaptivemaxpool 4x3, fractionalmaxpool 2 4, fractionalmaxpool 3 ratio 0.5")
    assert model.layers == (
        AdaptiveMaxPool("adaptivemaxpool", (4, 3)),
        FractionalMaxPool("fractionalmaxpool1", (2, 2), (4, 4)),
        FractionalMaxPool("fractionalmaxpool2", (3, 3), None, (0.5, 0.5)),
    )
    assert [layer.describe() for layer in model.layers] == [
        "adaptivemaxpool 4x3",
        "fractionalmaxpool 2x2 output 4x4",
        "fractionalmaxpool 3x3 ratio 0.5",
    ]


def test_adaptive_field_follows_the_largest_bin() -> None:
    """5 -> 3 gives bins [0, 2), [1, 4), [3, 5): lengths 2 and 3, overlapping; after a
    3x3 convolution (field 3, jump 1) the field grows by the largest bin, 3 - 1 cells, to 5,
    and the jump is the mean spacing 5/3."""
    rows = trace(parse_spec(SPEC, (5, 5, 1))).rows
    adaptive = rows[1]
    assert (adaptive.output_shape, adaptive.receptive_field) == ((3, 3, 8), (5, 5))
    assert adaptive.jump == (Fraction(5, 3), Fraction(5, 3))
    assert adaptive.kept == pytest.approx(9 / 25)
    assert adaptive.field_note == (
        "adaptivemaxpool: its adaptive bins span 2/3 rows by 2/3 columns; the receptive field "
        "grows by the largest (3x3), the jump is their mean spacing, 5/3 = 1.67."
    )


def test_fractional_field_grows_by_the_window_at_the_mean_spacing() -> None:
    """3x3 at ratio 0.7 gives int(2.1) = 2 outputs, windows of 2 from 0 to 3 - 2 = 1: the
    spacing is (3 - 2)/(2 - 1) = 1 input cell of the map, 5/3 input pixels."""
    rows = trace(parse_spec(SPEC, (5, 5, 1))).rows
    frac = rows[2]
    assert (frac.output_shape, frac.receptive_field) == ((2, 2, 8), (7, 7))
    assert frac.jump == (Fraction(5, 3), Fraction(5, 3))
    assert frac.kept == pytest.approx(4 / 9)
    assert frac.field_note == (
        "fractionalmaxpool: its fractional windows of 2x2 start at random places; the "
        "receptive field grows by the window, the jump is their mean spacing, (3−2)/(2−1) = 1."
    )
    # 28 -> 14 with windows of 2: starts rise by 26/13 = 2 on average, as maxpool 2 would
    row = trace(parse_spec("fractionalmaxpool 2 ratio 0.5")).rows[0]
    assert (row.output_shape, row.receptive_field, row.jump) == ((14, 14, 1), (2, 2), (2, 2))


def test_strided_leaves_uneven_pooling_and_says_so() -> None:
    model = parse_spec("conv 8 3, adaptivemaxpool 6, conv 8 3, fractionalmaxpool 2 3", (16, 16, 1))
    strided = counterfactual(model, "strided")
    assert strided.problem is None
    assert [r.name for r in strided.rows] == [r.name for r in model.nodes]
    assert dict(strided.notes) == {
        "adaptivemaxpool": "stays: no stride",
        "fractionalmaxpool": "stays: no stride",
    }
    assert [r.output_shape for r in strided.rows] == [(14, 14, 8), (6, 6, 8), (4, 4, 8), (3, 3, 8)]
    dropped = counterfactual(model, "drop")
    assert [r.name for r in dropped.rows] == [r.name for r in model.nodes]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "fractionalmaxpool 2",
            "fractionalmaxpool at position 1 in the spec needs OUTPUT or ratio R; use "
            "fractionalmaxpool SIZE (OUTPUT | ratio R)",
        ),
        (
            "fractionalmaxpool 2 5 ratio 0.5",
            "fractionalmaxpool at position 1 in the spec takes OUTPUT or ratio R, not both; use "
            "fractionalmaxpool SIZE (OUTPUT | ratio R)",
        ),
        (
            "fractionalmaxpool 2 ratio 1",
            "bad ratio '1' in fractionalmaxpool at position 1 in the spec: ratio is a number "
            "between 0 and 1 (not included), or HxW of them; use fractionalmaxpool SIZE "
            "(OUTPUT | ratio R)",
        ),
    ],
)
def test_bad_fractional_specs(spec: str, message: str) -> None:
    with pytest.raises(PoolvizError) as err:
        parse_spec(spec)
    assert err.value.message == message


def test_a_fractional_output_that_does_not_fit_names_the_layer() -> None:
    with pytest.raises(PoolvizError) as err:
        trace(parse_spec("fractionalmaxpool 2 28"))
    assert err.value.message == (
        "layer 'fractionalmaxpool' (fractionalmaxpool 2x2 output 28x28) does not fit its input "
        "(batch, 28, 28, 1): 28 windows of 2 do not fit the height of 28 (fractional pooling "
        "needs output + size - 1 <= 28); use an output height of at most 27"
    )


def test_the_terminal_notes_and_sentences() -> None:
    code, out, err = cli.run("trace", SPEC, "--input", "5x5x1")
    assert (code, err) == (0, "")
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[4:6] == [
        "adaptivemaxpool   (batch, 3, 3, 8)      0     0     72 5x5 1.67x1.67   36%",
        "fractionalmaxpool (batch, 2, 2, 8)      0     0     32 7x7 1.67x1.67 44.4%",
    ]
    text = " ".join(lines)
    assert "the receptive field grows by the largest (3x3)" in text
    assert "both keep the adaptive and fractional pooling." in text
    assert text.count("stays: no stride") == 2
    assert (
        "Its adaptive and fractional pooling layers keep 36% (adaptivemaxpool) and 44.4% "
        "(fractionalmaxpool) of the values they see; drop and strided leave them in place."
    ) in text
    assert max(len(line) for line in lines) <= 80


def test_bins_that_divide_need_no_note() -> None:
    """AlexNet's 6x6 map to 6x6, and 12 -> 4 (windows of 3 at stride 3), are ordinary
    windows: no note; 1 -> 7 repeats the cell and has one."""
    assert trace(parse_spec("adaptiveavgpool 6", (6, 6, 2))).rows[0].field_note is None
    assert trace(parse_spec("adaptivemaxpool 4", (12, 12, 2))).rows[0].field_note is None
    note = trace(parse_spec("adaptivemaxpool 7", (1, 1, 2))).rows[0].field_note
    assert note == (
        "adaptivemaxpool: its adaptive bins span 1 row by 1 column; the receptive field grows "
        "by the largest (1x1), the jump is their mean spacing, 1/7 = 0.143."
    )


def test_an_empty_adaptive_output_is_refused() -> None:
    model = Model.chain("m", (5, 5, 1), [AdaptiveMaxPool("a", (0, 3))])
    with pytest.raises(PoolvizError) as err:
        trace(model)
    assert err.value.message == (
        "layer 'a' (adaptivemaxpool 0x3) has an empty output; give an output size of at least 1x1"
    )
