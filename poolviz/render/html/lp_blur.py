"""The page data of LP and blur pooling (``poolviz pool --mode lp|blur -o lesson.html``).

Both are drawn by the page as any pooling is: windows over a grid, stepped through and
linked. Neither is recomputed in the page (its settings are shown as written and say so);
each window carries its own worked sentence (``text``) from the engine's numbers:

- **LP**: the windows over the input (PyTorch's geometry, ceil mode included), PyTorch's value
  beside the textbook ``(Σ|x|^p)^(1/p)`` (``detail``), with why they part where they do.
- **Blur**: the stepped grid is the stride-1 max map (stage 1, shown beside the input), read
  through its reflect padding (drawn with the values it reflects) by the binomial filter,
  whose weights are shown as a grid too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from poolviz.engine.blur import BlurRun, binomial_row
from poolviz.engine.geometry import PoolSpec
from poolviz.engine.lp import LPRun
from poolviz.render.html.page import PageView, page_frame
from poolviz.render.style import decimals_for, format_number

TERMS_SHOWN = 24
"""Terms of a window's sum written out in its sentence; the rest are an ellipsis."""


def _terms(parts: list[str], joiner: str) -> str:
    shown = parts if len(parts) <= TERMS_SHOWN else [*parts[:TERMS_SHOWN], "…"]
    return joiner.join(shown)


def _pair(values: tuple[int, int]) -> str:
    return f"{values[0]}x{values[1]}"


def _norm_text(p: float) -> str:
    """p as a user writes it: 2, 1.5, inf, -inf."""
    if math.isinf(p):
        return "inf" if p > 0 else "-inf"
    return f"{p:g}"


def lp_page(run: LPRun, view: PageView, mode_args: list[str]) -> dict[str, Any]:
    """The page data of LP pooling: each window's PyTorch value worked out, the textbook's
    beside it; ``mode_args`` are the options that chose LP (``--mode lp --norm-type 2 -k 2``),
    for "copy as command"."""
    item, channel = view.item, view.channel
    spec = PoolSpec.make(run.size, run.stride, ceil_mode=run.ceil_mode)
    rows, cols = spec.axes(run.input.shape[1], run.input.shape[2])
    plane = run.input[item, :, :, channel]
    out = run.output[item, :, :, channel]
    book = run.textbook[item, :, :, channel]
    d_in, d_out = decimals_for(plane), decimals_for(np.concatenate([out.ravel(), book.ravel()]))
    why = {(i, j): reason for i, j, reason in run.departures(item, channel)}
    p, full = run.norm_type, run.size[0] * run.size[1]
    windows: list[dict[str, Any]] = []
    for i in range(rows.out):
        for j in range(cols.out):
            cells = [plane[r, c] for r in rows.real_taps(i) for c in cols.real_taps(j)]
            shown = [format_number(float(v), d_in) for v in cells]
            value = format_number(float(out[i, j]), d_out)
            if math.isinf(p):
                inner = _terms([f"|{v}|" for v in shown], ", ")
                text = f"max({inner}) = {value}" if p > 0 else f"min({inner}) = {value}"
            else:
                # a negative cell is raised as it is (PyTorch's pow), bracketed to say so
                bases = [f"({v})" if v.startswith("-") else v for v in shown]
                power = _terms([f"{v}^{p:g}" for v in bases], " + ")
                if len(cells) < full:  # ceil mode: the mean of the real cells, times kh·kw
                    power = f"({power}) / {len(cells)} · {full}"
                text = f"({power})^(1/{p:g}) = {value}"
            if (i, j) in why:
                textbook = format_number(float(book[i, j]), d_out)
                text += f"; the textbook (Σ|x|^p)^(1/p) gives {textbook} ({why[i, j]})"
            windows.append(
                {
                    "out": [i, j],
                    "rows": rows.taps(i),
                    "cols": cols.taps(j),
                    "value": float(out[i, j]),
                    "argmax": None,
                    "text": text,
                    "detail": format_number(float(book[i, j]), d_out),
                }
            )
    heading = f"LPPool2D  p {_norm_text(p)} · size {_pair(spec.size)} · stride {_pair(spec.stride)}"
    if run.ceil_mode:
        heading += " · ceil mode"
    departed = len(why)
    return {
        **page_frame(view, heading, cols.out),
        "input_shape": list(run.input.shape),
        "output_shape": list(run.output.shape),
        "config": {
            "mode": "lp",
            "norm_type": p,
            "size": list(spec.size),
            "stride": list(spec.stride),
            "padding": 0,
            "padding_resolved": [0, 0, 0, 0],
            "dilation": [1, 1],
            "ceil_mode": run.ceil_mode,
            "count_include_pad": False,
        },
        "formula": {"h": rows.formula("out_h"), "w": cols.formula("out_w")},
        "simple_formula": {"h": rows.simple_formula("out_h"), "w": cols.simple_formula("out_w")},
        "input": plane,
        "output": out,
        "windows": windows,
        "coverage": np.outer(rows.reads(), cols.reads()),
        "shown_as": {
            "what": f"LP pooling (p = {_norm_text(p)})",
            "value": "LP",
            "detail": "textbook",
            "args": mode_args,
            "fields": ["k", "s", "ceil"],
            "balance": (
                "LP pooling passes each cell (x / y)^(p − 1) times the gradient of its output y, "
                "so what leaves need not equal what came in"
            ),
            "settings": [["norm type p", _norm_text(p)]],
            "summary": (
                f"PyTorch's numbers: for finite p, the average of x^p over the window times "
                f"kh·kw, raised to 1/p; {departed} of {len(windows)} outputs differ from the "
                "textbook (Σ|x|^p)^(1/p) (marked in each window's sentence)."
            ),
        },
    }


def _fold(index: int, n: int) -> int:
    """The cell a reflect-padded index reads (NumPy's and PyTorch's ``reflect``)."""
    if n == 1:
        return 0
    period = 2 * (n - 1)
    index = abs(index) % period
    return period - index if index >= n else index


def blur_page(run: BlurRun, view: PageView, mode_args: list[str]) -> dict[str, Any]:
    """The page data of blur pooling: stage 1 (the input and its stride-1 max map) and the
    filter's windows over the reflect-padded max map, each output's weighted sum worked out;
    ``mode_args`` as :func:`lp_page`'s."""
    item, channel = view.item, view.channel
    (kh, kw), (sh, sw), f = run.size, run.stride, run.filter_size
    before, after = run.pad
    plane = run.input[item, :, :, channel]
    max_map = run.max_map[item, :, :, channel]
    out = run.output[item, :, :, channel]
    (mh, mw), (oh, ow) = max_map.shape, out.shape
    row = binomial_row(f)
    total = sum(row) ** 2
    weights = np.outer(row, row)
    d_in, d_out = decimals_for(max_map), decimals_for(out)
    windows: list[dict[str, Any]] = []
    for i in range(oh):
        for j in range(ow):
            taps_r = [i * sh - before + t for t in range(f)]
            taps_c = [j * sw - before + t for t in range(f)]
            terms = [
                f"{weights[a, b]}·{format_number(float(max_map[_fold(r, mh), _fold(c, mw)]), d_in)}"
                for a, r in enumerate(taps_r)
                for b, c in enumerate(taps_c)
            ]
            value = format_number(float(out[i, j]), d_out)
            windows.append(
                {
                    "out": [i, j],
                    "rows": taps_r,
                    "cols": taps_c,
                    "value": float(out[i, j]),
                    "argmax": None,
                    "text": f"({_terms(terms, ' + ')}) / {total} = {value}",
                }
            )
    reads_r = np.zeros(mh, dtype=np.int64)
    reads_c = np.zeros(mw, dtype=np.int64)
    for w in windows[:ow]:  # each window once, however many of its taps fold onto a cell
        reads_c[sorted({_fold(c, mw) for c in w["cols"]})] += 1
    for w in windows[::ow]:
        reads_r[sorted({_fold(r, mh) for r in w["rows"]})] += 1
    stride = f"{sh}" if sh == sw else f"{sh}x{sw}"
    heading = f"BlurPool  max {kh}x{kw} stride 1, then a {f}-tap binomial filter, stride {stride}"

    def formula(name: str, n: int, m: int, k: int, s: int, o: int, sides: tuple[str, str]) -> str:
        return (
            f"{name} = floor(({m} + {before} + {after} − {f}) / {s}) + 1 = {o}   (max map "
            f"{m} = {n} − {k} + 1; reflect padding {before} {sides[0]} + {after} {sides[1]})"
        )

    return {
        **page_frame(view, heading, ow),
        "input_shape": [*run.input.shape[:3], run.input.shape[3]],
        "output_shape": list(run.output.shape),
        "config": {
            "mode": "blur",
            "filter_size": f,
            "size": [kh, kw],
            "stride": [sh, sw],
            "padding": 0,
            "padding_resolved": [before, after, before, after],
            "dilation": [1, 1],
            "ceil_mode": False,
            "count_include_pad": False,
        },
        "formula": {
            "h": formula("out_h", plane.shape[0], mh, kh, sh, oh, ("top", "bottom")),
            "w": formula("out_w", plane.shape[1], mw, kw, sw, ow, ("left", "right")),
        },
        "simple_formula": {"h": None, "w": None},
        "input": max_map,
        "output": out,
        "windows": windows,
        "coverage": np.outer(reads_r, reads_c),
        "reflect": True,
        "shown_as": {
            "what": f"blur pooling (max {kh}x{kw} stride 1, then a {f}-tap filter stride {stride})",
            "value": "blur",
            "input": f"Max map {mh}x{mw} (stage 1), reflect-padded",
            "args": mode_args,
            "fields": ["k", "s"],
            "settings": [["filter size", f]],
            "coverage": "Per max-map cell: filter windows reading it (reflections included)",
            "summary": (
                f"Stage 1 takes the max of every {kh}x{kw} window with stride 1 (none skipped); "
                f"stage 2 blurs that map with the binomial filter {list(row)}ᵀ·{list(row)} / "
                f"{total} and keeps every {stride} cells. Padding cells reflect the map "
                "(shown with the value they reflect)."
            ),
            "before": [
                {
                    "name": "source",
                    "caption": f"Input {plane.shape[0]}x{plane.shape[1]}",
                    "values": plane,
                    "window": [kh, kw],
                }
            ],
            "after": [
                {"name": "weights", "caption": f"Filter weights (÷ {total})", "values": weights}
            ],
        },
    }


def lp_blur_grad_page(
    run: LPRun | BlurRun,
    view: PageView,
    mode_args: list[str],
    upstream: np.ndarray,
    given: str | np.ndarray,
    seed: int,
) -> dict[str, Any]:
    """The page data of ``poolviz grad --mode lp|blur``: the forward page (:func:`lp_page`,
    :func:`blur_page`) and the backward pass of one item and channel: the upstream gradient
    (NHWC ``upstream``, from ``given`` and ``seed`` as the command took them), the gradient at
    the input, and each input cell's senders with the share each sends, read off the engine's
    own backward pass of each output alone (an output sends to a cell where that share is
    not zero)."""
    item, channel = view.item, view.channel
    if isinstance(run, BlurRun):
        data = blur_page(run, view, mode_args)
    else:
        data = lp_page(run, view, mode_args)
    h, w = run.input.shape[1:3]
    oh, ow = run.output.shape[1:3]
    senders: list[list[list[list[int]]]] = [[[] for _ in range(w)] for _ in range(h)]
    shares: list[list[list[float]]] = [[[] for _ in range(w)] for _ in range(h)]
    one = np.zeros(run.output.shape, dtype=np.float64)
    for i in range(oh):
        for j in range(ow):
            one[item, i, j, channel] = 1.0
            reached = run.backward(one)[item, :, :, channel] * upstream[item, i, j, channel]
            one[item, i, j, channel] = 0.0
            for r, c in zip(*np.nonzero(reached), strict=True):
                senders[r][c].append([i, j])
                shares[r][c].append(float(reached[r, c]))
    kind = given if isinstance(given, str) else "matrix"
    data["kind"] = "grad"
    data["grad"] = {
        "upstream": {"kind": kind, **({"seed": seed} if kind == "random" else {})},
        "grad_output": upstream[item, :, :, channel],
        "grad_input": run.backward(upstream)[item, :, :, channel],
        "unpooled": None,
        "receivers": senders,
        "shares": shares,
        "input": "source" if isinstance(run, BlurRun) else "input",
    }
    return data
