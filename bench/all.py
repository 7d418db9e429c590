"""Every row of issue 28's speed table in one run: what, baseline, median ratio, target, met.

Run by hand: ``python bench/all.py [--quick]`` (about 6 minutes on 2 idle cores; ``--quick``
takes 3 rounds a row instead of 5 and skips the allocator variant). It runs, each as a fresh
process so that one part's imports and memory do not colour another's:

- ``bench/cli.py``: the commands against their baselines (terminal, figures, GIF, a 4000x3000
  photo, a 301-node ONNX trace);
- ``bench/kernels.py``: the engine against PyTorch, once as the machine's allocator has it
  and once with ``MALLOC_MMAP_THRESHOLD_=1073741824`` (PyTorch's fresh output pages reused:
  kernel against kernel); the targets hold for the default run; memory per path beside;
- ``bench/explore.py``: one key to repainted panes.

Rows that need what is not installed (torch for the engine, onnx for the graph, textual for
explore) are left out with one line saying why. The load average is printed before and
after: a quoted run says the load it ran at.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import HEADER, Row, load_line  # noqa: E402

MMAP = {"MALLOC_MMAP_THRESHOLD_": "1073741824"}


def part(script: str, args: list[str], env: dict[str, str] | None = None) -> list[Row]:
    """The rows ``script`` prints with ``--json`` (its last line), or none, saying why."""
    done = subprocess.run(
        [sys.executable, str(HERE / script), "--json", *args],
        capture_output=True,
        text=True,
        env=os.environ | (env or {}),
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        print(f"{script}: failed ({done.returncode}): {done.stderr.strip()[-500:]}")
        return []
    for line in lines[:-1]:
        print(f"{script}: {line}")
    return [Row(**r) for r in json.loads(lines[-1])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds a row, no allocator run")
    parser.add_argument("--only", default="", help="rows whose name contains this")
    parser.add_argument("--cpu", action="store_true", help="CPU time, not wall (loaded machine)")
    args = parser.parse_args()
    quick = ["--quick"] if args.quick else []
    cpu = ["--cpu"] if args.cpu else []
    only = ["--only", args.only] if args.only else []
    start = time.perf_counter()
    clock = "CPU time" if args.cpu else "wall time"
    print(f"start: {load_line()}; python {sys.version.split()[0]}; {clock}")
    sections: list[tuple[str, list[Row]]] = [
        ("commands (fresh processes)", part("cli.py", quick + cpu + only)),
        ("engine vs PyTorch, 1 thread, default allocator", part("kernels.py", quick + cpu + only)),
    ]
    if not args.quick:
        sections.append(
            (
                "engine vs PyTorch, MALLOC_MMAP_THRESHOLD_=1073741824 (kernel against kernel)",
                part("kernels.py", cpu + only, MMAP),
            )
        )
    if not args.only or args.only in "explore":
        try:
            import textual  # noqa: F401

            sections.append(("explore", part("explore.py", ["--rounds", "1" if quick else "3"])))
        except ImportError:
            print("textual is not installed: the explore row is skipped")
    met = total = 0
    for title, found in sections:
        if not found:
            continue
        print(f"\n== {title}")
        print(HEADER)
        for r in found:
            print(r.line())
        if "MALLOC" not in title:
            targeted = [r for r in found if r.target is not None]
            met += sum(r.met for r in targeted)
            total += len(targeted)
    print(
        f"\n{met} of {total} rows met (default allocator); "
        f"{time.perf_counter() - start:.0f} s; end: {load_line()}"
    )


if __name__ == "__main__":
    main()
