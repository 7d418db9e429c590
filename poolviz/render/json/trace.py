"""``poolviz trace --json``: a model's trace and its counterfactuals, as :mod:`poolviz.model.trace`
computed them."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from poolviz.model.field import Jump
from poolviz.model.trace import Report, Trace


def trace_json(result: Report) -> dict[str, Any]:
    """What ``poolviz trace --json`` prints: the model's trace layer by layer, and each
    counterfactual's under ``compare``."""
    original = result.original
    return {
        "model": original.model.name,
        "input_shape": [original.batch, *original.model.input_shape],
        "batch": original.batch,
        "notes": list(original.model.notes),
        **_trace_dict(original),
        "compare": {t.label: _trace_dict(t) for t in result.compare},
    }


def _trace_dict(t: Trace) -> dict[str, Any]:
    """One trace: its layers and totals; for a counterfactual, also the layers it removed and
    the layer where it stopped fitting (``problem``)."""
    totals = t.totals
    body: dict[str, Any] = {
        "layers": [
            {
                "name": r.name,
                "kind": r.kind,
                "config": r.config,
                "activation": r.activation,
                "output_shape": [t.batch, *r.output_shape],
                "output_shapes": [[t.batch, *o] for o in r.outputs or (r.output_shape,)],
                "params": r.params,
                "non_trainable": r.non_trainable,
                "macs": r.macs,
                "activations": r.activations,
                "receptive_field": list(r.receptive_field),
                "jump": None if r.jump is None else _jump(r.jump),
                "whole_input": r.field.whole,
                "block": r.block,
                "inputs": [name or "input" for name in r.inputs],
                "input_ports": list(r.ports or (0,) * len(r.inputs)),
                "kept": r.kept,
                "repeated": r.repeated,
                "field_note": r.field_note,
                "note": t.notes.get(r.name),
                "absurd": r.absurd,
            }
            for r in t.rows
        ],
        "totals": None
        if totals is None
        else {
            "params": totals.params,
            "non_trainable": totals.non_trainable,
            "macs": totals.macs,
            "activations": totals.activations,
            "input_bytes": totals.input_bytes,
            "activation_bytes": totals.activation_bytes,
            "forward_backward_bytes": totals.forward_backward_bytes,
            "param_bytes": totals.param_bytes,
            "total_bytes": totals.total_bytes,
            "receptive_field": list(totals.receptive_field),
            "jump": None if totals.whole else _jump(totals.jump),
            "whole_input": totals.whole,
        },
    }
    if t.label != "original":
        body["removed"] = {
            name: note for name, note in t.notes.items() if t.counterpart(name).state == "gone"
        }
        body["problem"] = (
            None if t.problem is None else {"layer": t.problem.layer, "message": t.problem.message}
        )
    return body


def _jump(jump: Jump) -> list[int | float]:
    """A jump as JSON numbers: whole numbers as integers, fractions (after uneven adaptive
    pooling) as floats."""
    return [j.numerator if j.denominator == 1 else float(j) for j in map(Fraction, jump)]
