"""The README's examples run as shown, and every image it shows is one they regenerate."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))

from make_gallery import ENV, Example, examples  # noqa: E402

from poolviz.cli import main  # noqa: E402

README = (ROOT / "README.md").read_text()
EXAMPLES = examples(README)


def test_the_two_commands_come_first() -> None:
    head = "\n".join(README.splitlines()[:60])
    blocks = re.findall(r"```bash\n(.*?)\n```", head)
    assert blocks[:2] == ["pip install . && poolviz pool", 'pip install ".[test]" && pytest -n 2']


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.command for e in EXAMPLES])
def test_example_runs_as_shown(
    example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    result = CliRunner().invoke(main, example.args, env=ENV)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == example.shown, "run python docs/make_gallery.py to refresh README.md"
    if example.figure:
        assert (tmp_path / example.figure).stat().st_size > 1000


def test_every_image_shown_is_regenerated() -> None:
    shown = set(re.findall(r"!\[[^\]]*\]\((docs/[^)]+)\)", README))
    made = {e.figure for e in EXAMPLES if e.figure} | {
        e.screenshot for e in EXAMPLES if e.screenshot
    }
    assert shown and shown <= made
    for image in shown:
        assert (ROOT / image).is_file(), image
