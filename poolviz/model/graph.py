"""A model as a graph: nodes in topological order, each a layer and the nodes it reads.

One graph serves every source. A spec string, a built-in or a Keras Sequential model is a
chain (each node reads the one before it); a residual block is two chains from one node
meeting in an add; an ONNX file or a Keras functional model gives its nodes and edges as
they are, branches and merges (add, concatenate...) included. The trace, the
counterfactuals and the renderers read nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from poolviz.errors import PoolvizError
from poolviz.model.layers import Layer, Shape, shape_text
from poolviz.model.merge import Add, Merge

INPUT = ""
"""What a node reading the model's input names among its inputs (no node has this name)."""
Edge = tuple[str, int]
"""A node's name and the index of one of its outputs (0: the first)."""


@dataclass
class Node:
    """A layer and what it reads."""

    layer: Layer
    inputs: tuple[str, ...] = (INPUT,)
    """Names of the nodes it reads, in order (:data:`INPUT`: the model's input); one, except
    for a :class:`~poolviz.model.merge.Merge`."""
    block: str | None = None
    """The residual block it belongs to (its body, shortcut or add), where one was built."""
    ports: tuple[int, ...] = ()
    """Which output of each node in ``inputs`` it reads (an ONNX ``Split`` has several);
    empty: the first output of each."""

    @property
    def name(self) -> str:
        """The layer's name, unique in its model."""
        return self.layer.name

    def edges(self) -> tuple[Edge, ...]:
        """What it reads: (node name, output index) per input, in order."""
        return tuple(zip(self.inputs, self.ports or (0,) * len(self.inputs), strict=True))

    def reading(self, edges: Iterable[Edge]) -> Node:
        """The same node reading ``edges`` instead (a counterfactual reconnecting it)."""
        listed = tuple(edges)
        ports = tuple(p for _, p in listed)
        return replace(self, inputs=tuple(n for n, _ in listed), ports=ports if any(ports) else ())


@dataclass
class Residual:
    """A residual block to build a chain with: ``body`` and ``shortcut`` (empty: the
    identity) both read the block's input, and an add named ``<name>.add`` sums them, then
    ``act`` (torchvision's BasicBlock). Not a layer: :meth:`Model.chain` turns it into
    nodes, each with ``block`` set to ``name``."""

    name: str
    body: tuple[Layer, ...] = ()
    shortcut: tuple[Layer, ...] = ()
    act: str | None = None
    """The activation after the add."""


@dataclass
class Model:
    """A graph of layers on an ``(h, w, c)`` input."""

    name: str
    input_shape: Shape
    """Per-sample input, ``(h, w, c)``."""
    nodes: tuple[Node, ...]
    """In topological order: a node reads the input or nodes before it."""
    notes: tuple[str, ...] = ()
    """What the reader of a file wants a user to know about the numbers (one sentence
    each), e.g. that BatchNorm was folded into the convolutions before it."""

    def __post_init__(self) -> None:
        if len(self.input_shape) != 3 or min(self.input_shape, default=0) < 1:
            raise PoolvizError(
                f"the input {shape_text(self.input_shape)} is not an image; poolviz traces "
                "models on an HxWxC input (e.g. --input 28x28x1)"
            )
        seen = {INPUT}
        for node in self.nodes:
            if node.name in seen:
                raise PoolvizError(f"two layers are named {node.name!r}; names must be unique")
            for source in node.inputs:
                if source not in seen:
                    raise PoolvizError(
                        f"layer {node.name!r} reads {source!r}, which is not a layer before it"
                    )
            if node.ports and len(node.ports) != len(node.inputs):
                raise PoolvizError(
                    f"layer {node.name!r} names {len(node.ports)} outputs for "
                    f"{len(node.inputs)} inputs; give one per input"
                )
            if not node.inputs or (len(node.inputs) > 1 and not isinstance(node.layer, Merge)):
                raise PoolvizError(
                    f"layer {node.name!r} reads {len(node.inputs)} inputs; it takes one"
                )
            seen.add(node.name)

    @classmethod
    def chain(cls, name: str, input_shape: Shape, layers: Sequence[Layer | Residual]) -> Model:
        """``layers`` one after the other on ``input_shape``, residual blocks expanded."""
        return cls(name, input_shape, tuple(chain_nodes(layers)))

    def with_nodes(self, nodes: Iterable[Node]) -> Model:
        """The same model and input with other nodes (a counterfactual)."""
        return replace(self, nodes=tuple(nodes))

    def consumers(self) -> dict[str, list[str]]:
        """Node name (and :data:`INPUT`) -> the nodes reading it, in order."""
        out: dict[str, list[str]] = {INPUT: [], **{n.name: [] for n in self.nodes}}
        for node in self.nodes:
            for source in node.inputs:
                out[source].append(node.name)
        return out

    @property
    def layers(self) -> tuple[Layer, ...]:
        """Every node's layer, in order."""
        return tuple(n.layer for n in self.nodes)


def chain_nodes(
    items: Sequence[Layer | Residual], source: str = INPUT, block: str | None = None
) -> list[Node]:
    """Nodes for ``items`` one after the other, the first reading ``source`` (the input)."""
    nodes: list[Node] = []
    for item in items:
        if isinstance(item, Residual):
            body = chain_nodes(item.body, source, item.name)
            shortcut = chain_nodes(item.shortcut, source, item.name)
            ends = (body[-1].name if body else source, shortcut[-1].name if shortcut else source)
            nodes += [
                *body,
                *shortcut,
                Node(Add(f"{item.name}.add", act=item.act), ends, item.name),
            ]
        else:
            nodes.append(Node(item, (source,), block))
        source = nodes[-1].name
    return nodes
