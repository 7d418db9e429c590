"""``poolviz shift``, ``poolviz compare`` and ``poolviz size`` with ``--json``: the experiments of
:mod:`poolviz.demos`, every array in the input's layout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from poolviz.demos import Comparison, ShiftCase, SizeDim, SizeResult, ToleranceTable
from poolviz.engine.geometry import PaddingArg
from poolviz.engine.windows import like_input
from poolviz.render.json.pool import input_source, pool_config

if TYPE_CHECKING:
    from poolviz.loaders import LoadedInput


def shift_json(
    cases: tuple[ShiftCase, ...],
    table: ToleranceTable,
    *,
    by: int,
    along: str,
    padding: PaddingArg,
    source: LoadedInput | str,
) -> dict[str, Any]:
    """What ``poolviz shift --json`` prints: each case's arrays in the input's layout with the
    changed output cells, and the measured table, one row per depth and shift; ``padding`` as
    given (see :func:`pool_config`), ``source`` as :func:`input_source` takes it (the
    table's own inputs are under ``sources``)."""
    from poolviz.render.shift_text import claim_line, trend_line, why_line

    ndim = cases[0].before.input_ndim
    return {
        "config": pool_config(cases[0].before, padding),
        "by": by,
        "axis": along,
        "cases": [
            {
                "title": case.title,
                "offsets": list(case.offsets),
                "input": like_input(case.input, ndim),
                "shifted": like_input(case.shifted, ndim),
                "output": like_input(case.output, ndim),
                "shifted_output": like_input(case.shifted_output, ndim),
                "changed": [list(cell) for cell in case.changed],
                "why": why_line(case).removeprefix("why: "),
                "shows_max": case.show_max,
                "blur": None
                if case.blur is None
                else {
                    "pooling": case.blur.label.removeprefix("blur: "),
                    "output": like_input(case.blur.output, ndim),
                    "shifted_output": like_input(case.blur.shifted_output, ndim),
                    "changed": [list(cell) for cell in case.blur.changed],
                    "mean_abs_change": case.blur.mean_abs_change,
                    "max_mean_abs_change": case.max_outputs.mean_abs_change,
                },
            }
            for case in cases
        ],
        "table": [
            {
                "source": row.source,
                "mode": row.mode,
                "layers": row.layers,
                "shift": row.shift,
                "fits": row.fits,
                "output_shape": None if row.output_shape is None else list(row.output_shape),
                "unchanged_fraction": row.unchanged_fraction,
                "mean_abs_change": row.mean_abs_change,
                "identical": row.identical,
                "inputs": row.inputs,
            }
            for row in table.rows
        ],
        "sources": [
            {
                "name": s.name,
                "description": s.description,
                "mode": mode,
                "verdict": table.trend(s.name, mode).verdict,
                "summary": trend_line(table.trend(s.name, mode), table),
            }
            for s in table.sources
            for mode in table.modes
        ],
        "claim": claim_line(table),
        "source": input_source(source),
    }


def compare_json(
    result: Comparison, *, padding: PaddingArg, source: LoadedInput | str
) -> dict[str, Any]:
    """What ``poolviz compare --json`` prints: one entry per operation, arrays complete in the
    input's layout (global pooling keeps its 1x1 axes); ``padding`` as given (see
    :func:`pool_config`), ``source`` as :func:`input_source` takes it."""
    ndim = result.pooled.input_ndim
    operations = []
    for op in result.operations:
        entry: dict[str, Any] = {
            "key": op.key,
            "name": op.name,
            "output": None if op.output is None else like_input(op.output, ndim),
            "output_shape": None if op.output is None else list(op.output.shape),
            "params": op.params,
            "kept_fraction": op.kept_fraction,
        }
        if op.learned_params is not None:
            entry["conv2d_params"] = op.learned_params
        if op.reconstruction_error is not None and op.reconstruction is not None:
            entry["reconstruction_error"] = op.reconstruction_error
            entry["reconstruction"] = like_input(op.reconstruction, ndim)
            entry["rebuilt_by"] = op.rebuilt_by
        if op.note:
            entry["note"] = op.note
        operations.append(entry)
    return {
        "input_shape": list(result.input.shape),
        "config": pool_config(result.pooled, padding),
        "conv_weights": result.weights,
        "overlapping": result.overlapping,
        "conv_equals_average": result.conv_equals_average,
        "operations": operations,
        "source": input_source(source),
    }


def _bins(dim: SizeDim) -> dict[str, Any]:
    """Adaptive pooling's bins along ``dim`` as ``[start, length]`` pairs (none for windows
    of one length, which ``steps`` gives)."""
    ax = dim.axis
    if ax.windows is None:
        return {}
    return {"bins": [[ax.start(i), ax.taps_of(i)] for i in range(ax.out)]}


def size_json(result: SizeResult, padding: PaddingArg) -> dict[str, Any]:
    """What ``poolviz size --json`` prints: the configuration (``padding`` as given, as in
    :func:`pool_config`) and one entry per axis."""
    spec = result.spec
    one = len(result.dims) == 1
    config: dict[str, Any]
    if spec is None:
        assert result.bins is not None
        config = {"output_size": result.bins[0] if one else list(result.bins)}
    else:
        config = {
            "size": spec.size[0] if one else list(spec.size),
            "stride": spec.stride[0] if one else list(spec.stride),
            "padding": padding,
            "dilation": spec.dilation[0] if one else list(spec.dilation),
            "ceil_mode": spec.ceil_mode,
        }
    return {
        "config": config,
        "channels": result.channels,
        "input_shape": list(result.input_shape),
        "output_shape": list(result.output_shape),
        "dims": [
            {
                "name": d.name,
                "input": d.input,
                "output": d.output,
                "formula": d.axis.formula("out"),
                "steps": list(d.steps),
                "dropped": list(d.dropped),
                "padding": list(d.padding),
                "padding_used": list(d.padding_used),
                "overhang": list(d.overhang),
                **_bins(d),
            }
            for d in result.dims
        ],
    }
