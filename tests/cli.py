"""Running ``poolviz`` in the command-line tests: through click's runner at 80 columns without
colour, or in a fresh interpreter where only a new process can tell (which modules a command
imports, what a terminal that cannot encode UTF-8 receives)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from click.testing import CliRunner

from poolviz.cli import main


def run(*args: str) -> tuple[int, str, str]:
    """The exit code, stdout and stderr of ``poolviz ARGS``."""
    result = CliRunner().invoke(main, list(args), env={"NO_COLOR": "1", "COLUMNS": "80"})
    return result.exit_code, result.stdout, result.stderr


def json_of(*args: str) -> dict[str, Any]:
    """What ``poolviz ARGS --json`` prints, parsed; the command must succeed."""
    code, out, err = run(*args, "--json")
    assert code == 0, err
    body: dict[str, Any] = json.loads(out)
    return body


def imports_matplotlib(*commands: list[str]) -> bool:
    """Whether running ``commands`` one after another in a fresh interpreter imports
    matplotlib; each must exit 0."""
    code = (
        "import contextlib, io, sys\n"
        "from poolviz.cli import main\n"
        f"for args in {commands!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n"
        "            main.main(args, prog_name='poolviz')\n"
        "        except SystemExit as exit:\n"
        "            assert exit.code == 0, (args, exit.code)\n"
        "print('matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip() == "True"


def ascii_terminal_output(*args: str) -> bytes:
    """What ``poolviz ARGS`` prints, run as ``python -m poolviz`` with an ASCII-only stdout
    at 80 columns; the command must succeed."""
    env = {"PYTHONIOENCODING": "ascii", "COLUMNS": "80", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "poolviz", *args], capture_output=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
