"""The pooling engine: NumPy only, NHWC arrays in and out, PyTorch's numbers exactly.

The names below are loaded on first use (PEP 562 ``__getattr__``), so importing one engine
module (``poolviz.engine.explain`` for a terminal report) does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from poolviz.lazy import lazy_attributes

_HOMES = {
    "Axis": "geometry",
    "PoolSpec": "geometry",
    "output_size": "geometry",
    "adaptive_pool2d": "uneven",
    "adaptive_pool2d_backward": "uneven",
    "fractional_max_pool2d": "uneven",
    "fractional_max_pool2d_backward": "uneven",
    "fractional_samples": "uneven",
    "blur_pool2d": "blur",
    "blur_pool2d_backward": "blur",
    "global_pool2d": "pooling",
    "pool2d": "pooling",
    "lp_pool2d": "lp",
    "lp_pool2d_backward": "lp",
    "max_unpool2d": "backward",
    "pool2d_backward": "backward",
}
"""Each public name and the engine module it comes from."""

__all__ = [
    "adaptive_pool2d",
    "adaptive_pool2d_backward",
    "Axis",
    "blur_pool2d",
    "blur_pool2d_backward",
    "fractional_max_pool2d",
    "fractional_max_pool2d_backward",
    "fractional_samples",
    "global_pool2d",
    "lp_pool2d",
    "lp_pool2d_backward",
    "max_unpool2d",
    "output_size",
    "pool2d",
    "pool2d_backward",
    "PoolSpec",
]


__getattr__, __dir__ = lazy_attributes(__name__, _HOMES)

if TYPE_CHECKING:
    from poolviz.engine.backward import max_unpool2d, pool2d_backward
    from poolviz.engine.blur import blur_pool2d, blur_pool2d_backward
    from poolviz.engine.geometry import Axis, PoolSpec, output_size
    from poolviz.engine.lp import lp_pool2d, lp_pool2d_backward
    from poolviz.engine.pooling import global_pool2d, pool2d
    from poolviz.engine.uneven import (
        adaptive_pool2d,
        adaptive_pool2d_backward,
        fractional_max_pool2d,
        fractional_max_pool2d_backward,
        fractional_samples,
    )
