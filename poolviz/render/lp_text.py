"""The words every LP renderer (terminal, figure) shares: the power's name and what PyTorch
computes for it."""

from __future__ import annotations

import numpy as np

from poolviz.engine.lp import LPRun


def p_name(p: float) -> str:
    """``2``, ``1.5``, ``inf`` or ``-inf``."""
    return {np.inf: "inf", -np.inf: "-inf"}.get(p, f"{p:g}")


def lp_formula(run: LPRun) -> str:
    """What PyTorch computes per window: ``max |x| (max_pool2d of |x|)`` for p = inf, else
    the mean of x^p over the real cells times kh·kw, to the power 1/p."""
    p = run.norm_type
    kh, kw = run.size
    name = p_name(p)
    if p == np.inf:
        return "max |x| (max_pool2d of |x|)"
    if p == -np.inf:
        return "min |x| (−max_pool2d of −|x|)"
    return f"(mean of x^{name} over the window's real cells · {kh * kw})^(1/{name})"


def lp_place(p: float) -> str:
    """Where power ``p`` puts LP pooling, ``(Σ x^p)^(1/p)`` over a window: its sum at p = 1,
    its largest |x| at p = inf, in between for p between; below 1 no longer a norm."""
    if p == np.inf:
        return "the window's largest |x|, as max pooling of |x|"
    if p == -np.inf:
        return "the window's smallest |x|"
    if p == 1:
        return "the window's sum"
    if p > 1:
        return "between the window's sum (p = 1) and its max (p = inf)"
    if p > 0:
        return "more than the window's sum (below 1, p makes no norm)"
    return "the window's smallest cells weigh most"
