"""Start-up cost of the ``poolviz pool`` command against the least a comparable process does.

Run by hand: ``python bench/cli.py [--runs 10]``. Two comparisons, each run as fresh
processes with the interpreter running this script:

- terminal: ``poolviz pool`` (the default example, output to a pipe) against a process that
  imports numpy, click, ``rich.console`` and ``rich.table`` and prints a small table;
- figure: ``poolviz pool -o x.png`` against a process that only saves a minimal matplotlib
  figure (one empty axes, PNG).

Every round runs the baseline and poolviz back to back and takes their ratio, so a noisy
machine moves the ratios little; the medians of times and ratios are printed, with the targets
(terminal at most 1.5x its baseline, figure at most 1.3x).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TERMINAL_BASELINE = """
import numpy, click
from rich.console import Console
from rich.table import Table
table = Table("out", "max")
for i in range(4):
    table.add_row(str(i), str(numpy.arange(4)[i]))
Console().print(table)
"""

FIGURE_BASELINE = """
import sys
from matplotlib.figure import Figure
fig = Figure(figsize=(3, 3))
fig.add_subplot()
fig.savefig(sys.argv[1], format="png")
"""

TARGETS = {"terminal": 1.5, "figure": 1.3}


def poolviz_command() -> list[str]:
    """The installed ``poolviz`` script beside this interpreter, else ``python -m poolviz``."""
    script = Path(sys.executable).parent / "poolviz"
    if script.exists():
        return [str(script)]
    found = shutil.which("poolviz")
    return [found] if found else [sys.executable, "-m", "poolviz"]


def run_seconds(command: list[str], cwd: str) -> float:
    """Wall time of one run of ``command``; raises if it fails."""
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, env=os.environ | {"COLUMNS": "100"}
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}"
        )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; python {sys.version.split()[0]}"
    )
    pv = poolviz_command()
    with tempfile.TemporaryDirectory() as tmp:
        png = str(Path(tmp) / "x.png")
        pairs = {
            "terminal": (
                [sys.executable, "-c", TERMINAL_BASELINE],
                [*pv, "pool"],
            ),
            "figure": (
                [sys.executable, "-c", FIGURE_BASELINE, str(Path(tmp) / "base.png")],
                [*pv, "pool", "-o", png],
            ),
        }
        print(f"{'figure':9} {'baseline':>9} {'poolviz':>9} {'ratio':>6} {'target':>6}")
        for name, (base_cmd, pv_cmd) in pairs.items():
            run_seconds(base_cmd, tmp)  # warm the file cache
            run_seconds(pv_cmd, tmp)
            base, ours, ratios = [], [], []
            for _ in range(args.runs):
                b = run_seconds(base_cmd, tmp)
                a = run_seconds(pv_cmd, tmp)
                base.append(b)
                ours.append(a)
                ratios.append(a / b)
            ratio = statistics.median(ratios)
            target = TARGETS[name]
            print(
                f"{name:9} {statistics.median(base) * 1e3:7.0f}ms "
                f"{statistics.median(ours) * 1e3:7.0f}ms {ratio:6.2f} {target:6.1f}"
                + ("  ok" if ratio <= target else "  MISSED")
            )


if __name__ == "__main__":
    main()
