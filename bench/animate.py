"""The animation rows of issue 28: ``animate -o`` of the digit in each format and mode, each
against the process that saves one empty pyplot figure (the figure rows' baseline).

Run by hand: ``python bench/animate.py [--quick] [--only apng] [--json]``. Each round runs the
baseline and then the command as fresh processes and takes their ratio; the medians are
printed with the target. The table's own row (``animate --sample digit -o x.gif``, at most 2x)
is ``bench/cli.py``'s, which ``bench/all.py`` runs; it is repeated here first so that one run
shows the GIF beside the formats and modes added since (animated PNG, MP4 where ffmpeg is on
PATH, LP, blur's two stages, the gradient), held to the same 2x.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli import FIGURE_BASELINE, poolviz_command, runner  # noqa: E402
from measure import Row, bench_main, side_by_side  # noqa: E402

TARGET = 2.0
"""The GIF's target in the table, held for every animation."""


def rows(quick: bool, only: str = "") -> list[Row]:
    """Every animation row (``only``: a substring of the rows to keep)."""
    rounds = 3 if quick else 5
    digit = [*poolviz_command(), "animate", "--sample", "digit"]
    cases = [
        ("-o x.gif", []),
        ("-o x.apng", []),
        ("--mode lp -o x.gif", ["--mode", "lp"]),
        ("--mode blur -o x.gif", ["--mode", "blur"]),
        ("--grad -o x.gif", ["--grad"]),
    ]
    if shutil.which("ffmpeg"):
        cases.append(("-o x.mp4", []))
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = runner([sys.executable, "-c", FIGURE_BASELINE], tmp)
        for what, options in cases:
            name = f"animate --sample digit {what}"
            if only not in name:
                continue
            command = [*digit, *options, "-o", what.split()[-1]]
            ours, base_s, ratio = side_by_side(runner(command, tmp), base, rounds)
            out.append(Row(name, "pyplot savefig", ours, base_s, ratio, TARGET))
    return out


if __name__ == "__main__":
    bench_main(__doc__.splitlines()[0], rows)
