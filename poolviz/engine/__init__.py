"""The pooling engine: NumPy only, NHWC arrays in and out, PyTorch's numbers exactly."""

from poolviz.engine.backward import max_unpool2d, pool2d_backward
from poolviz.engine.geometry import Axis, PoolSpec, output_size
from poolviz.engine.pooling import global_pool2d, pool2d

__all__ = [
    "Axis",
    "PoolSpec",
    "global_pool2d",
    "max_unpool2d",
    "output_size",
    "pool2d",
    "pool2d_backward",
]
