"""What ``poolviz trace`` says in words under its tables: what pooling saved here, and what
each counterfactual would need instead, from the :class:`poolviz.model.trace.Report`."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from poolviz.model.layers import pair_text
from poolviz.model.pooling import AdaptiveAvgPool, AdaptiveMaxPool, FractionalMaxPool
from poolviz.model.trace import Report, Totals, Trace, Versus
from poolviz.render.style import count, percent, ratio, si


def _field_words(totals: Totals) -> str:
    """``10x10``, or ``212x212, the whole input`` when every value sees all of it."""
    return pair_text(totals.receptive_field) + (", the whole input" if totals.whole else "")


def summary(report: Report) -> Text:
    """What pooling saved here, in parameters, compute and memory, in words."""
    original = report.original
    pools = original.windowed_pooling
    held = _held(original)
    if not pools:
        return Text(
            "This model has no fixed-window pooling layers: there is nothing to drop "
            "or fold into a convolution." + (f" {held}" if held else "")
        )
    # "fixed-window" only where other pooling layers make the plain word ambiguous
    what = "fixed-window pooling" if held else "pooling"
    shares = [percent(r.kept or 0) for r in pools]
    if len(pools) == 1:
        out = Text(f"Its {what} layer keeps {shares[0]} of the values it sees.")
    elif len(set(shares)) == 1:
        out = Text(f"Its {len(pools)} {what} layers each keep {shares[0]} of the values they see.")
    else:
        each = [f"{share} ({r.name})" for share, r in zip(shares, pools, strict=True)]
        out = Text(
            f"Its {what} layers keep {', '.join(each[:-1])} and {each[-1]} of the values they see."
        )
    if held:
        out.append(" " + held)
    per = "per image" if original.batch is None else f"for a batch of {original.batch}"
    for t in report.compare:
        out.append("\n\n")
        v = report.versus(t)
        if v is None:
            out.append_text(_unfit(t))
        else:
            out.append_text(WORDS[t.label](v, t, per))
    return out


HELD: dict[str, str] = {
    AdaptiveAvgPool.kind: "adaptive",
    AdaptiveMaxPool.kind: "adaptive",
    FractionalMaxPool.kind: "fractional",
}
"""Kinds of pooling both counterfactuals keep, other than global pooling, by their word."""


def held_kinds(t: Trace) -> str:
    """``global``, ``adaptive``, ``fractional`` or several joined by ``and``: the pooling
    ``drop`` and ``strided`` keep; empty when there is none."""
    present = {HELD.get(r.kind, "global") for r in t.held_pooling}
    kinds = [k for k in ("global", "adaptive", "fractional") if k in present]
    return ", ".join(kinds[:-1]) + " and " + kinds[-1] if len(kinds) > 1 else "".join(kinds)


def _held(t: Trace) -> str:
    """The sentence on the global and adaptive pooling layers, which the counterfactuals
    keep; empty when the model has none."""
    rows = t.held_pooling
    if not rows:
        return ""
    kinds = held_kinds(t)

    if len(rows) == 1:
        row = rows[0]
        return (
            f"Its {kinds} pooling layer {row.name} keeps {percent(row.kept or 0)} of the "
            f"values it sees{', and repeats some' if row.repeated else ''}; drop and strided "
            "leave it in place."
        )
    each = [f"{percent(r.kept or 0)} ({r.name}{', repeated' if r.repeated else ''})" for r in rows]
    return (
        f"Its {kinds} pooling layers keep {', '.join(each[:-1])} and {each[-1]} of the "
        "values they see; drop and strided leave them in place."
    )


def _unfit(t: Trace) -> Text:
    """The sentence for a counterfactual that breaks at a layer: which, and why (the
    layer's own words: what it gets against what it takes)."""
    assert t.problem is not None  # the original fits, so only a problem makes it unfit
    message = t.problem.message
    return Text(
        f"{NAMES[t.label]} the model breaks at {t.problem.layer}, and its trace stops there. "
        f"{message[:1].upper()}{message[1:]}.",
        style="red",
    )


def _instead(new: str, old: str, what: str, r: float) -> str:
    """``387,466 parameters instead of 34,826 (11.1x)``, or ``the same 80 parameters``."""
    if new == old:
        return f"the same {new} {what}"
    return f"{new} {what} instead of {old} ({ratio(r)})"


def _drop_words(v: Versus, t: Trace, per: str) -> Text:
    a, b = v.variant, v.original
    params = _instead(count(a.params), count(b.params), "parameters", v.ratio("params"))
    macs = _instead(si(a.macs), si(b.macs), "multiply-accumulates", v.ratio("macs"))
    values = _instead(
        count(a.activations), count(b.activations), "activation values", v.ratio("activations")
    )
    words = Text(
        f"Without it (drop) this model would need {params}, {macs} and {values} {per}, and "
        f"its last feature map would {_sees(a, b)}."
    )
    saved = [
        f"{amount} {what}"
        for amount, what, n in (
            (count(v.saved("params")), "parameters", v.saved("params")),
            (si(v.saved("macs")), "multiply-accumulates", v.saved("macs")),
            (_bytes(v.saved_bytes), "of float32 activations", v.saved_bytes),
        )
        if n > 0
    ]
    if saved:
        listed = ", ".join(saved[:-1]) + (" and " if len(saved) > 1 else "") + saved[-1]
        words.append(f" Pooling saves {listed} here.", style="bold")
    for row in t.absurd:
        words.append(
            f" Without pooling, {row.name} alone would have {count(row.params)} "
            "parameters: absurd.",
            style="bold red",
        )
    return words


def _sees(a: Totals, b: Totals) -> str:
    """What the last feature map would see (``a``) against what it sees (``b``)."""
    if a.whole and b.whole:
        return "still see the whole input"

    def seen(t: Totals) -> str:
        return "the whole input" if t.whole else f"{pair_text(t.receptive_field)} input pixels"

    if a.receptive_field == b.receptive_field and a.whole == b.whole:
        return f"still see {seen(a)}"
    if not a.whole and not b.whole:  # 5x5 input pixels instead of 10x10
        return f"see {seen(a)} instead of {pair_text(b.receptive_field)}"
    return f"see {seen(a)} instead of {seen(b)}"


def _strided_words(v: Versus, t: Trace, per: str) -> Text:
    a = v.variant
    return Text(
        f"Folding each pooling into the convolution before it as a stride (strided) gives "
        f"{count(a.params)} parameters ({ratio(v.ratio('params'))}), {si(a.macs)} "
        f"multiply-accumulates ({ratio(v.ratio('macs'))}) and {count(a.activations)} "
        f"activation values {per} ({ratio(v.ratio('activations'))}), with a receptive field "
        f"of {_field_words(a)}."
    )


NAMES = {"drop": "Without pooling (drop)", "strided": "With strided convolutions (strided)"}
"""What each counterfactual is, to start a sentence."""
WORDS: dict[str, Callable[[Versus, Trace, str], Text]] = {
    "drop": _drop_words,
    "strided": _strided_words,
}
"""The summary's sentence for each counterfactual."""


def _bytes(n: int) -> str:
    """A size in bytes: ``230 kB``, ``1.20 GB``."""
    text = si(n)
    return f"{text[:-1]} {text[-1]}B" if text[-1].isalpha() else f"{text} B"
