"""Models as graphs: branches, merges, and the counterfactuals on them."""

from __future__ import annotations

import pytest

from poolviz.errors import PoolvizError
from poolviz.model.graph import INPUT, Model, Node
from poolviz.model.layers import Activation, Conv, Dense, Flatten
from poolviz.model.merge import Add, Concat
from poolviz.model.pooling import MaxPool
from poolviz.model.trace import counterfactual, trace


def inception() -> Model:
    """Two branches of one input, concatenated: a 1x1 conv, and a 3x3 conv then 2x2 pool
    against a 2x2 pool then 1x1 conv."""
    return Model(
        "inception",
        (8, 8, 3),
        (
            Node(Conv("stem", 4, (3, 3), padding=(1, 1))),
            Node(Conv("a", 2, (3, 3), padding=(1, 1)), ("stem",)),
            Node(MaxPool("a_pool", (2, 2), (2, 2)), ("a",)),
            Node(MaxPool("b_pool", (2, 2), (2, 2)), ("stem",)),
            Node(Conv("b", 6, (1, 1)), ("b_pool",)),
            Node(Concat("cat"), ("a_pool", "b")),
            Node(Flatten("flatten"), ("cat",)),
            Node(Dense("fc", 10, fixed_inputs=128), ("flatten",)),
        ),
    )


def test_concat_adds_channels_and_the_field_is_the_union() -> None:
    rows = {r.name: r for r in trace(inception()).rows}
    assert rows["cat"].output_shape == (4, 4, 8)
    assert rows["cat"].inputs == ("a_pool", "b")
    assert rows["a_pool"].receptive_field == (6, 6)  # 3 + 2 + (2-1)*1
    assert rows["b"].receptive_field == (4, 4)  # 3 + (2-1)*1
    assert rows["cat"].receptive_field == (6, 6)
    assert rows["fc"].params == 128 * 10 + 10


def test_drop_reconnects_readers_and_a_fixed_dense_layer_says_it_no_longer_fits() -> None:
    t = counterfactual(inception(), "drop")
    assert t.notes == {"a_pool": "removed", "b_pool": "removed"}
    rows = {r.name: r for r in t.rows}
    assert rows["cat"].inputs == ("a", "b") and rows["cat"].output_shape == (8, 8, 8)
    assert rows["b"].inputs == ("stem",)
    assert t.problem is not None and t.problem.layer == "fc"
    assert t.problem.message == (
        "layer 'fc' has stored weights for 128 inputs but gets 512, from (batch, 512); the "
        "file's weights cannot take it (a new fc for 512 inputs would have to be trained)"
    )


def test_strided_folds_only_into_a_convolution_nothing_else_reads() -> None:
    t = counterfactual(inception(), "strided")
    assert t.notes == {
        "a": "stride 2 (was 1)",
        "a_pool": "folded into a",
        "b_pool": "stays: stem also feeds a",
    }
    model = Model.chain(
        "m", (8, 8, 1), (Conv("c", 2, (3, 3)), Activation("r"), MaxPool("p", (2, 2), (2, 2)))
    )
    shared = model.with_nodes([*model.nodes, Node(Conv("side", 1, (1, 1)), ("r",))])
    t = counterfactual(shared, "strided")
    assert t.notes == {"p": "stays: r also feeds side"}


def test_an_add_whose_branches_disagree_after_drop_says_so() -> None:
    model = Model(
        "res",
        (8, 8, 2),
        (
            Node(MaxPool("pool", (2, 2), (2, 2))),
            Node(Conv("down", 2, (1, 1), (2, 2)), (INPUT,)),
            Node(Add("add", act="relu"), ("pool", "down")),
        ),
    )
    assert trace(model).rows[-1].output_shape == (4, 4, 2)
    assert trace(model).rows[-1].activation == "relu"
    t = counterfactual(model, "drop")
    assert t.problem is not None and t.problem.message == (
        "add 'add' gets (batch, 8, 8, 2) and (batch, 4, 4, 2); the inputs' shapes must match"
    )


def test_a_graph_reads_only_layers_before_it() -> None:
    with pytest.raises(PoolvizError, match="layer 'a' reads 'b', which is not a layer before it"):
        Model("m", (4, 4, 1), (Node(Conv("a", 1, (1, 1)), ("b",)), Node(Conv("b", 1, (1, 1)))))
    with pytest.raises(PoolvizError, match="layer 'a' reads 2 inputs; it takes one"):
        Model("m", (4, 4, 1), (Node(Conv("a", 1, (1, 1)), (INPUT, INPUT)),))
