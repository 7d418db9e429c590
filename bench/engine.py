"""The engine's speed against PyTorch's single-thread CPU kernels, side by side in one process.

Run by hand: ``python bench/engine.py [--rounds 7] [--only a,c]`` (issue 28's rows, the new
kinds among them, are ``bench/kernels.py``'s). With torch installed
(``pip install torch==2.13.0``), each workload is checked against PyTorch, then timed; every
round times poolviz and PyTorch back to back and takes their ratio, so a noisy machine moves
the ratios little; the medians of times and ratios are printed. Without torch it times poolviz
alone. Also: the memory-bandwidth bound for (a) and the peak extra memory per workload, checked
on (a) against its budget: 1.2x the result (the gradient for backward), plus the indices.

PyTorch's times depend on the allocator. Its fresh output memory is faulted in 4 KiB pages
(NumPy asks for huge pages), which is about two thirds of its time on (c), unless glibc happens
to hand it reused heap memory, as some runs do: its (c) times then drop about 3x. Run with
``MALLOC_MMAP_THRESHOLD_=1073741824`` to make every allocation reuse memory (kernel against
kernel); the targets were set against the default. Seen on 2026-11-25 (2 cores, load ~0.9),
(c) in the default and in the kernel-against-kernel run: max 0.31 / 1.04, max+indices
0.91 / 2.63, avg 1.30 / 1.45, backward 0.55 / 1.81; (a), (b) and (d) move little.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import peak_bytes  # noqa: E402

from poolviz import pool2d, pool2d_backward  # noqa: E402

try:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
except ImportError:  # timed alone
    torch = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Workload:
    key: str
    name: str
    shape: tuple[int, int, int, int]
    size: int
    stride: int
    padding: int = 0


WORKLOADS = (
    Workload("a", "4K photo, 2/2", (1, 2160, 3840, 3), 2, 2),
    Workload("b", "4K photo, 3/2", (1, 2160, 3840, 3), 3, 2),
    Workload("c", "ResNet stem, 3/2/1", (32, 112, 112, 64), 3, 2, 1),
    Workload("d", "MNIST, 2/2", (64, 26, 26, 32), 2, 2),
)
MEMORY_BUDGET = 1.2  # extra memory on (a), as a multiple of the result (indices extra)
TARGETS = {  # ratio to PyTorch, per figure and workload (issue: performance)
    "max": {"a": 0.5, "b": 0.5, "c": 1.0, "d": 1.5},
    "max+indices": {"a": 1.5, "b": 1.5, "c": 3.0, "d": 6.0},
    "avg": {"a": 1.5, "b": 1.5, "c": 5.0, "d": 4.0},
    "backward": {"a": 1.5, "b": 1.5, "c": 2.0, "d": 4.0},
}


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def figures(
    w: Workload, x: np.ndarray
) -> dict[str, tuple[Callable[[], object], Callable[[], object] | None]]:
    """For each figure: the poolviz call and the PyTorch call it is compared with."""
    k, s, p = w.size, w.stride, w.padding
    g = np.ones_like(pool2d(x, k, s, p))
    ours = {
        "max": lambda: pool2d(x, k, s, p),
        "max+indices": lambda: pool2d(x, k, s, p, return_indices=True),
        "avg": lambda: pool2d(x, k, s, p, mode="avg"),
        "backward": lambda: pool2d_backward(x, g, k, s, p),
    }
    if torch is None:
        return {name: (fn, None) for name, fn in ours.items()}
    t = torch.from_numpy(x).permute(0, 3, 1, 2)  # channels_last view of the same memory
    tg = torch.from_numpy(g).permute(0, 3, 1, 2)

    def autograd() -> object:
        leaf = t.detach().requires_grad_()
        F.max_pool2d(leaf, k, s, p).backward(tg)
        return leaf.grad

    theirs = {
        "max": lambda: F.max_pool2d(t, k, s, p),
        "max+indices": lambda: F.max_pool2d(t, k, s, p, return_indices=True),
        "avg": lambda: F.avg_pool2d(t, k, s, p),
        "backward": autograd,
    }
    return {name: (ours[name], theirs[name]) for name in ours}


def check(w: Workload, x: np.ndarray) -> None:
    """Results equal PyTorch's before anything is timed (average within float32 rounding)."""
    if torch is None:
        return
    k, s, p = w.size, w.stride, w.padding
    t = torch.from_numpy(x).permute(0, 3, 1, 2)
    values, indices = pool2d(x, k, s, p, return_indices=True)
    tv, ti = F.max_pool2d(t, k, s, p, return_indices=True)
    assert np.array_equal(values, tv.permute(0, 2, 3, 1).numpy()), w.key
    assert np.array_equal(indices, ti.permute(0, 2, 3, 1).numpy()), w.key
    avg = F.avg_pool2d(t, k, s, p).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(pool2d(x, k, s, p, mode="avg"), avg, rtol=1e-6, atol=1e-6)
    g = np.ones_like(values)
    leaf = t.detach().requires_grad_()
    F.max_pool2d(leaf, k, s, p).backward(torch.from_numpy(g).permute(0, 3, 1, 2))
    assert leaf.grad is not None
    assert np.array_equal(pool2d_backward(x, g, k, s, p), leaf.grad.permute(0, 2, 3, 1).numpy())


def bandwidth_seconds(nbytes: int) -> float:
    """Time to read ``nbytes`` once and write them once, from copying a 1 GiB array."""
    src = np.ones(1 << 28, dtype=np.float32)
    dst = np.empty_like(src)
    best = min(timed(lambda: np.copyto(dst, src)) for _ in range(3))
    return best * nbytes / (2 * src.nbytes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", default="abcd", help="workload keys, e.g. a,c")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; numpy {np.__version__}"
        + ("" if torch is None else f"; torch {torch.__version__}, 1 thread")
    )
    rng = np.random.default_rng(0)
    print(
        f"{'workload':22} {'figure':12} {'poolviz':>9} {'torch':>9} {'ratio':>6} {'target':>6}"
        f" {'extra MiB':>9}"
    )
    for w in WORKLOADS:
        if w.key not in args.only:
            continue
        x = rng.standard_normal(w.shape).astype(np.float32)
        check(w, x)
        out_bytes = pool2d(x, w.size, w.stride, w.padding).nbytes
        for name, (ours, theirs) in figures(w, x).items():
            ours()  # warm up
            if theirs is not None:
                theirs()
            t_ours, t_theirs, ratios = [], [], []
            for _ in range(args.rounds):
                a = timed(ours)
                t_ours.append(a)
                if theirs is not None:
                    b = timed(theirs)
                    t_theirs.append(b)
                    ratios.append(a / b)
            extra = peak_bytes(ours) / 2**20
            med = statistics.median
            ratio = f"{med(ratios):6.2f}" if ratios else "     -"
            target = TARGETS[name][w.key]
            flag = "" if not ratios else ("  ok" if med(ratios) <= target else "  MISSED")
            if w.key == "a":
                budget = MEMORY_BUDGET * (x.nbytes if name == "backward" else out_bytes)
                budget += 2 * out_bytes if name == "max+indices" else 0  # int64 vs float32
                flag += f"  mem {'ok' if extra * 2**20 <= budget else 'OVER'}"
                flag += f" (budget {budget / 2**20:.0f})"
            print(
                f"{w.key}) {w.name:19} {name:12} {med(t_ours) * 1e3:8.1f}ms "
                + (f"{med(t_theirs) * 1e3:8.1f}ms" if t_theirs else "        -")
                + f" {ratio} {target:6.1f} {extra:9.1f}{flag}"
                + (f"  (output {out_bytes / 2**20:.1f} MiB)" if name == "max" else "")
            )
        if w.key == "a":
            bound = bandwidth_seconds(x.nbytes + out_bytes)
            t_max = statistics.median(timed(partial(pool2d, x, 2, 2)) for _ in range(args.rounds))
            print(
                f"   memory-bandwidth bound for (a): {bound * 1e3:.1f}ms; max pooling takes "
                f"{t_max / bound:.1f}x the bound"
            )


if __name__ == "__main__":
    main()
