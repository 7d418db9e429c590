"""A long trace made readable: rows grouped by the path in their names to a depth, as
torchinfo's ``depth`` does, and runs of identical groups folded into one.

A row's path is its name split at ``/`` (``torch.onnx.export`` names nodes
``/layer1/layer1.0/conv1/Conv``), or its residual block then its name. At depth ``d`` the
rows sharing the first ``d`` parts of a longer path stand as one group: its shape, receptive
field and jump are its last row's, its parameters, multiply-accumulates and values the sums
of its rows'. Consecutive groups that are the same layers on the same shapes (a ResNet
stage's repeated blocks) fold into one entry that counts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from poolviz.model.trace import TraceRow

AUTO_ROWS = 60
"""The most entries a trace shows before it is grouped to a depth of its own accord."""


def path(row: TraceRow) -> tuple[str, ...]:
    """The parts of a row's name: ``("layer1", "layer1.0", "conv1", "Conv")``."""
    if "/" in row.name:
        return tuple(p for p in row.name.split("/") if p) or (row.name,)
    if row.block is not None:
        return (row.block, row.name.removeprefix(row.block + "."))
    return (row.name,)


@dataclass
class Entry:
    """One line of an outline: a row, a group of rows, or a run of identical groups."""

    name: str
    rows: tuple[TraceRow, ...]
    """Every trace row it stands for, in order."""
    count: int = 1
    """Identical groups folded into this entry."""

    @property
    def last(self) -> TraceRow:
        """The row whose output the entry gives."""
        return self.rows[-1]

    @property
    def single(self) -> bool:
        """It stands for one row."""
        return len(self.rows) == 1

    def total(self, what: str) -> int:
        """The sum of ``params``, ``non_trainable``, ``macs`` or ``activations``."""
        return sum(int(getattr(r, what)) for r in self.rows)


def outline(rows: Sequence[TraceRow], depth: int | None = None) -> list[Entry]:
    """``rows`` grouped to ``depth`` path parts (None: every row on its own), runs of
    identical groups folded."""
    groups: list[tuple[tuple[str, ...] | None, list[TraceRow]]] = []
    for row in rows:
        parts = path(row)
        key = parts[:depth] if depth is not None and len(parts) > depth else None
        if key is not None and groups and groups[-1][0] == key:
            groups[-1][1].append(row)
        else:
            groups.append((key, [row]))
    entries: list[Entry] = []
    for key, members in groups:
        shown = "/".join(key or path(members[0])) if key or "/" in members[0].name else None
        entry = Entry(shown or members[0].name, tuple(members))
        previous = entries[-1] if entries else None
        if previous is not None and not entry.single and _same(previous, entry):
            entries[-1] = Entry(
                _run_name(previous.name, entry.name),
                previous.rows + entry.rows,
                previous.count + 1,
            )
        else:
            entries.append(entry)
    return entries


def _same(run: Entry, group: Entry) -> bool:
    """``group`` repeats the groups of ``run``: the same layers on the same shapes."""
    size = len(run.rows) // run.count
    return len(group.rows) == size and all(
        (a.kind, a.config, a.input_shape, a.output_shape)
        == (b.kind, b.config, b.input_shape, b.output_shape)
        for a, b in zip(run.rows[-size:], group.rows, strict=True)
    )


def _run_name(first: str, last: str) -> str:
    """``layer1/layer1.1 .. layer1.2``: a run's first name, then its last's final part."""
    start = first.split(" .. ")[0]
    return f"{start} .. {last.split('/')[-1]}"


def relative(source: str, name: str) -> str:
    """``source`` without the path it shares with ``name`` (``/layer1/layer1.0/conv2/Conv``
    read by ``/layer1/layer1.0/Add`` is ``conv2/Conv``); ``input`` for the model's input."""
    if not source:
        return "input"
    ours, theirs = name.split("/"), source.split("/")
    shared = 0
    while shared < min(len(ours), len(theirs)) - 1 and ours[shared] == theirs[shared]:
        shared += 1
    return "/".join(theirs[shared:])


def reads(row: TraceRow, after: str) -> str | None:
    """``<- a/Conv, b/Conv``: what a row of a graph reads, where that is not ``after`` (the
    row shown before it) alone; ``(output 1)`` after a node's second output, and so on.
    None for a row of a residual block, whose reading is the block's."""
    if row.block is not None or (row.inputs == (after,) and not any(row.ports)):
        return None
    ports = row.ports or (0,) * len(row.inputs)
    return "<- " + ", ".join(
        relative(i, row.name) + (f" (output {p})" if p else "")
        for i, p in zip(row.inputs, ports, strict=True)
    )


def deepest(rows: Sequence[TraceRow]) -> int:
    """The longest path among ``rows``."""
    return max((len(path(r)) for r in rows), default=1)


def auto_depth(rows: Sequence[TraceRow], most: int = AUTO_ROWS) -> int | None:
    """The deepest grouping that shows at most ``most`` entries (None: every row fits, or
    grouping does not help), for a trace the user gave no ``--depth``."""
    if len(outline(rows)) <= most:
        return None
    for depth in range(deepest(rows) - 1, 0, -1):
        if len(outline(rows, depth)) <= most:
            return depth
    return 1
