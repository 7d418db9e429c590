"""One model on one image: run it, capture and check every pooling node.

The runner is onnxruntime when it is installed; the bundled model also runs without it,
through :mod:`poolviz.features.numpy_run`. A user's model needs onnxruntime (the
``poolviz[run]`` extra).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from poolviz.features import numpy_run
from poolviz.features.capture import Capture, PoolNode, capture, pooling_nodes
from poolviz.features.graph import Graph, require
from poolviz.loaders import Budget

CHECK_FOOTPRINT = 4
"""Bytes needed per captured byte to check it: the capture, its NHWC copy, the engine's
output and its int64 indices (twice a float32 output)."""


class Runner:
    """Runs ``graph`` on images, returning its output and the values named ``wanted``."""

    def __init__(self, graph: Graph, wanted: Sequence[str]) -> None:
        self.graph = graph
        self.session = None
        missing = [m for m in ("onnx", "onnxruntime") if importlib.util.find_spec(m) is None]
        if graph.bundled and missing:
            self.name = f"NumPy ({missing[-1]} is not installed)"
            return
        require("onnxruntime")
        from poolviz.features.onnx_run import Session

        assert graph.path is not None  # a graph read from a file
        self.session = Session(graph.path, wanted, graph.name)
        self.name = "onnxruntime"

    def run(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """Every wanted value and the output on the float32 ``image`` (a batch of one)."""
        if self.session is None:
            return numpy_run.run(self.graph, image)
        return self.session.run(image)


@dataclass(frozen=True)
class Features:
    """What ``poolviz features`` shows: every pooling node captured on one image."""

    graph: Graph
    runner: str
    """What ran the model: ``onnxruntime 1.32.0`` or ``NumPy (...)``."""
    image: np.ndarray
    """The input as the model took it (float32, the model's layout, a batch of one)."""
    captures: tuple[Capture, ...]
    output: np.ndarray
    """The model's first output, the batch's first item, flattened."""

    def capture_of(self, name: str) -> Capture:
        return next(c for c in self.captures if c.pool.name == name)


def wanted_values(pools: Sequence[PoolNode]) -> list[str]:
    """Each pooling node's input and output, in order, without repeats."""
    names = [name for p in pools for name in (p.node.inputs[0], p.node.outputs[0])]
    return list(dict.fromkeys(names))


def features(
    graph: Graph,
    image: np.ndarray,
    runner: Runner | None = None,
    max_memory: int | None = None,
    shrink: str | None = None,
) -> Features:
    """Run ``graph`` on ``image``, capturing and checking each pooling node (PoolvizError
    naming the node where the engine's recomputation differs). Captures that would need more
    than ``max_memory`` bytes to check are refused once the model has run, the refusal
    naming ``shrink``, the options that would make the image smaller, if any."""
    pools = pooling_nodes(graph)
    runner = runner or Runner(graph, wanted_values(pools))
    values = runner.run(image)
    if max_memory is not None:
        check_memory(graph, values, wanted_values(pools), max_memory, shrink)
    captures = tuple(capture(p, values[p.node.inputs[0]], values[p.node.outputs[0]]) for p in pools)
    output = np.asarray(values[graph.output])[0].ravel()
    return Features(graph, runner.name, image, captures, output)


def check_memory(
    graph: Graph,
    values: dict[str, np.ndarray],
    names: Sequence[str],
    limit: int,
    shrink: str | None = None,
) -> None:
    """Refuse captures whose checking would need more than ``limit`` bytes."""
    task = "checking its pooling nodes"
    budget = Budget(limit, footprint=CHECK_FOOTPRINT, task=task, shrink=shrink)
    budget.check(graph.name, sum(values[name].nbytes for name in names))
