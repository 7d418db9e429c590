"""Outlines: rows grouped by the paths in their names, identical groups folded."""

from __future__ import annotations

from poolviz.model import load_model
from poolviz.model.graph import Model, Node
from poolviz.model.layers import Activation, Conv
from poolviz.model.outline import auto_depth, deepest, outline, path
from poolviz.model.trace import trace


def torch_named(blocks: int) -> Model:
    """A stem, then ``blocks`` identical blocks of two layers, named as torch exports them."""
    nodes = [Node(Conv("/stem/Conv", 4, (3, 3), padding=(1, 1)))]
    for i in range(blocks):
        nodes.append(
            Node(
                Conv(f"/layer1/layer1.{i}/conv/Conv", 4, (3, 3), padding=(1, 1)), (nodes[-1].name,)
            )
        )
        nodes.append(Node(Activation(f"/layer1/layer1.{i}/relu/Relu"), (nodes[-1].name,)))
    return Model("m", (8, 8, 4), tuple(nodes))


def test_paths() -> None:
    rows = {r.name: r for r in trace(load_model("resnet18")).rows}
    assert path(rows["layer2.0.conv1"]) == ("layer2.0", "conv1")
    assert path(rows["conv1"]) == ("conv1",)
    assert path(trace(torch_named(1)).rows[1]) == ("layer1", "layer1.0", "conv", "Conv")


def test_groups_sum_and_identical_runs_fold() -> None:
    rows = trace(torch_named(3)).rows
    assert deepest(rows) == 4
    full = outline(rows)
    assert [e.name for e in full][:2] == ["stem/Conv", "layer1/layer1.0/conv/Conv"]
    entries = outline(rows, 2)
    assert [(e.name, e.count, len(e.rows)) for e in entries] == [
        ("stem/Conv", 1, 1),
        ("layer1/layer1.0 .. layer1.2", 3, 6),
    ]
    assert entries[1].total("params") == 3 * (3 * 3 * 4 * 4 + 4)
    assert entries[1].last.receptive_field == (9, 9)
    assert [e.name for e in outline(rows, 1)] == ["stem", "layer1"]


def test_a_long_trace_groups_itself_to_fit() -> None:
    rows = trace(torch_named(40)).rows
    assert len(rows) == 81
    # depth 3 still shows every row; depth 2 folds the 40 identical blocks into one line
    assert auto_depth(rows) == 2
    assert auto_depth(trace(torch_named(20)).rows) is None  # 41 rows fit
