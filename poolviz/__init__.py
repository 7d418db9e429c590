"""poolviz: see what pooling does inside a convolutional network.

The public API below is loaded on first use (PEP 562 ``__getattr__``): ``poolviz.pool2d``
imports the engine then, so a terminal command that needs only a part of the package does
not pay for the rest at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from poolviz.lazy import lazy_attributes
from poolviz.render.display import install_display

install_display()  # results draw themselves (figure(), rich, Jupyter); the engine knows no renderer

__version__ = "0.1.0"

_HOMES = {
    "adaptive_pool2d": "poolviz.engine",
    "adaptive_pool2d_backward": "poolviz.engine",
    "blur_pool2d": "poolviz.engine",
    "blur_pool2d_backward": "poolviz.engine",
    "fractional_max_pool2d": "poolviz.engine",
    "fractional_max_pool2d_backward": "poolviz.engine",
    "fractional_samples": "poolviz.engine",
    "global_pool2d": "poolviz.engine",
    "lp_pool2d": "poolviz.engine",
    "lp_pool2d_backward": "poolviz.engine",
    "max_unpool2d": "poolviz.engine",
    "output_size": "poolviz.engine",
    "pool2d": "poolviz.engine",
    "pool2d_backward": "poolviz.engine",
    "PoolSpec": "poolviz.engine",
    "PoolResult": "poolviz.engine.explain",
    "Window": "poolviz.engine.explain",
    "explain": "poolviz.engine.explain",
    "PoolvizError": "poolviz.errors",
    "PoolvizRuntimeError": "poolviz.errors",
    "LoadedInput": "poolviz.loaders",
    "load_path": "poolviz.loaders",
    "load_sample": "poolviz.loaders",
    "parse_matrix": "poolviz.loaders",
    "loaders": "poolviz.loaders",
}
"""Each public name and the module it comes from."""

__all__ = [
    "adaptive_pool2d",
    "adaptive_pool2d_backward",
    "blur_pool2d",
    "blur_pool2d_backward",
    "explain",
    "fractional_max_pool2d",
    "fractional_max_pool2d_backward",
    "fractional_samples",
    "global_pool2d",
    "load_path",
    "load_sample",
    "LoadedInput",
    "loaders",
    "lp_pool2d",
    "lp_pool2d_backward",
    "max_unpool2d",
    "output_size",
    "parse_matrix",
    "pool2d",
    "pool2d_backward",
    "PoolResult",
    "PoolSpec",
    "PoolvizError",
    "PoolvizRuntimeError",
    "Window",
]


__getattr__, __dir__ = lazy_attributes(__name__, _HOMES)

if TYPE_CHECKING:
    from poolviz import loaders
    from poolviz.engine import (
        PoolSpec,
        adaptive_pool2d,
        adaptive_pool2d_backward,
        blur_pool2d,
        blur_pool2d_backward,
        fractional_max_pool2d,
        fractional_max_pool2d_backward,
        fractional_samples,
        global_pool2d,
        lp_pool2d,
        lp_pool2d_backward,
        max_unpool2d,
        output_size,
        pool2d,
        pool2d_backward,
    )
    from poolviz.engine.explain import PoolResult, Window, explain
    from poolviz.errors import PoolvizError, PoolvizRuntimeError
    from poolviz.loaders import LoadedInput, load_path, load_sample, parse_matrix
