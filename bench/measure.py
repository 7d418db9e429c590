"""What every bench script shares: timing a candidate and its baseline back to back, the
median ratio over rounds, and one row of the speed table (issue 28's columns).

A shared machine stretches both runs of a round alike, so the ratio of each round moves much
less than the times; the medians of the times and of the per-round ratios are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Row:
    """One line of the speed table."""

    what: str
    baseline: str
    ours: float
    """Median seconds (or milliseconds where ``unit`` says so) of the candidate."""
    base: float
    """Median of the baseline, in the same unit (0 when there is no baseline)."""
    ratio: float
    """Median over rounds of candidate / baseline (for a row without a baseline, ``ours``)."""
    target: float | None
    """None: a row shown for information, outside the table's targets."""
    unit: str = "s"
    note: str = ""

    @property
    def met(self) -> bool:
        return self.target is None or self.ratio <= self.target

    def line(self) -> str:
        """The row as printed: what, baseline, times, ratio, target, met or not."""
        scale, unit = (1e3, "ms") if self.unit == "s" else (1.0, self.unit)
        base = f"{self.base * scale:8.1f}{unit}" if self.base else f"{'-':>10}"
        target = "-" if self.target is None else f"<={self.target:g}" + ("x" if self.base else unit)
        ratio = f"{self.ratio:6.2f}x" if self.base else f"{self.ratio:5.1f}{unit}"
        verdict = "info" if self.target is None else "met" if self.met else "NOT MET"
        text = (
            f"{self.what:46.46} {self.baseline:22.22} {self.ours * scale:8.1f}{unit} {base} "
            f"{ratio:>8} {target:>8} {verdict}"
        )
        return text + (f"  {self.note}" if self.note else "")

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


HEADER = (
    f"{'what':46} {'baseline':22} {'ours':>10} {'baseline':>10} {'ratio':>8} {'target':>8} met?"
)


def cpu_seconds() -> float:
    """CPU seconds this process and its finished children have used: a clock that a busy
    machine stretches much less than the wall's (``--cpu``)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


CLOCK = time.perf_counter
"""Wall time by default (what a user waits for); ``--cpu`` (:func:`use_cpu_clock`) counts CPU
time instead, for development on a loaded machine."""


def use_cpu_clock() -> None:
    """Time by :func:`cpu_seconds` from now on."""
    global CLOCK
    CLOCK = cpu_seconds


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes, by :data:`CLOCK`."""
    start = CLOCK()
    fn()
    return CLOCK() - start


def side_by_side(
    ours: Callable[[], object], base: Callable[[], object], rounds: int, warm: bool = True
) -> tuple[float, float, float]:
    """Medians of (our seconds, baseline seconds, our / baseline per round), each round
    running the baseline then ours; with ``warm`` one untimed round first."""
    if warm:
        base()
        ours()
    a, b, r = [], [], []
    for _ in range(rounds):
        tb = timed(base)
        ta = timed(ours)
        a.append(ta)
        b.append(tb)
        r.append(ta / tb)
    med = statistics.median
    return med(a), med(b), med(r)


def load_line() -> str:
    """The machine's load averages and cores, for the note that quotes the run."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def peak_bytes(fn: Callable[[], object]) -> int:
    """Peak bytes NumPy allocated while ``fn`` ran, its result included."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def bench_main(
    description: str,
    rows: Callable[[bool, str], list[Row]],
    missing: Callable[[], str] | None = None,
) -> None:
    """A bench script's command line: ``--quick``, ``--only``, ``--json``, ``--cpu``; prints
    ``rows(quick, only)`` as the table (or as JSON, the last line, for ``bench/all.py``).

    ``missing`` returns why the rows cannot run (an empty string when they can): the
    script then prints that reason and, with ``--json``, an empty list."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 5")
    parser.add_argument("--only", default="", help="rows whose name contains this")
    parser.add_argument("--json", action="store_true", help="rows as JSON (for bench/all.py)")
    parser.add_argument("--cpu", action="store_true", help="CPU time, not wall")
    args = parser.parse_args()
    if args.cpu:
        use_cpu_clock()
    if missing is not None and (why := missing()):
        print(why)
        if args.json:
            print("[]")
        return
    found = rows(args.quick, args.only)
    if args.json:
        print(json.dumps([r.as_dict() for r in found]))
        return
    print(load_line())
    print(HEADER)
    for r in found:
        print(r.line())
