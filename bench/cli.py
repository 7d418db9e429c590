"""Issue 28's command rows: what a user waits for, against the least a comparable process does.

Run by hand: ``python bench/cli.py [--quick] [--only trace] [--json]`` (``bench/all.py`` runs
it with the engine rows). Each round runs the baseline and then the poolviz command as fresh
processes of this interpreter and takes their ratio; the medians are printed with the target.
The terminal rows run :data:`TERMINAL_ROUNDS` times the rounds of the others.

- terminal: ``pool``, ``grad``, ``trace mnist``, ``size 13`` (to a pipe) against a process that
  imports numpy, click, ``rich.console`` and ``rich.table``;
- figures: ``pool -o``, ``grad -o``, ``compare -o``, ``trace vgg16 -o``, ``animate --sample
  digit -o x.gif`` and ``pool photo.jpg --scale 0.25 -o`` on a 4000x3000 JPEG made here,
  against a process that saves one empty pyplot figure;
- ``trace`` of a 301-node ONNX graph (``tests/onnx_graphs.py``'s ResNet-style builder, 59
  residual blocks) against ``import onnx``; skipped without the onnx package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Row, bench_main, side_by_side  # noqa: E402

TERMINAL_BASELINE = "import numpy, click, rich.console, rich.table"
FIGURE_BASELINE = (
    "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as p; "
    "f = p.figure(); f.savefig('e.png')"
)
ONNX_BASELINE = "import onnx"
TERMINAL_ROUNDS = 3
"""The terminal rows take this many times the rounds of the others: their processes are
short, so a stall of the machine moves one round's ratio most."""


def poolviz_command() -> list[str]:
    """The installed ``poolviz`` script beside this interpreter, else ``python -m poolviz``."""
    script = Path(sys.executable).parent / "poolviz"
    if script.exists():
        return [str(script)]
    found = shutil.which("poolviz")
    return [found] if found else [sys.executable, "-m", "poolviz"]


def runner(command: list[str], cwd: str) -> object:
    """A call that runs ``command`` once in ``cwd`` (output to a pipe, 80 columns, no
    colour) and raises if it fails."""
    env = os.environ | {"COLUMNS": "80", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    # An installed poolviz runs from its bytecode cache (pip compiles it); a shell that set
    # PYTHONDONTWRITEBYTECODE would have every round compile every module from source.
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def run() -> None:
        done = subprocess.run(command, cwd=cwd, capture_output=True, env=env)
        if done.returncode != 0:
            raise SystemExit(
                f"{' '.join(command)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}"
            )

    return run


def make_photo(path: Path) -> Path:
    """A 4000x3000 JPEG with smooth shading and grain (quality 90): a camera's size."""
    from PIL import Image

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:3000, 0:4000].astype(np.float32)
    base = 128 + 60 * np.sin(x / 300) * np.cos(y / 200)
    rgb = np.stack([base, base * 0.8 + 30, 255 - base], axis=-1)
    rgb += rng.normal(0, 12, rgb.shape).astype(np.float32)
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(path, quality=90)
    return path


def make_graph(path: Path) -> Path | None:
    """The 301-node ResNet-style ONNX graph, or None without the onnx package."""
    try:
        from tests.onnx_graphs import resnet_style
    except ImportError:
        return None
    return resnet_style(blocks=59).save(path)


def rows(quick: bool, only: str = "") -> list[Row]:
    """Every command row (``only``: a substring of the rows to keep)."""
    rounds = 3 if quick else 5
    py = sys.executable
    pv = poolviz_command()
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        term = [py, "-c", TERMINAL_BASELINE]
        fig = [py, "-c", FIGURE_BASELINE]
        cases: list[tuple[str, list[str], str, list[str], float]] = [
            ("poolviz pool", term, "import numpy,click,rich", [*pv, "pool"], 1.25),
            ("poolviz grad", term, "import numpy,click,rich", [*pv, "grad"], 1.25),
            ("poolviz trace mnist", term, "import numpy,click,rich", [*pv, "trace", "mnist"], 1.25),
            ("poolviz size 13", term, "import numpy,click,rich", [*pv, "size", "13"], 1.25),
            ("poolviz pool -o x.png", fig, "pyplot savefig", [*pv, "pool", "-o", "x.png"], 1.2),
            ("poolviz grad -o x.png", fig, "pyplot savefig", [*pv, "grad", "-o", "x.png"], 1.2),
            ("poolviz compare -o x.png", fig, "pyplot savefig", [*pv, "compare", "-o", "x.png"],
             1.2),
            ("poolviz trace vgg16 -o x.png", fig, "pyplot savefig",
             [*pv, "trace", "vgg16", "-o", "x.png"], 1.5),
            ("poolviz animate --sample digit -o x.gif", fig, "pyplot savefig",
             [*pv, "animate", "--sample", "digit", "-o", "x.gif"], 2.0),
        ]  # fmt: skip
        wanted = [c for c in cases if only in c[0]]
        if only in "poolviz pool photo.jpg --scale 0.25 -o x.png":
            photo = make_photo(Path(tmp) / "photo.jpg")
            wanted.append(
                (
                    "poolviz pool photo.jpg --scale 0.25 -o (4000x3000)",
                    fig,
                    "pyplot savefig",
                    [*pv, "pool", str(photo), "--scale", "0.25", "-o", "x.png"],
                    2.0,
                )
            )
        if only in "poolviz trace graph.onnx (301 nodes)" and (
            graph := make_graph(Path(tmp) / "graph.onnx")
        ):
            onnx = [py, "-c", ONNX_BASELINE]
            wanted.append(
                ("poolviz trace graph.onnx (301 nodes)", onnx, "import onnx",
                 [*pv, "trace", str(graph)], 2.0)
            )  # fmt: skip
        for what, base_cmd, base_text, cmd, target in wanted:
            # a terminal round is a fifth of a second, and a 20 ms stall moves its ratio 0.15
            times = TERMINAL_ROUNDS * rounds if base_cmd is term else rounds
            ours, base, ratio = side_by_side(runner(cmd, tmp), runner(base_cmd, tmp), times)
            out.append(Row(what, base_text, ours, base, ratio, target))
    return out


if __name__ == "__main__":
    bench_main(__doc__.splitlines()[0], rows)
