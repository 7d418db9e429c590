"""``poolviz trace`` on a 300-node ONNX graph against a process that only imports onnx.

Run by hand: ``python bench/trace_onnx.py [--runs 5]``. The graph is synthesised with
``onnx.helper`` (the tests' ResNet-style builder, 59 residual blocks: 301 nodes) and written
to a temporary folder. Each round runs, as fresh processes with this interpreter,
``python -c "import onnx"`` and then ``poolviz trace graph.onnx`` (terminal, to a pipe, with
both counterfactuals), and takes their ratio; the medians are printed, with the target (the
terminal trace under 2 s on this machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.onnx_graphs import resnet_style  # noqa: E402


def timed(command: list[str], env: dict[str, str]) -> float:
    """Seconds one run of ``command`` takes; it must succeed."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80", "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as folder:
        builder = resnet_style(blocks=59)
        path = builder.save(Path(folder) / "graph.onnx")
        baseline = [sys.executable, "-c", "import onnx"]
        trace = [sys.executable, "-m", "poolviz", "trace", str(path)]
        rounds = [(timed(baseline, env), timed(trace, env)) for _ in range(args.runs)]
    base = statistics.median(b for b, _ in rounds)
    ours = statistics.median(t for _, t in rounds)
    ratio = statistics.median(t / b for b, t in rounds)
    print(f"graph: {len(builder.nodes)} nodes, {args.runs} runs")
    print(f"import onnx      {base:6.3f} s")
    print(f"poolviz trace    {ours:6.3f} s   {ratio:.2f}x   (target: under 2 s)")


if __name__ == "__main__":
    main()
