"""The pooling an experiment runs: the engine's arguments in one value, and where two
pooled outputs differ. The engine's kernels are imported where they run, so that ``poolviz
size``, which asks a :class:`Pooling` only for its spec, imports none of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from poolviz.engine.geometry import IntPair, PaddingArg, PoolSpec

if TYPE_CHECKING:
    from poolviz.engine.explain import PoolResult


@dataclass
class Pooling:
    """Pooling arguments as the engine takes them (all of :func:`pool2d`'s but ``x``)."""

    size: IntPair = 2
    stride: IntPair | None = None
    padding: PaddingArg = 0
    dilation: IntPair = 1
    ceil_mode: bool = False
    count_include_pad: bool = True
    mode: str = "max"

    def _arguments(self, mode: str | None = None) -> dict[str, Any]:
        """Every field, as keyword arguments of :func:`pool2d`, :func:`explain` and
        :meth:`PoolSpec.make` (``mode`` overrides)."""
        return {**asdict(self), "mode": mode or self.mode}

    def spec(self) -> PoolSpec:
        """The validated configuration; raises PoolvizError where PyTorch would refuse it."""
        return PoolSpec.make(**self._arguments())

    def explain(self, x: np.ndarray, mode: str | None = None) -> PoolResult:
        """:func:`explain` of ``x`` with these arguments (``mode`` overrides)."""
        from poolviz.engine.explain import explain

        return explain(x, **self._arguments(mode))

    def apply(self, x: np.ndarray, mode: str | None = None) -> np.ndarray:
        """``pool2d`` of NHWC ``x`` with these arguments (``mode`` overrides)."""
        from poolviz.engine.pooling import pool2d

        # return_indices=False: the overload that returns the output alone
        return pool2d(x, return_indices=False, **self._arguments(mode))


@dataclass
class BlurPooling:
    """Blur pooling's arguments (:func:`blur_pool2d`): the max stage's window ``size`` at
    stride 1, then a ``filter_size``-tap binomial filter that subsamples by ``stride``."""

    size: IntPair = 2
    stride: IntPair = 2
    filter_size: int = 4

    @property
    def label(self) -> str:
        """How a report names it: ``blur: max 2x2 stride 1, 4-tap filter stride 2``."""
        kh, kw = (self.size, self.size) if isinstance(self.size, int) else self.size
        sh, sw = (self.stride, self.stride) if isinstance(self.stride, int) else self.stride
        step = str(sh) if sh == sw else f"{sh}x{sw}"
        return f"blur: max {kh}x{kw} stride 1, {self.filter_size}-tap filter stride {step}"

    def apply(self, x: np.ndarray) -> np.ndarray:
        """``blur_pool2d`` of ``x`` with these arguments."""
        from poolviz.engine.blur import blur_pool2d

        return blur_pool2d(x, self.size, self.stride, self.filter_size)


def where_differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Where ``a`` and ``b`` differ, NaN matching NaN."""
    same: np.ndarray = (a == b) | (np.isnan(a) & np.isnan(b))
    return ~same
