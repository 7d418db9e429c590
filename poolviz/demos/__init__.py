"""Experiments as data, one module per experiment: what a shift does to a pooled output
(:mod:`.shift`) and how much shift pooling tolerates (:mod:`.tolerance`), max vs average vs
global vs strided convolution on one input (:mod:`.comparison`), and an output size worked out
step by step (:mod:`.size`), each running the :class:`~poolviz.demos.pooling.Pooling` it is
given.

These are the claims of the text poolviz explains, computed instead of asserted. Every pooled
number comes from the engine (:func:`pool2d`, :func:`global_pool2d`, :func:`max_unpool2d`,
the window geometry of :class:`Axis`); nothing here pools a second time. Results are
dataclasses of NHWC arrays and plain numbers, for the terminal, figure and JSON renderers to
draw as they are. Nothing here prints.

Each experiment's names are loaded on first use (PEP 562 ``__getattr__``), so ``poolviz
size`` imports neither the other experiments nor the pooling kernels it does not run; the
:class:`~poolviz.demos.pooling.Pooling` arguments every experiment takes are imported at once.
"""

from typing import TYPE_CHECKING

from poolviz.demos.pooling import BlurPooling, Pooling
from poolviz.lazy import lazy_attributes

_HOMES = {
    "CONV_WORK": "comparison",
    "Comparison": "comparison",
    "Operation": "comparison",
    "averaging_kernel": "comparison",
    "compare": "comparison",
    "conv_axes": "comparison",
    "depthwise_conv2d": "comparison",
    "nearest_upsample": "comparison",
    "window_owners": "comparison",
    "SHIFT_AXES": "shift",
    "EdgeMove": "shift",
    "ShiftAxis": "shift",
    "ShiftCase": "shift",
    "ShiftOutputs": "shift",
    "Span": "shift",
    "seed_shift_cases": "shift",
    "shift_case": "shift",
    "shift_direction": "shift",
    "shift_image": "shift",
    "shift_offsets": "shift",
    "MAX_LENGTH": "size",
    "SizeDim": "size",
    "SizeResult": "size",
    "adaptive_sizes": "size",
    "adaptive_steps": "size",
    "output_sizes": "size",
    "size_steps": "size",
    "GENERATED_SIDE": "tolerance",
    "TEXTURE_SEED": "tolerance",
    "Source": "tolerance",
    "ToleranceRow": "tolerance",
    "ToleranceTable": "tolerance",
    "Trend": "tolerance",
    "emptying_shift": "tolerance",
    "generated_sources": "tolerance",
    "tolerance_table": "tolerance",
}
"""Each lazily loaded name and the experiment module it comes from."""

__all__ = [
    "BlurPooling",
    "CONV_WORK",
    "Comparison",
    "EdgeMove",
    "GENERATED_SIDE",
    "MAX_LENGTH",
    "Operation",
    "Pooling",
    "SHIFT_AXES",
    "ShiftAxis",
    "ShiftCase",
    "ShiftOutputs",
    "SizeDim",
    "SizeResult",
    "Source",
    "Span",
    "TEXTURE_SEED",
    "ToleranceRow",
    "ToleranceTable",
    "Trend",
    "averaging_kernel",
    "compare",
    "conv_axes",
    "depthwise_conv2d",
    "emptying_shift",
    "generated_sources",
    "nearest_upsample",
    "output_sizes",
    "adaptive_sizes",
    "adaptive_steps",
    "seed_shift_cases",
    "shift_case",
    "shift_direction",
    "shift_image",
    "shift_offsets",
    "size_steps",
    "tolerance_table",
    "window_owners",
]

__getattr__, __dir__ = lazy_attributes(__name__, _HOMES)

if TYPE_CHECKING:
    from poolviz.demos.comparison import (
        CONV_WORK,
        Comparison,
        Operation,
        averaging_kernel,
        compare,
        conv_axes,
        depthwise_conv2d,
        nearest_upsample,
        window_owners,
    )
    from poolviz.demos.shift import (
        SHIFT_AXES,
        EdgeMove,
        ShiftAxis,
        ShiftCase,
        ShiftOutputs,
        Span,
        seed_shift_cases,
        shift_case,
        shift_direction,
        shift_image,
        shift_offsets,
    )
    from poolviz.demos.size import (
        MAX_LENGTH,
        SizeDim,
        SizeResult,
        adaptive_sizes,
        adaptive_steps,
        output_sizes,
        size_steps,
    )
    from poolviz.demos.tolerance import (
        GENERATED_SIDE,
        TEXTURE_SEED,
        Source,
        ToleranceRow,
        ToleranceTable,
        Trend,
        emptying_shift,
        generated_sources,
        tolerance_table,
    )
