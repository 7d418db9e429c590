"""Issue 28's engine rows: every kernel against its PyTorch function (1 thread, channels_last),
side by side in one process, with the memory each poolviz path uses.

Run by hand: ``python bench/kernels.py [--quick] [--only adaptive] [--json]`` (``bench/all.py``
runs it twice, once with ``MALLOC_MMAP_THRESHOLD_`` set). Needs torch; without it, it says so
and prints nothing else. Workloads: a ResNet stem batch (16x112x112x64, 3/2 padding 1), an
MNIST batch (64x26x26x32, 2/2) and a full-HD photo (1080x1920x3, 2/2 where a stride applies).

Memory is the peak NumPy allocated during one call beyond its input (tracemalloc), against
issue 28's limits: 1.2x the result's bytes (the gradient's for backward; int64 indices on top),
and for LP and blur 2x the input's bytes.

PyTorch's time depends on its allocator: fresh output memory is faulted in 4 KiB pages, unless
glibc hands it reused heap memory. ``MALLOC_MMAP_THRESHOLD_=1073741824`` makes every
allocation reuse memory (kernel against kernel); the targets hold for the default run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Row, bench_main, peak_bytes, side_by_side  # noqa: E402

from poolviz.engine.backward import pool2d_backward  # noqa: E402
from poolviz.engine.blur import (  # noqa: E402
    blur_filter,
    blur_padding,
    blur_pool2d,
    blur_pool2d_backward,
)
from poolviz.engine.lp import lp_pool2d, lp_pool2d_backward  # noqa: E402
from poolviz.engine.pooling import pool2d  # noqa: E402
from poolviz.engine.uneven import (  # noqa: E402
    adaptive_pool2d,
    adaptive_pool2d_backward,
    fractional_max_pool2d,
    fractional_max_pool2d_backward,
    fractional_samples,
)

STEM = (16, 112, 112, 64)
BLUR_PAD = blur_padding(4)
MNIST = (64, 26, 26, 32)
PHOTO = (1, 1080, 1920, 3)


@dataclass
class Case:
    """One engine row: poolviz's call, PyTorch's, the ratio target and the memory limit."""

    what: str
    baseline: str
    ours: Callable[[], Any]
    theirs: Callable[[], Any]
    target: float | None
    """None: shown for information only."""
    limit: int
    """Bytes the poolviz call may allocate at its peak (its result included)."""
    limit_text: str


def torch_view(x: np.ndarray) -> Any:
    """``x`` (NHWC) as an NCHW tensor in channels_last memory: the same bytes."""
    import torch

    return torch.from_numpy(x).permute(0, 3, 1, 2)


def autograd(
    forward: Callable[[Any], Any], t: Any, g: np.ndarray, contiguous: bool = False
) -> Callable[[], Any]:
    """A call that runs ``forward`` on a leaf copy of ``t`` and back-propagates ``g`` (in
    channels_last memory, or with ``contiguous`` in PyTorch's default NCHW)."""
    tg = torch_view(g).contiguous() if contiguous else torch_view(g)

    def run() -> Any:
        leaf = t.detach().requires_grad_()
        forward(leaf).backward(tg)
        return leaf.grad

    return run


def cases(quick: bool) -> list[Case]:
    """Every engine row of issue 28, with the earlier targets of the plain kinds beside."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    stem = rng.standard_normal(STEM).astype(np.float32)
    mnist = rng.standard_normal(MNIST).astype(np.float32)
    photo = rng.random(PHOTO).astype(np.float32)
    ts, tm, tp = torch_view(stem), torch_view(mnist), torch_view(photo)
    out: list[Case] = []

    def add(what: str, base: str, ours: Callable[[], Any], theirs: Callable[[], Any],
            target: float, limit: int, limit_text: str) -> None:  # fmt: skip
        out.append(Case(what, base, ours, theirs, target, limit, limit_text))

    def values_limit(result: Any, indices: bool = False) -> tuple[int, str]:
        first = result[0] if isinstance(result, tuple) else result
        extra = result[1].nbytes if indices else 0
        return int(1.2 * first.nbytes) + extra, "1.2x output" + (" + indices" if indices else "")

    stem_max = pool2d(stem, 3, 2, 1)
    add("ResNet stem max values", "F.max_pool2d", lambda: pool2d(stem, 3, 2, 1),
        lambda: F.max_pool2d(ts, 3, 2, 1), 0.8, *values_limit(stem_max))  # fmt: skip
    both = pool2d(stem, 3, 2, 1, return_indices=True)
    add("ResNet stem max + indices", "F.max_pool2d", lambda: pool2d(stem, 3, 2, 1,
        return_indices=True), lambda: F.max_pool2d(ts, 3, 2, 1, return_indices=True), 2.5,
        *values_limit(both, True))  # fmt: skip
    add("MNIST max values", "F.max_pool2d", lambda: pool2d(mnist, 2, 2),
        lambda: F.max_pool2d(tm, 2, 2), 1.25, *values_limit(pool2d(mnist, 2, 2)))  # fmt: skip
    # the plain kinds' earlier targets (#18's bench): exact-order average, max backward
    for name, x, t, k, s, p, target in (
        ("ResNet stem", stem, ts, 3, 2, 1, 5.0),
        ("MNIST", mnist, tm, 2, 2, 0, 4.0),
        ("photo", photo, tp, 2, 2, 0, 1.5),
    ):
        add(f"{name} avg (exact order; #18 target)", "F.avg_pool2d",
            lambda x=x, k=k, s=s, p=p: pool2d(x, k, s, p, mode="avg"),
            lambda t=t, k=k, s=s, p=p: F.avg_pool2d(t, k, s, p), target,
            *values_limit(pool2d(x, k, s, p, mode="avg")))  # fmt: skip
    g_stem = np.ones_like(stem_max)
    add("ResNet stem max backward (#18 target)", "autograd", lambda: pool2d_backward(
        stem, g_stem, 3, 2, 1), autograd(lambda v: F.max_pool2d(v, 3, 2, 1), ts, g_stem), 2.0,
        int(1.2 * stem.nbytes), "1.2x gradient")  # fmt: skip

    for name, x, t in (("ResNet stem", stem, ts), ("photo", photo, tp)):
        n, h, w, c = x.shape
        size = (h // 3 + 1, w // 3 + 1)  # bins of two lengths that overlap
        # adaptive average is timed against the kernel whose numbers poolviz follows, ATen's
        # contiguous (NCHW) one: its channels-last kernel divides by kh * kw at once in its
        # vector lanes (see poolviz.engine.uneven), which changes the last bit of 3658 of the
        # stem's 1.48M numbers (none of the photo's 3 channels: no full lane); shown beside
        tc = t.contiguous()
        for mode, fn, kernels in (
            ("max", F.adaptive_max_pool2d, ((t, "_pool2d", 1.5, 3.0),)),
            ("avg", F.adaptive_avg_pool2d, ((tc, " NCHW", 1.5, 3.0), (t, " ch-last", None, None))),
        ):
            res = adaptive_pool2d(x, size, mode)
            g = np.ones_like(res)
            for tt, layout, target, back_target in kernels:
                suffix = " (ch-last kernel)" if target is None else ""
                add(f"{name} adaptive {mode} -> {size[0]}x{size[1]}{suffix}",
                    f"F.adaptive_{mode}{layout}",
                    lambda x=x, mode=mode, size=size: adaptive_pool2d(x, size, mode),
                    lambda tt=tt, fn=fn, size=size: fn(tt, size), target,
                    *values_limit(res))  # fmt: skip
                add(f"{name} adaptive {mode} backward{suffix}",
                    "autograd" + ("" if tt is t and mode == "max" else layout),
                    lambda x=x, g=g, mode=mode, size=size: adaptive_pool2d_backward(
                        x, g, size, mode),
                    autograd(lambda v, fn=fn, size=size: fn(v, size), tt, g, tt is tc),
                    back_target, int(1.2 * x.nbytes), "1.2x gradient")  # fmt: skip
        frac = (int(h * 0.7), int(w * 0.7))
        u = fractional_samples(n, c, np.float32, seed=0)
        tu = torch.from_numpy(u)
        res = fractional_max_pool2d(x, 2, frac, samples=u)
        add(f"{name} fractional max 2 -> {frac[0]}x{frac[1]}", "F.fractional_max_pool2d",
            lambda x=x, frac=frac, u=u: fractional_max_pool2d(x, 2, frac, samples=u),
            lambda t=t, frac=frac, tu=tu: F.fractional_max_pool2d(
                t, 2, output_size=frac, _random_samples=tu), 1.5,
            *values_limit(res))  # fmt: skip
        g = np.ones_like(res)
        add(f"{name} fractional max backward", "autograd",
            lambda x=x, g=g, frac=frac, u=u: fractional_max_pool2d_backward(
                x, g, 2, frac, samples=u),
            autograd(lambda v, frac=frac, tu=tu: F.fractional_max_pool2d(
                v, 2, output_size=frac, _random_samples=tu), t, g), 3.0,
            int(1.2 * x.nbytes), "1.2x gradient")  # fmt: skip
        k, s = (3, 2) if name == "ResNet stem" else (2, 2)
        res = lp_pool2d(x, 2, k, s)
        add(f"{name} LP p=2 {k}/{s}", "F.lp_pool2d", lambda x=x, k=k, s=s: lp_pool2d(x, 2, k, s),
            lambda t=t, k=k, s=s: F.lp_pool2d(t, 2, k, s), 1.5, 2 * x.nbytes,
            "2x input")  # fmt: skip
        g = np.ones_like(res)
        add(f"{name} LP p=2 backward", "autograd",
            lambda x=x, g=g, k=k, s=s: lp_pool2d_backward(x, g, 2, k, s),
            autograd(lambda v, k=k, s=s: F.lp_pool2d(v, 2, k, s), t, g), 3.0, 2 * x.nbytes,
            "2x input")  # fmt: skip
        weights = torch.from_numpy(blur_filter(4)).expand(c, 1, 4, 4).contiguous()

        def torch_blur(v: Any, weights: Any = weights, c: int = c) -> Any:
            m = F.max_pool2d(v, 2, 1)
            m = F.pad(m, (*BLUR_PAD, *BLUR_PAD), mode="reflect")
            return F.conv2d(m, weights, stride=2, groups=c)

        res = blur_pool2d(x, 2, 2, 4)
        add(f"{name} blur 2/2, 4 taps", "max_pool2d+pad+conv2d",
            lambda x=x: blur_pool2d(x, 2, 2, 4), lambda t=t, f=torch_blur: f(t), 1.5,
            2 * x.nbytes, "2x input")  # fmt: skip
        g = np.ones_like(res)
        add(f"{name} blur backward", "autograd",
            lambda x=x, g=g: blur_pool2d_backward(x, g, 2, 2, 4),
            autograd(torch_blur, t, g), 3.0, 2 * x.nbytes, "2x input")  # fmt: skip
    return out


def rows(quick: bool, only: str = "") -> list[Row]:
    """Time and measure every case (``only``: a substring of the rows to keep)."""
    rounds = 3 if quick else 5
    out = []
    for case in cases(quick):
        if only not in case.what:
            continue
        ours, base, ratio = side_by_side(case.ours, case.theirs, rounds)
        peak = peak_bytes(case.ours)
        note = f"mem {peak / 2**20:.1f} MiB of {case.limit / 2**20:.1f} ({case.limit_text})" + (
            "" if peak <= case.limit else " OVER"
        )
        out.append(Row(case.what, case.baseline, ours, base, ratio, case.target, note=note))
    return out


def torch_missing() -> str:
    """Why the rows cannot run (torch absent), or an empty string."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return "torch is not installed: engine rows skipped (pip install torch)"
    return ""


if __name__ == "__main__":
    bench_main(__doc__.splitlines()[0], rows, torch_missing)
