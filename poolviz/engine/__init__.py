"""The pooling engine: NumPy only, NHWC arrays in and out, PyTorch's numbers exactly."""

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

__all__ = [
    "Axis",
    "adaptive_pool2d",
    "adaptive_pool2d_backward",
    "fractional_max_pool2d",
    "fractional_max_pool2d_backward",
    "fractional_samples",
    "PoolSpec",
    "blur_pool2d",
    "blur_pool2d_backward",
    "global_pool2d",
    "lp_pool2d",
    "lp_pool2d_backward",
    "max_unpool2d",
    "output_size",
    "pool2d",
    "pool2d_backward",
]
