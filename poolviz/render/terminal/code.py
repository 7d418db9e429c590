"""The layer as PyTorch and Keras code, for the terminal reports that show it (``pool``,
``size``): a module of its own so that ``poolviz size`` need not import the pooling report."""

from __future__ import annotations

from rich.text import Text

from poolviz.engine.frameworks import channels_first, keras_code, pytorch_code, uneven_code
from poolviz.engine.geometry import Axis, PoolSpec
from poolviz.render.order import Order
from poolviz.render.terminal.fit import hanging


def framework_code(
    spec: PoolSpec, rows: Axis, cols: Axis, width: int, order: Order = "nhwc"
) -> Text:
    """The layer as PyTorch and Keras code, each line labelled and folded to fit ``width``,
    with a dim note where a framework cannot say it as is (adaptive and fractional windows,
    ``rows.kind``, are their own layers); for ``order`` ``nchw`` Keras's layers say
    ``data_format="channels_first"``."""
    text = Text()
    text.append("\nThe same layer as code:\n", style="bold")
    codes = (
        uneven_code(spec.mode, rows, cols)
        if rows.kind != "uniform"
        else (pytorch_code(spec, rows, cols), keras_code(spec))
    )
    for code in codes:
        code = channels_first(code) if order == "nchw" else code
        label = f"  {code.framework + ':':9}"
        if code.code:
            pieces = [p for line in code.code.splitlines() for p in _fold(line, width - 13)]
            for k, line in enumerate(pieces):
                text.append((label if k == 0 else " " * len(label)) + line + "\n")
        if code.note:
            first = label if not code.code else " " * len(label)
            text.append(hanging(code.note, width, first, " " * len(label)), style="dim")
    text.rstrip()
    return text


def _fold(line: str, width: int) -> list[str]:
    """A line of code cut after commas so that each piece fits ``width`` (continuations are
    indented two spaces more, as a formatter would)."""
    pieces: list[str] = []
    while len(line) > width and ", " in line[:width]:
        cut = line[:width].rindex(", ") + 1
        pieces.append(line[:cut])
        line = "  " + line[cut:].lstrip()
    return [*pieces, line]
