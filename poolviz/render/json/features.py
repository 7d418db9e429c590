"""``poolviz features --json``: every pooling node with the engine's verdict, and the chosen
layer's channels before and after pooling (maps as (H, W) lists, winners as [row, col])."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from poolviz.features.capture import Capture
from poolviz.features.channels import ChannelView
from poolviz.features.run import Features
from poolviz.features.shifts import ShiftTable


def node_json(capture: Capture) -> dict[str, Any]:
    """One pooling node: what it is, its shapes (H, W, C; in ``--order``, which
    :func:`poolviz.cli.display.print_json` applies and says) and the engine's check."""
    pooling = capture.pool.pooling
    rows, cols = capture.rows, capture.cols
    return {
        "depth": capture.pool.depth,
        "name": capture.pool.name,
        "op_type": capture.pool.node.op_type,
        "pooling": capture.pool.describe(),
        "mode": pooling.mode,
        "kernel": [rows.size, cols.size],
        "stride": [rows.stride, cols.stride],
        "padding": [rows.pad_before, cols.pad_before, rows.pad_after, cols.pad_after],
        "input_shape": list(capture.before.shape),
        "output_shape": list(capture.after.shape),
        "check": {
            "verdict": capture.check.verdict(),
            "bit_for_bit": capture.check.exact,
            "max_error": capture.check.max_error,
            "tolerance": capture.check.tolerance,
        },
    }


def layers_json(result: Features, notes: Sequence[str]) -> dict[str, Any]:
    """``--layer list --json``: the model, the run, the output and every pooling node."""
    scores = result.output
    return {
        "model": result.graph.name,
        "runner": result.runner,
        "input": list(notes),
        "output": {
            "values": scores,
            "class": int(np.argmax(scores)) if scores.size > 1 else None,
        },
        "layers": [node_json(c) for c in result.captures],
    }


def features_json(
    result: Features, capture: Capture, channels: Sequence[ChannelView], notes: Sequence[str]
) -> dict[str, Any]:
    """What ``poolviz features --json`` prints: :func:`layers_json` and the chosen layer's
    channels."""
    return {
        **layers_json(result, notes),
        "layer": capture.pool.name,
        "channels": [_channel(view) for view in channels],
    }


def _channel(view: ChannelView) -> dict[str, Any]:
    winners = None if view.winners is None else np.argwhere(view.winners).tolist()
    return {
        "channel": view.channel,
        "before": view.before,
        "after": view.after,
        "marked_winners": winners,
        "flat_windows": view.flat,
        "positive_mass": view.mass,
        "winners_share": view.share,
    }


def shifts_json(table: ShiftTable) -> dict[str, Any]:
    """``--shifts --json``: per shift and depth, the share unchanged and the mean relative
    change; the top class and whether each shift kept it."""
    return {
        "axis": table.along,
        "shifts": list(table.shifts),
        "rows": [
            {
                "depth": row.depth,
                "name": row.name,
                "unchanged": list(row.unchanged),
                "relative_change": list(row.change),
            }
            for row in table.rows
        ],
        "top_class": table.top_class,
        "top_class_kept": list(table.top_kept),
        "trend": table.trend(),
    }
