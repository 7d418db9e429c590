"""The stages a run is animated in: one for max, average, adaptive and fractional pooling;
for LP pooling one whose captions raise each window's cells to the power p, sum them and take
the p-th root; for blur pooling two, the stride-1 max and then the filter that subsamples.

Each stage is a :class:`Story` over a :class:`PoolResult` assembled from the run's own
arrays (input, output, the max map, the padded map) with the windows' geometry
(:meth:`PoolSpec.axes`): the frames show the engine's numbers and pool nothing again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from poolviz.engine.blur import BlurRun
from poolviz.engine.explain import PoolResult, Window
from poolviz.engine.geometry import PoolSpec
from poolviz.engine.lp import LPRun, torch_pow
from poolviz.render.animation.story import MAX_TERMS, WINDOW_FRAMES, Story
from poolviz.render.blur_text import filter_weights, weighted_sum
from poolviz.render.lp_text import p_name
from poolviz.render.style import decimals_for, format_number

Run = PoolResult | LPRun | BlurRun


def stories(run: Run) -> list[Story]:
    """The stages of ``run``, in the order they are shown."""
    build: Callable[[Any], list[Story]] = STAGES[type(run)]
    return build(run)


def _windows(
    x: np.ndarray, output: np.ndarray, spec: PoolSpec, ndim: int, indices: np.ndarray | None
) -> PoolResult:
    """``output`` (the engine's) with the windows ``spec`` places over ``x``."""
    rows, cols = spec.axes(x.shape[1], x.shape[2])
    return PoolResult(x, output, indices, spec, rows, cols, ndim)


def _pooling(run: PoolResult) -> list[Story]:
    return [Story(run)]


@dataclass(frozen=True)
class LPStory(Story):
    """LP pooling's windows: each cell raised to the power p (noted under it), the powers
    summed, the p-th root taken, as PyTorch computes it (:func:`torch_pow`; a ceil-mode
    window hanging off the edge takes the mean of its real cells times kh·kw)."""

    run: LPRun = field(kw_only=True)

    @property
    def overhang(self) -> str:
        kh, kw = self.run.size
        return f"past the edge (the real cells' mean x {kh * kw})"

    @property
    def note_legend(self) -> str:
        p = self.run.norm_type
        return "" if math.isinf(p) else f"small: x^{p_name(p)}"

    def _powers(self, window: Window) -> np.ndarray:
        dtype = self.run.input.dtype
        return torch_pow(window.cells.astype(dtype), self.run.norm_type)

    def notes(self, window: Window, item: int, channel: int) -> list[list[str]] | None:
        if math.isinf(self.run.norm_type):
            return None
        powers = self._powers(window)
        places = decimals_for(powers[~window.padded])
        return [
            ["" if np.isnan(v) else format_number(float(v), places) for v in row] for row in powers
        ]

    def worked(self, window: Window, item: int, channel: int, places: tuple[int, int]) -> str:
        run = self.run
        p = run.norm_type
        name = p_name(p)
        given, result = places
        value = format_number(window.value, result)
        real = window.cells[~window.padded]
        if math.isinf(p):
            which = "max" if p > 0 else "min"
            if real.size > MAX_TERMS:
                return f"{which} |x| of {real.size} cells = {value}"
            listed = ", ".join(format_number(float(v), given) for v in real)
            return f"{which} |x| of ({listed}) = {value}"
        powers = self._powers(window)[~window.padded]
        with np.errstate(all="ignore"):
            total = float(powers.sum())
        kh, kw = run.size
        if real.size < kh * kw:  # the ceil-mode overhang: PyTorch's mean times kh·kw
            total = total / real.size * (kh * kw)
        total_text = format_number(total, decimals_for(np.array([total])))
        if real.size > MAX_TERMS:
            summed = f"sum of x^{name} over {real.size} cells"
        else:
            summed = " + ".join(f"{_base(float(v), given)}^{name}" for v in real)
        if real.size < kh * kw:
            summed = f"({summed}) / {real.size} · {kh * kw}"
        return f"{summed} = {total_text}; {total_text}^(1/{name}) = {value}"


def _base(value: float, places: int) -> str:
    """A value about to be raised to a power: negatives in brackets."""
    text = format_number(value, places)
    return f"({text})" if value < 0 else text


def _lp(run: LPRun) -> list[Story]:
    spec = PoolSpec.make(run.size, run.stride, ceil_mode=run.ceil_mode, mode="avg")
    kh, kw = run.size
    return [
        LPStory(
            _windows(run.input, run.output, spec, run.input_ndim, None),
            title=f"LP pooling, p = {p_name(run.norm_type)}: size {kh}x{kw}, stride "
            f"{run.stride[0]}x{run.stride[1]}" + (", ceil mode" if run.ceil_mode else ""),
            operation=f"LP, p = {p_name(run.norm_type)}",
            run=run,
        )
    ]


@dataclass(frozen=True)
class BlurStory(Story):
    """Blur pooling's second stage: the filter's window moving over the reflect-padded max
    map with the filter's stride, each cell's weight noted under it, the weighted sum as
    the caption."""

    run: BlurRun = field(kw_only=True)

    @property
    def note_legend(self) -> str:
        return f"small: the filter's weight (/{int(filter_weights(self.run).sum())})"

    def notes(self, window: Window, item: int, channel: int) -> list[list[str]] | None:
        return [[f"x{int(w)}" for w in row] for row in filter_weights(self.run)]

    def worked(self, window: Window, item: int, channel: int, places: tuple[int, int]) -> str:
        run = self.run
        if run.filter_size <= 4:  # up to 16 terms
            return weighted_sum(run, window.out, channel, item, places[1])
        weights = filter_weights(run)
        value = format_number(window.value, places[1])
        return (
            f"{window.cells.size} cells times their weights, summed, / {int(weights.sum())}"
            f" = {value}"
        )

    def index_label(self, k: int, axis: int) -> str:
        """The max map's index of padded cell ``k``, or ``p`` for a reflected one."""
        before, _ = self.run.pad
        n = self.run.max_map.shape[1 + axis]
        return str(k - before) if 0 <= k - before < n else "p"

    def reflected(self) -> np.ndarray | None:
        before, _ = self.run.pad
        h, w = self.run.max_map.shape[1:3]
        mask = np.ones(self.result.input.shape[1:3], dtype=bool)
        mask[before : before + h, before : before + w] = False
        return mask


def _blur(run: BlurRun) -> list[Story]:
    kh, kw = run.size
    sh, sw = run.stride
    f = run.filter_size
    stride_one = PoolSpec.make(run.size, 1)
    filtered = PoolSpec.make(f, run.stride, mode="avg")
    half = WINDOW_FRAMES // 2
    return [
        Story(
            _windows(run.input, run.max_map, stride_one, run.input_ndim, None),
            title=f"Blur pooling, 1 of 2: max {kh}x{kw} at stride 1",
            operation="max",
            output_name="max map",
            limit=half,
        ),
        BlurStory(
            _windows(run.padded, run.output, filtered, run.input_ndim, None),
            title=f"Blur pooling, 2 of 2: a {f}-tap binomial filter at stride {sh}x{sw}",
            operation="filter",
            input_name="max map, reflect-padded",
            limit=half,
            run=run,
        ),
    ]


STAGES: dict[type, Callable[[Any], list[Story]]] = {
    PoolResult: _pooling,
    LPRun: _lp,
    BlurRun: _blur,
}
"""How each kind of run is told, by its type (no branch per kind where it is shown)."""
