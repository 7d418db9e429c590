"""poolviz: see what pooling does inside a convolutional network."""

from poolviz.engine import (
    PoolSpec,
    global_pool2d,
    max_unpool2d,
    output_size,
    pool2d,
    pool2d_backward,
)
from poolviz.engine.explain import PoolResult, Window, explain
from poolviz.errors import PoolvizError, PoolvizRuntimeError

__version__ = "0.1.0"

__all__ = [
    "PoolResult",
    "PoolSpec",
    "Window",
    "explain",
    "PoolvizError",
    "PoolvizRuntimeError",
    "global_pool2d",
    "max_unpool2d",
    "output_size",
    "pool2d",
    "pool2d_backward",
]
