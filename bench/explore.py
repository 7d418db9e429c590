"""How long ``poolviz explore`` takes from a key to repainted panes, on a 32x32 input.

Run by hand: ``python bench/explore.py [--rounds 5]``. The app runs in Textual's headless
harness at 80x24 and at 120x40; each key is sent as the terminal would send it, and the time
runs from the key to the app's last screen update for it, rendered to the escape sequence a
real terminal would receive (the headless driver skips that step, so it is done here). The
pilot's own round trip is printed beside: it waits for the process to look idle in sleeps of
20 ms, so it stretches every key by 40-80 ms that no user sees. Process CPU time is printed as
well, as other work on a shared machine stretches the wall time but not it.

Target: every kind of key within 100 ms (the median; the worst is printed too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Row  # noqa: E402

from poolviz.cli.explore import Explorer, Knobs  # noqa: E402
from poolviz.render.terminal.explore_app import ExploreApp  # noqa: E402

TARGET_MS = 100.0

KEYS = [
    "right", "down", "left", "up",
    "k", "K", "s", "S", "p", "P", "d", "D",
    "a", "k", "K", "a", "a",
    "c", "c", "i", "m", "m",
    "g", "g", "u", "u",
    "right_square_bracket", "r",
]  # fmt: skip
"""One round: every action, each key undone by the next where it can be, so that the rounds
repeat the same screens."""


async def measure(size: tuple[int, int], rounds: int, quiet: bool = False) -> list[float]:
    x = np.random.default_rng(0).integers(0, 256, (32, 32)).astype(float)
    app = ExploreApp(Explorer(x, Knobs()), colour=True)
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    pilot_wall: list[float] = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        updates = record_screen_updates(app)
        for _ in range(rounds):
            for key in KEYS:
                updates.clear()
                start, start_cpu = time.perf_counter(), time.process_time()
                await pilot.press(key)
                await pilot.pause()
                pilot_wall.append(1000 * (time.perf_counter() - start))
                cpu[key].append(1000 * (time.process_time() - start_cpu))
                if not updates:
                    raise SystemExit(f"key {key!r} repainted nothing: the bench is broken")
                wall[key].append(1000 * (updates[-1] - start))
    every = [t for times in wall.values() for t in times]
    if quiet:
        return every
    width, height = size
    print(f"\n{width}x{height}, 32x32 input, {rounds} rounds (ms, median / worst)")
    print(f"  {'key':22} {'wall':>13} {'cpu':>13}")
    for key in dict.fromkeys(KEYS):
        w, c = wall[key], cpu[key]
        print(
            f"  {key:22} {statistics.median(w):6.1f} / {max(w):5.1f}"
            f" {statistics.median(c):6.1f} / {max(c):5.1f}"
        )
    every_cpu = [t for times in cpu.values() for t in times]
    print(
        f"  {'pilot round trip':22} {statistics.median(pilot_wall):6.1f} /"
        f" {max(pilot_wall):5.1f}   (the harness's idle waits included)"
    )
    wall_ms, cpu_ms = statistics.median(every), statistics.median(every_cpu)
    print(
        f"  all keys: median {wall_ms:.1f} ms wall, {cpu_ms:.1f} ms cpu, worst "
        f"{max(every):.1f} ms wall"
    )
    print(f"  {verdict_line('wall', wall_ms)}")
    print(f"  {verdict_line('cpu', cpu_ms)} (over the pilot round trip, harness included)")
    return every


def record_screen_updates(app: ExploreApp) -> list[float]:
    """Times (``perf_counter``) at which the app finished writing a screen update.

    Textual's headless driver never turns an update into terminal output; the wrapper does,
    as the Linux driver would, so the cost of a real terminal write is counted.
    """
    from textual._compositor import CompositorUpdate

    updates: list[float] = []
    display = app._display
    console = app.console

    def display_and_render(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is None:
            return
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(console)
        else:
            console._render_buffer(console.render(renderable))
        updates.append(time.perf_counter())

    app._display = display_and_render  # type: ignore[method-assign]
    return updates


def verdict_line(what: str, ms: float) -> str:
    """``wall: 186.4 ms / 100 ms target = 1.86x: NOT MET``."""
    ratio = ms / TARGET_MS
    met = "met" if ratio <= 1 else "NOT MET"
    return f"{what}: {ms:.1f} ms / {TARGET_MS:.0f} ms target = {ratio:.2f}x: {met}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="one row for bench/all.py")
    args = parser.parse_args()
    if args.json:
        sizes = ((80, 24), (120, 40))
        every = [t for size in sizes for t in asyncio.run(measure(size, args.rounds, True))]
        median = statistics.median(every)
        row = Row("explore: one key to repainted panes", "-", median, 0, median, TARGET_MS, "ms",
                  f"32x32 input, 80x24 and 120x40, worst {max(every):.0f} ms")  # fmt: skip
        print(json.dumps([row.as_dict()]))
        return
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load {load:.1f} (wall times stretch past the cores)")
    every = [t for size in ((80, 24), (120, 40)) for t in asyncio.run(measure(size, args.rounds))]
    print(f"\nboth sizes, every key, median {verdict_line('wall', statistics.median(every))}")
    print(f"load after: {os.getloadavg()[0]:.1f} (measure on an idle machine: load below 1)")


if __name__ == "__main__":
    main()
