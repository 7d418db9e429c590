"""What a terminal command's start-up imports: only what it runs (``bench/cli.py`` times it
against a process importing numpy, click and rich alone)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def imported_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` (output discarded)."""
    script = (
        "import contextlib, io, sys\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    {code}\n"
        "print(' '.join(sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "80", "NO_COLOR": "1", "PATH": "", "PYTHONPATH": ":".join(sys.path)},
    )
    return set(done.stdout.split())


def test_import_poolviz_imports_neither_numpy_nor_the_engine() -> None:
    loaded = imported_after("import poolviz")
    assert "numpy" not in loaded
    assert not {m for m in loaded if m.startswith("poolviz.engine.")} - {"poolviz.engine.display"}


@pytest.mark.parametrize("command", [["pool"], ["grad"]])
def test_worked_example_skips_what_it_does_not_run(command: list[str]) -> None:
    loaded = imported_after(
        "from poolviz.cli.app import main\n"
        f"    try: main.main({command!r}, prog_name='poolviz')\n"
        "    except SystemExit: pass"
    )
    assert "poolviz.render.terminal.pool" in loaded  # the report was drawn
    unused = {
        "matplotlib",  # figures only
        "webbrowser",  # --html only
        "zipfile",  # .npz inputs and the memory budget of a given input
        "rich._emoji_codes",  # ':name:' is printed as given
        "poolviz.engine.lp",  # --mode lp
        "poolviz.engine.blur",  # --mode blur
        "poolviz.loaders.budget",  # an input given
    }
    assert unused & loaded == set()


def test_size_skips_the_other_experiments_and_the_kernels() -> None:
    loaded = imported_after(
        "from poolviz.cli.app import main\n"
        "    try: main.main(['size', '13'], prog_name='poolviz')\n"
        "    except SystemExit: pass"
    )
    assert "poolviz.demos.size" in loaded
    unused = {
        "poolviz.demos.shift",
        "poolviz.demos.tolerance",
        "poolviz.demos.comparison",
        "poolviz.engine.explain",  # the pooling kernels: size runs none
        "poolviz.engine.pooling",
        "poolviz.engine.blur",
        "poolviz.render.terminal.pool",  # the pooling report and its panels
        "poolviz.render.terminal.panels",
        "matplotlib",
    }
    assert unused & loaded == set()


def test_trace_of_a_builtin_skips_keras_and_the_pooling_engine() -> None:
    loaded = imported_after(
        "from poolviz.cli.app import main\n"
        "    try: main.main(['trace', 'mnist'], prog_name='poolviz')\n"
        "    except SystemExit: pass"
    )
    assert "poolviz.model.trace" in loaded
    unused = {"poolviz.model.keras", "poolviz.model.spec", "poolviz.engine.explain", "matplotlib"}
    assert unused & loaded == set()
    # mnist has no blur, adaptive or fractional pooling, nor an ONNX node's geometry
    unused = {
        "poolviz.engine.blur",
        "poolviz.engine.uneven",
        "poolviz.engine.pooling",
        "poolviz.model.onnx_pool",
    }
    assert unused & loaded == set()
