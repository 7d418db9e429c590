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
