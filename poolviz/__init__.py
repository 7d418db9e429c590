"""poolviz: see what pooling does inside a convolutional network."""

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
from poolviz.render.display import install_display

install_display()  # results draw themselves (figure(), rich, Jupyter); the engine knows no renderer

__version__ = "0.1.0"

__all__ = [
    "adaptive_pool2d",
    "adaptive_pool2d_backward",
    "fractional_max_pool2d",
    "fractional_max_pool2d_backward",
    "fractional_samples",
    "LoadedInput",
    "PoolResult",
    "PoolSpec",
    "Window",
    "explain",
    "PoolvizError",
    "PoolvizRuntimeError",
    "blur_pool2d",
    "blur_pool2d_backward",
    "global_pool2d",
    "load_path",
    "load_sample",
    "loaders",
    "lp_pool2d",
    "lp_pool2d_backward",
    "max_unpool2d",
    "output_size",
    "parse_matrix",
    "pool2d",
    "pool2d_backward",
]
