"""The sentences of ``poolviz shift``, in plain text for every renderer (terminal, figure,
JSON): what changed, why, and what the tolerance table shows."""

from __future__ import annotations

from collections.abc import Sequence

from poolviz.demos import (
    EdgeMove,
    ShiftCase,
    ShiftOutputs,
    Span,
    ToleranceTable,
    Trend,
)
from poolviz.render.style import (
    percent_fixed,
)


def changed_line(case: ShiftCase) -> str:
    count, total = len(case.changed), case.cell_count
    if count == 0:
        return f"no output cell changed (0 of {total:,}): the shift is invisible after pooling"
    cells = ""
    if count <= 6:
        cells = ": " + " ".join(f"({i},{j})" for i, j in case.changed)
    return f"{count:,} of {total:,} output cells changed ({percent_fixed(count / total, 0)}){cells}"


def outputs_line(outputs: ShiftOutputs) -> str:
    """One pooling's outputs under the shift: how many cells changed (by any amount) and the
    mean absolute change of the output values."""
    count, total = len(outputs.changed), outputs.cell_count
    return (
        f"{outputs.label.split(':')[0]}: {count} of {total} output cells changed "
        f"({percent_fixed(count / total, 0)}), mean |change| {outputs.mean_abs_change:.3g}"
    )


def blur_line(case: ShiftCase) -> str | None:
    """Max against blur on this case: which changed less on average, or None without blur."""
    if case.blur is None or not case.show_max:
        return None
    m, b = case.max_outputs.mean_abs_change, case.blur.mean_abs_change
    if m == b:
        return f"blur and max change the output by the same mean amount ({m:.3g})"
    if b < m:
        share = "" if m == 0 else f", {percent_fixed(b / m, 0)} of max's"
        return f"blur pooling changes the output less on average: {b:.3g} against {m:.3g}{share}"
    return f"blur pooling changes the output more on average here: {b:.3g} against {m:.3g}"


def mode_gap_line(table: ToleranceTable, source: str) -> str | None:
    """Blur against max on one source at one layer: the mean change per shift, or None
    unless both were measured."""
    if table.modes != ("max", "blur"):
        return None
    pairs = [
        (m.shift, m.mean_abs_change, b.mean_abs_change)
        for m, b in zip(table.of(source, "max"), table.of(source, "blur"), strict=True)
        if m.layers == 1 and m.fits and b.fits
    ]
    if not pairs:
        return None
    text = ", ".join(
        f"{percent_fixed(mc or 0.0)} → {percent_fixed(bc or 0.0)} at shift {s}"
        for s, mc, bc in pairs
    )
    less = sum((bc or 0.0) < (mc or 0.0) for _, mc, bc in pairs)
    return f"mean change with one layer, max → blur: {text} (blur lower at {less} of {len(pairs)})"


def and_list(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _windows_text(spans: Sequence[Span], noun: str = "window") -> str:
    """``the window over columns 0-1``, ``the windows over columns 1-2 and 2-3``, ``the window
    over column 2`` (a one-column window); ``noun`` is ``one`` after a first mention."""
    many = len(spans) > 1
    ranges = [str(s.first) if s.first == s.last else f"{s.first}-{s.last}" for s in spans]
    single = not many and spans[0].first == spans[0].last
    return f"the {noun}{'s' if many else ''} over column{'' if single else 's'} {and_list(ranges)}"


def why_line(case: ShiftCase) -> str:
    """One line saying why the output changed or not."""
    if case.edge is not None:
        return "why: " + _edge_why(case.edge, len(case.changed) > 0)
    if not case.changed:
        return "why: every window still holds the same largest value"
    return (
        "why: a window's output changes where its largest value moves out of it or a larger "
        "one moves in; shifts within a window are invisible"
    )


def _edge_why(edge: EdgeMove, changed: bool) -> str:
    b, a = edge.before, edge.after
    wb, wa = edge.windows_before, edge.windows_after
    # a column no window reads is there (dropped), one at or past the width is not
    fate = "off the input" if a >= edge.width else "read by no window (dropped)"
    outputs = f"output column{'s' if len(wa) > 1 else ''} " + (
        and_list([str(s.index) for s in wa]) if wa else ""
    )
    if not wb:
        if wa:
            return (
                f"column {b} → {a}: column {b} is read by no window (dropped) but column {a} "
                f"is read by {_windows_text(wa)}, so the edge appears in {outputs}"
            )
        if a >= edge.width:
            return (
                f"column {b} → {a}: column {b} is read by no window (dropped) and column {a} "
                "is off the input, so the edge never shows"
            )
        return f"column {b} → {a}: both are read by no window (dropped), so the edge never shows"
    where = _windows_text(wb)
    if not wa:
        return (
            f"column {b} → {a}: column {a} is {fate}, so the edge leaves {where} and its "
            "maxima vanish"
        )
    if edge.same_windows:
        return f"column {b} → {a} stays inside {where}, so every window keeps its maximum"
    return (
        f"column {b} → {a} crosses from {where} into {_windows_text(wa, 'one')}, so the "
        f"maxima move to {outputs}" + ("" if changed else " (which held the same values)")
    )


def trend_line(trend: Trend, table: ToleranceTable) -> str:
    """What one source shows: unchanged values with one layer against the deepest."""
    if trend.verdict == "shallow":
        return "only one layer fits this input: nothing to compare across depths"
    pairs = ", ".join(
        f"{percent_fixed(a, 0)} → {percent_fixed(b, 0)} at shift {s}"
        for s, a, b in zip(trend.shifts, trend.first, trend.last, strict=True)
    )
    groups = []
    for sign, word in ((1, "more"), (0, "about as many"), (-1, "fewer")):
        shifts = [str(s) for s, g in zip(trend.shifts, trend.signs, strict=True) if g == sign]
        if shifts:
            groups.append(f"{word} at shift{'s' if len(shifts) > 1 else ''} {', '.join(shifts)}")
    line = f"values unchanged with {trend.deepest} layers against 1: {'; '.join(groups)} ({pairs})"
    source = [s for s in table.sources if s.name == trend.source][0]
    count = source.inputs.shape[0]
    if count > 1:
        ident = ", ".join(
            f"{round(a * count)} → {round(b * count)}"
            for a, b in zip(trend.first_identical, trend.last_identical, strict=True)
        )
        line += f"; inputs with an identical output, of {count}: {ident}"
    return line


def claim_line(table: ToleranceTable) -> str:
    """The claim that deeper stacks of pooling compound shift tolerance: does the table
    bear it out?"""
    claim = "The claim that deeper stacks tolerate shifts better"
    verdicts = {s.name: table.trend(s.name).verdict for s in table.sources}
    if all(v == "shallow" for v in verdicts.values()):
        return f"{claim} cannot be tested here."
    support = [n for n, v in verdicts.items() if v == "more"]
    against = [n for n, v in verdicts.items() if v in ("fewer", "same", "mixed")]
    if support and not against:
        return f"{claim} holds here: they left more of the output unchanged."
    if against and not support:
        return f"{claim} does not show here: they did not leave more of the output unchanged."
    return (
        f"{claim} holds for {', '.join(support)}, not for {', '.join(against)}: "
        "deeper stacks are not always more tolerant."
    )
