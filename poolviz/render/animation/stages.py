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
from poolviz.engine.lp import LPRun
from poolviz.errors import PoolvizError
from poolviz.render.animation.story import MAX_TERMS, WINDOW_FRAMES, Frame, Story
from poolviz.render.blur_text import filter_weights, weighted_sum
from poolviz.render.lp_text import p_name
from poolviz.render.style import decimals_for, format_number

Run = PoolResult | LPRun | BlurRun


def stories(run: Run, grad: bool = False) -> list[Story]:
    """The stages of ``run``, in the order they are shown; with ``grad``, the gradient
    flowing back through its windows instead (:class:`GradStory`)."""
    if grad and isinstance(run, BlurRun):  # two stages: no one window's gradient to follow
        raise PoolvizError(
            "--grad shows one stage's gradient flowing back (max, average, adaptive, "
            "fractional or LP pooling); blur pooling's is shown by poolviz grad --mode blur"
        )
    build: Callable[[Any], list[Story]] = STAGES[type(run)]
    told = build(run)
    return [GradStory.of(told[0], run.backward)] if grad else told


def _windows(x: np.ndarray, output: np.ndarray, spec: PoolSpec, ndim: int) -> PoolResult:
    """``output`` (the engine's) with the windows ``spec`` places over ``x``, and no winners
    (LP's and blur's stages ring none)."""
    rows, cols = spec.axes(x.shape[1], x.shape[2])
    return PoolResult(x, output, None, spec, rows, cols, ndim)


def _pooling(run: PoolResult) -> list[Story]:
    return [Story(run)]


@dataclass(frozen=True)
class LPStory(Story):
    """LP pooling's windows: each cell raised to the power p (noted under it), the powers
    summed, the p-th root taken, as PyTorch computes it (:meth:`LPRun.window_total`; a ceil-mode
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

    def notes(self, window: Window, item: int, channel: int) -> list[list[str]] | None:
        if math.isinf(self.run.norm_type):
            return None
        powers = self.run.window_powers(window.cells)
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
        total = run.window_total(run.window_powers(real))
        kh, kw = run.size
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
            _windows(run.input, run.output, spec, run.input_ndim),
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
        return f"small: the cell's weight in the filter (of {int(filter_weights(self.run).sum())})"

    def notes(self, window: Window, item: int, channel: int) -> list[list[str]] | None:
        return [[f"×{int(w)}" for w in row] for row in filter_weights(self.run)]

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
            _windows(run.input, run.max_map, stride_one, run.input_ndim),
            title=f"Blur pooling, 1 of 2: max {kh}x{kw} at stride 1",
            operation="max",
            output_name="max map",
            limit=half,
        ),
        BlurStory(
            _windows(run.padded, run.output, filtered, run.input_ndim),
            title=f"Blur pooling, 2 of 2: a {f}-tap binomial filter at stride {sh}x{sw}",
            operation="filter",
            input_name="max map, reflect-padded",
            limit=half,
            run=run,
        ),
    ]


@dataclass(frozen=True)
class GradStory(Story):
    """The gradient flowing back through the windows one by one: each output's gradient
    (1, as for the sum of the outputs) sent back through its window as the engine's backward
    routes it (max: to its winner; average: shared; LP: by each cell's share of the power
    sum). A frame's input shows what has reached each cell so far; the output, the
    gradients already sent."""

    forward: Story = field(kw_only=True)
    """The forward stage: its windows and words."""
    send: Callable[[np.ndarray], np.ndarray] = field(kw_only=True)
    """The engine's backward: the input's gradient (NHWC) for an output gradient (NHWC)."""

    @classmethod
    def of(cls, forward: Story, send: Callable[[np.ndarray], np.ndarray]) -> GradStory:
        """The backward of ``forward``, its run's gradient from ``send``."""
        r = forward.result
        ones = np.ones(r.output.shape)
        back = PoolResult(
            np.asarray(send(ones), dtype=np.float64),
            ones,
            r.indices,
            r.spec,
            r.rows,
            r.cols,
            r.input_ndim,
        )
        return cls(
            back,
            title=forward.heading(),
            operation=f"{forward.arrow} backward",
            input_name="input gradient",
            output_name="output gradient",
            forward=forward,
            send=send,
        )

    @property
    def backward(self) -> bool:
        return True

    @property
    def pad_text(self) -> str:
        return ""  # padding takes no gradient

    def _sent(self, first: int) -> np.ndarray:
        """The input's gradient (NHWC) when the first ``first`` outputs (row-major) have sent
        their gradient back."""
        out = self.result.output
        g = np.zeros(out.shape)
        reached = (np.arange(out.shape[1] * out.shape[2]) < first).reshape(out.shape[1:3])
        g[:, reached, :] = 1.0
        return np.asarray(self.send(g), dtype=np.float64)

    def plane(self, frame: Frame, item: int, channel: int) -> np.ndarray:
        plane: np.ndarray = self._sent(frame.window + 1)[item, :, :, channel]
        return plane

    def worked(self, window: Window, item: int, channel: int, places: tuple[int, int]) -> str:
        i, j = window.out
        g = np.zeros(self.result.output.shape)
        g[item, i, j, channel] = 1.0
        share = np.asarray(self.send(g), dtype=np.float64)[item, :, :, channel]
        h, w = share.shape
        cells = sorted(
            {(r, c) for r in window.rows for c in window.cols if 0 <= r < h and 0 <= c < w}
        )
        got = [(r, c, float(share[r, c])) for r, c in cells if share[r, c] != 0]
        said = f"output ({i}, {j})'s gradient 1 flows back: "
        given = places[0]
        if not got:
            return said + "nothing reaches the input"
        values = {v for _, _, v in got}
        if len(got) == 1:
            r, c, v = got[0]
            to = "its max" if window.argmax == (r, c) else "cell"
            return said + f"{_signed(v, given)} to {to} ({r}, {c})"
        if len(values) == 1:
            each = f"{_signed(got[0][2], given)} to each of {len(got)} cells"
            divisor = window.divisor
            if divisor is not None and divisor > len(got):  # counted padding
                each += f" (1 / {divisor}: the padding's {divisor - len(got)} go nowhere)"
            elif divisor is not None:
                each += f" (1 / {divisor})"
            return said + each
        if len(got) > MAX_TERMS:
            low, high = min(values), max(values)
            return said + f"{_signed(low, given)} to {_signed(high, given)} to {len(got)} cells"
        return said + ", ".join(f"{_signed(v, given)} to ({r}, {c})" for r, c, v in got)


def _signed(value: float, places: int) -> str:
    """``+0.25``, ``-1``: a gradient's share with its sign."""
    text = format_number(value, places)
    return text if text.startswith("-") else f"+{text}"


STAGES: dict[type, Callable[[Any], list[Story]]] = {
    PoolResult: _pooling,
    LPRun: _lp,
    BlurRun: _blur,
}
"""How each kind of run is told, by its type (no branch per kind where it is shown)."""
