"""``poolviz trace`` in the terminal: the layer table, the counterfactuals beside the original,
and what pooling saved, in words.

Built from a :class:`poolviz.model.trace.Report`; every number comes from it. All text is
plain ASCII (shapes as ``26x26x32``); only the table rules and the ellipsis of a shortened
name change with ``ascii_only``, so the report reads the same in any terminal. The tables fit
the terminal's width (:mod:`poolviz.render.terminal.fit`). Parameters are exact;
multiply-accumulates and activation values, which run into billions, have three significant
digits (``--json`` gives every digit).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.table import Table
from rich.text import Text

from poolviz.model.field import Jump, Pair, jump_text
from poolviz.model.layers import pair_text, shape_text
from poolviz.model.outline import Entry, auto_depth, deepest, outline, reads
from poolviz.model.trace import (
    ABSURD_PARAMS,
    MB,
    Counterpart,
    Report,
    Totals,
    Trace,
    TraceRow,
)
from poolviz.render.order import Order, ordered
from poolviz.render.style import count, feature_text, percent, ratio, si
from poolviz.render.terminal.fit import fitted, shorten, text_widths
from poolviz.render.terminal.trace_words import held_kinds, summary

RULES = box.Box("    \n    \n ── \n    \n ── \n ── \n    \n    \n")
"""No vertical lines; a rule under the header and above totals."""
ASCII_RULES = box.Box("    \n    \n -- \n    \n -- \n -- \n    \n    \n", ascii=True)


@dataclass(eq=False, repr=False)  # never compared or printed: compile no __eq__, __repr__
class TraceView:
    """How to show a report."""

    ascii_only: bool = False
    """Rules drawn with ``-`` (a terminal that is not UTF-8)."""
    depth: int | None = None
    """Group rows to this many parts of their names (``--depth``); None: every row, or
    grouped to a depth of its own accord when there are too many (see
    :func:`poolviz.model.outline.auto_depth`)."""

    def depth_of(self, rows: tuple[TraceRow, ...]) -> int | None:
        """The grouping depth for ``rows``; None where every row shows."""
        if self.depth is None:
            return auto_depth(rows)
        return None if self.depth >= deepest(rows) else self.depth

    order: Order = "nhwc"
    """The axis order shapes are printed in."""


def _name(
    row: TraceRow,
    activation: bool = True,
    width: int | None = None,
    ascii_only: bool = False,
    after: str | None = None,
) -> Text:
    """The row's name, inside a residual block indented and without the block's prefix,
    and the activation applied inside the layer; given ``after`` (the row shown before it),
    what a row of a graph reads where that is anything else, on a line of its own
    (``  <- conv2/Conv, pool``). In at most ``width`` characters a line, the activation going
    first, then the middles of the name and of the reading."""
    name = row.name
    if row.block is not None:
        name = "  " + name.removeprefix(row.block + ".")
    suffix = ""
    if activation and row.activation is not None and row.kind != "activation":
        suffix = f" +{row.activation}"
    if width is not None and len(name) + len(suffix) > width:
        name, suffix = shorten(name, width, ascii_only), ""
    text = Text(name)
    text.append(suffix, style="dim")
    arrow = None if after is None else reads(row, after)
    if arrow is not None:
        lines = [f"  {arrow}"]
        if width is not None:  # wrapped between the names it reads, each cut to fit
            wrapped = textwrap.wrap(arrow, width - 2, subsequent_indent="   ")
            lines = [shorten(f"  {line}", width, ascii_only) for line in wrapped]
        text.append("\n" + "\n".join(lines), "dim")
    return text


def _lines(rows: tuple[TraceRow, ...], depth: int | None) -> Iterator[str | Entry]:
    """What a table shows: each row (each residual block's name before its first row), or
    the outline's entries at ``depth``."""
    if depth is not None:
        yield from outline(rows, depth)
        return
    block = None
    for row in rows:
        if row.block is not None and row.block != block:
            yield row.block
        block = row.block
        yield Entry(row.name, (row,))


def _label(
    entry: Entry,
    activation: bool = True,
    width: int | None = None,
    ascii_only: bool = False,
    after: str | None = None,
) -> Text:
    """An entry's name: a row's as :func:`_name` gives it, a group's path with ``(xN)``
    for a run of N identical groups."""
    if entry.single and entry.name == entry.last.name:
        return _name(entry.last, activation, width, ascii_only, after)
    count = f" (x{entry.count})" if entry.count > 1 else ""
    name = entry.name + count
    if width is not None and len(name) > width:
        name = shorten(_tight_run(entry.name) + count, width, ascii_only)
    return Text(name)


def _tight_run(name: str) -> str:
    """A run's name without the part its last name repeats of its first: ``layer1.0 ..
    layer1.1`` as ``layer1.0..1``; any other name as it is."""
    first, sep, last = name.partition(" .. ")
    tail = first.rsplit("/", 1)[-1]  # a run's last name is one part (outline._run_name)
    shared = tail[: tail.rfind(".") + 1]
    if not sep or not shared or not last.startswith(shared):
        return name
    return f"{first}..{last.removeprefix(shared)}"


def _field(size: Pair, jump: Jump | None) -> tuple[str, str]:
    return pair_text(size), "whole" if jump is None else jump_text(jump)


def kept_text(row: TraceRow) -> str:
    """The share a pooling layer keeps, ``25%``; ``100%*`` for adaptive pooling to a larger
    map, which keeps every value and repeats some (:data:`REPEATED` says so); empty for
    other layers."""
    if row.kept is None:
        return ""
    return percent(row.kept) + ("*" if row.repeated else "")


PER_POSITION = (
    "{name}: a dense layer on a feature map acts at each position, on its channels, like a "
    "1x1 convolution (Keras's Dense, and PyTorch's Linear on the last axis); it mixes no "
    "positions."
)
"""The note under the layer table for each dense layer that reads a feature map."""
REPEATED = "*: adaptive pooling to a larger map keeps every value, and repeats some."
"""The note under the layer table when a row's kept share is marked ``*``."""


def _rf_cell(totals: Totals) -> str:
    """``10x10``, or ``212x212 whole`` when every value sees the whole input."""
    return pair_text(totals.receptive_field) + (" whole" if totals.whole else "")


COLUMNS: dict[str, str] = {
    "values": "values: activation values out of the layer.",
    "RF": "RF: receptive field",
    "jump": "jump: input pixels between neighbouring outputs; whole: the layer sees the "
    "whole input.",
    "kept": "kept: the share of its input a pooling layer keeps.",
    "MACs": "MACs: multiply-accumulates.",
}
"""What each column of the layer table means, for the note under it."""
DROPPED = ("jump", "values", "MACs")
"""Layer-table columns left out, in this order, when the terminal is too narrow."""


class LayerTable:
    """One row per layer: shape, parameters, MACs, values, receptive field, kept; then a
    note on the columns. Fits the terminal: long names are shortened in the middle, and
    on a narrow terminal the least telling columns (:data:`DROPPED`) are left out."""

    def __init__(self, t: Trace, view: TraceView) -> None:
        self.trace = t
        self.view = view

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterator[RenderableType]:
        layouts = [DROPPED[:k] for k in range(len(DROPPED) + 1)]
        lines = _lines(self.trace.rows, self.view.depth_of(self.trace.rows))
        longest = max(len(_label(e)) for e in lines if isinstance(e, Entry))
        dropped, table = fitted(console, options, layouts, self.table, longest)
        yield table
        yield Text(self.note(dropped), style="dim")

    def note(self, dropped: tuple[str, ...]) -> str:
        """The columns' meanings, and which were left out."""
        shown = [k for k in COLUMNS if k not in dropped and k != "MACs"]
        words = " ".join(COLUMNS[k] for k in shown)
        words = words.replace("receptive field jump:", "receptive field, and jump:")
        words = words.replace("receptive field kept", "receptive field. kept")
        if dropped:
            words += f" Left out to fit the terminal: {', '.join(dropped)} (--json has all)."
        return words

    def table(self, dropped: tuple[str, ...], name_width: int | None) -> Table:
        """The table without the ``dropped`` columns, names cut to ``name_width``."""
        t, view = self.trace, self.view
        table = Table(
            box=ASCII_RULES if view.ascii_only else RULES,
            show_footer=True,
            show_edge=False,
            pad_edge=False,
            padding=0,
            header_style="bold",
            footer_style="bold",
        )
        totals = t.totals
        assert totals is not None  # the original always fits, or trace() raised
        rf, jump = _field(totals.receptive_field, None if totals.whole else totals.jump)
        columns = {
            "output shape": ("", "left"),
            "params": (count(totals.params), "right"),
            "MACs": (si(totals.macs), "right"),
            "values": (si(totals.activations), "right"),
            "RF": (rf, "right"),
            "jump": (jump, "left"),
            "kept": ("", "right"),
        }
        shown = [k for k in columns if k not in dropped]
        table.add_column("layer", "total", no_wrap=True)
        for key in shown:
            footer, justify = columns[key]
            table.add_column(key, footer, justify=justify, no_wrap=True)  # type: ignore[arg-type]
        after = ""
        for item in _lines(t.rows, view.depth_of(t.rows)):
            if isinstance(item, str):
                name = item if name_width is None else shorten(item, name_width, view.ascii_only)
                table.add_row(Text(name), Text("residual block", style="dim"))
                continue
            last = item.last
            size, step = _field(last.receptive_field, last.jump)
            cells = {
                "output shape": shape_text(ordered(last.output_shape, view.order), t.batch),
                "params": count(item.total("params")),
                "MACs": si(item.total("macs")),
                "values": si(item.total("activations")),
                "RF": size,
                "jump": step,
                "kept": kept_text(last) if item.single else "",
            }
            table.add_row(
                _label(item, width=name_width, ascii_only=view.ascii_only, after=after),
                *(cells[k] for k in shown),
            )
            after = last.name
        return text_widths(table)


def layer_table(t: Trace, view: TraceView) -> LayerTable:
    """The layer table of ``t``, fitted to the terminal when printed."""
    return LayerTable(t, view)


def _counterpart(t: Trace, entry: Entry) -> tuple[Counterpart, int]:
    """Trace ``t``'s version of an entry: its last row there (or what became of the
    entry's rows), the first note on any of them; and the parameters of those present."""
    parts = [t.counterpart(r.name) for r in entry.rows]
    note = next((p.note for p in parts if p.note), None)
    present = [p.row for p in parts if p.row is not None]
    params = sum(r.params for r in present)
    for p in parts:
        if p.state == "invalid":
            return p, params
    if present:
        return Counterpart(present[-1], "present", note), params
    return Counterpart(None, parts[-1].state, note), params


def _cell(c: Counterpart, widths: tuple[int, int], params: int, order: Order = "nhwc") -> Text:
    """A trace's version of one layer: its output shape (and ``params``, when ``widths``
    gives them room), or what became of it; a second line says what changed in it."""
    if c.row is None:
        if c.state == "invalid":
            return Text("does not fit", style="bold red")
        return Text(c.note or "not reached", style="dim")
    text = Text(feature_text(ordered(c.row.output_shape, order)).ljust(widths[0]))
    if widths[1]:
        text.append("  " + _params(params).rjust(widths[1]))
    if c.row.absurd and widths[1]:
        text.stylize("bold red")
        text.append(" !", style="bold red")
    if c.note:
        text.append(f"\n{c.note}", style="dim")
    return text


def _params(n: int) -> str:
    """Parameters in the side-by-side table: exact, or ``12.9G`` from a billion (absurd)."""
    return si(n) if n >= ABSURD_PARAMS else count(n)


class CompareTable:
    """The original and each counterfactual side by side: per layer the output shape per
    sample (the counterfactuals' parameters too, the original's being in the table above,
    unless the terminal is too narrow), then the totals and their ratios to the original's.
    Long names are shortened in the middle to fit the terminal."""

    def __init__(self, report: Report, view: TraceView) -> None:
        self.report = report
        self.view = view

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterator[RenderableType]:
        rows = self.report.original.rows
        lines = _lines(rows, self.view.depth_of(rows))
        longest = max(len(_label(e, activation=False)) for e in lines if isinstance(e, Entry))
        layouts = [(True, False), (False, False), (False, True)]
        (params, _), table = fitted(console, options, layouts, self.table, longest, 12)
        yield Text(self.heading(params), style="bold")
        yield table

    def heading(self, params: bool) -> str:
        """The sentence above the table: what each counterfactual is, what a cell shows."""
        kinds = held_kinds(self.report.original)
        held = f"; both keep the {kinds} pooling" if kinds else ""
        fixed = "fixed-window " if kinds else ""
        cell = "the output shape per sample" + (
            ", and the counterfactual's parameters" if params else ""
        )
        return (
            f"\nSide by side: drop removes the {fixed}max and average pooling layers; strided "
            f"folds each into the convolution before it, as its stride{held}. Per layer: "
            f"{cell}."
        )

    def table(self, layout: tuple[bool, bool], name_width: int | None) -> Table:
        """The table, the counterfactuals' parameters shown if ``layout[0]``, their notes
        wrapped to fit if ``layout[1]``, names cut to ``name_width``."""
        (params, wrap), report, view = layout, self.report, self.view
        table = Table(
            box=ASCII_RULES if view.ascii_only else RULES,
            show_edge=False,
            pad_edge=False,
            padding=(0, 1),
            header_style="bold",
        )
        rows = report.original.rows
        lines = list(_lines(rows, view.depth_of(rows)))
        entries = [e for e in lines if isinstance(e, Entry)]
        table.add_column("layer", no_wrap=True, min_width=name_width)
        table.add_column("original", no_wrap=True)
        for t in report.compare:
            table.add_column(t.label, no_wrap=not wrap)
        columns = [
            [_counterpart(t, e) for e in entries] for t in (report.original, *report.compare)
        ]
        widths = [
            (
                max(
                    (
                        len(feature_text(ordered(c.row.output_shape, view.order)))
                        for c, _ in col
                        if c.row
                    ),
                    default=0,
                ),
                0
                if i == 0 or not params
                else max((len(_params(n)) for c, n in col if c.row), default=0),
            )
            for i, col in enumerate(columns)
        ]
        i = 0
        for item in lines:
            if isinstance(item, str):
                table.add_row(
                    Text(item if name_width is None else shorten(item, name_width, view.ascii_only))
                )
                continue
            table.add_row(
                _label(item, activation=False, width=name_width, ascii_only=view.ascii_only),
                *(
                    _cell(col[i][0], w, col[i][1], view.order)
                    for col, w in zip(columns, widths, strict=True)
                ),
                end_section=i == len(entries) - 1,
            )
            i += 1
        for label, cells in _totals(report):
            table.add_row(Text(label, style="bold"), *cells)
        return text_widths(table)


def compare_table(report: Report, view: TraceView) -> CompareTable:
    """The side-by-side table of ``report``, with its heading, fitted to the terminal."""
    return CompareTable(report, view)


def _totals(report: Report) -> list[tuple[str, list[Text]]]:
    """Rows of totals: for each trace, the value and its ratio to the original's."""
    base = report.original.totals
    assert base is not None
    lines: list[tuple[str, list[Text]]] = [
        ("params", [Text(count(base.params))]),
        ("MACs", [Text(si(base.macs))]),
        ("values", [Text(si(base.activations))]),
        ("RF", [Text(_rf_cell(base))]),
    ]
    for t in report.compare:
        v = report.versus(t)
        if v is None:
            for _, cells in lines:
                cells.append(Text("does not fit", style="bold red"))
            continue
        lines[0][1].append(Text(f"{count(v.variant.params)} ({ratio(v.ratio('params'))})"))
        lines[1][1].append(Text(f"{si(v.variant.macs)} ({ratio(v.ratio('macs'))})"))
        lines[2][1].append(Text(f"{si(v.variant.activations)} ({ratio(v.ratio('activations'))})"))
        lines[3][1].append(Text(_rf_cell(v.variant)))
    return lines


def _mult_adds(n: int) -> tuple[str, str]:
    """torchinfo's total mult-adds: the unit (M, G or T) and the number in it, to two
    decimals unless whole."""
    unit, scale = ("T", 1e12) if n >= 1e12 else ("G", 1e9) if n >= 1e9 else ("M", 1e6)
    value = n / scale
    return unit, f"{int(value):,}" if value.is_integer() else f"{value:,.2f}"


def _mb(n: int) -> str:
    """Bytes in torchinfo's megabytes (10**6), two decimals."""
    return f"{n / MB:,.2f}"


def totals_table(t: Trace) -> Group:
    """The model's totals as torchinfo's summary gives them: parameters, mult-adds and
    memory at the trace's batch (1 without ``--batch``); then what they count."""
    totals = t.totals
    assert totals is not None  # the original always fits, or trace() raised
    unit, macs = _mult_adds(totals.macs)
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    for label, value in (
        ("Total params", count(totals.params)),
        ("Trainable params", count(totals.params)),
        ("Non-trainable params", "0"),
        (f"Total mult-adds ({unit})", macs),
        ("Input size (MB)", _mb(totals.input_bytes)),
        ("Forward activations (MB)", _mb(totals.activation_bytes)),
        ("Forward/backward pass size (MB)", _mb(totals.forward_backward_bytes)),
        ("Params size (MB)", _mb(totals.param_bytes)),
        ("Estimated total size (MB)", _mb(totals.total_bytes)),
    ):
        table.add_row(label, value)
    batch = "one image" if t.batch is None else f"a batch of {t.batch}"
    words = (
        f"Totals for {batch}, as torchinfo's summary counts them (float32; MB = 10^6 bytes). "
        "Forward activations: every layer's output; forward/backward: the outputs of the "
        "layers with parameters, and their gradients."
    )
    if totals.non_trainable:
        words += (
            f" BatchNorm's moving mean and variance ({count(totals.non_trainable)} values) "
            "are buffers, not parameters, to PyTorch; Keras counts them as non-trainable "
            f"parameters (total {count(totals.params + totals.non_trainable)})."
        )
    return Group(Text(""), text_widths(table), Text(words, style="dim"))


def trace_report(report: Report, view: TraceView | None = None) -> RenderableType:
    """Everything ``poolviz trace`` prints, top to bottom."""
    view = view or TraceView()
    original = report.original
    model = original.model
    parts: list[RenderableType] = [
        Text.assemble(
            (model.name, "bold"),
            f", input {shape_text(ordered(model.input_shape, view.order), original.batch)}",
        ),
        layer_table(original, view),
    ]
    if any(r.repeated for r in original.rows):
        parts.append(Text(REPEATED, style="dim"))
    parts += [Text(r.field_note, style="dim") for r in original.rows if r.field_note]
    for row in original.rows:
        if row.outputs:
            shapes = [shape_text(ordered(o, view.order), original.batch) for o in row.outputs]
            parts.append(
                Text(
                    f"{row.name}: {len(shapes)} outputs, {', '.join(shapes[:-1])} and "
                    f"{shapes[-1]}; the table shows the first.",
                    style="dim",
                )
            )
    depth = view.depth_of(original.rows)
    if depth is not None:
        parts.append(
            Text(
                f"Grouped to depth {depth} of {deepest(original.rows)}: one line per group of "
                f"layers sharing the first {depth} parts of their names, (xN) for N identical "
                f"groups in a row; --depth {deepest(original.rows)} shows every layer.",
                style="dim",
            )
        )
    elif any(  # as the table reads them: each row after the one shown above it
        reads(row, after) is not None
        for after, row in zip(["", *(r.name for r in original.rows)], original.rows, strict=False)
    ):
        parts.append(
            Text(
                "<-: the rows a row reads, where not the one above; where branches meet, the "
                "receptive field is the union of theirs (the largest, when they are centred "
                "alike).",
                style="dim",
            )
        )
    parts += [Text(note, style="dim") for note in model.notes]
    for row in original.rows:
        if row.per_position:
            parts.append(Text(PER_POSITION.format(name=row.name), style="dim"))
    parts.append(totals_table(original))
    if report.compare:
        parts.append(compare_table(report, view))
    parts += [Text(""), summary(report)]
    return Group(*parts)
