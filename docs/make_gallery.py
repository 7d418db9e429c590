"""Regenerate the README's examples: run every ``$ poolviz ...`` line of its console blocks,
which writes the figures in ``docs/`` and gives the terminal output shown under each line.

Usage, from the repository's root: ``python docs/make_gallery.py`` (rewrites README.md's
console blocks and ``docs/*.png``/``*.gif``); ``--check`` only reports blocks that differ (its
figures go to a temporary folder).
The test suite runs the same blocks (tests/test_readme.py), so the README cannot drift.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```console\n(\$ poolviz [^\n]*)\n(.*?)```", re.DOTALL)
ENV = {"NO_COLOR": "1", "COLUMNS": "80", "MPLBACKEND": "Agg"}


@dataclass(frozen=True)
class Example:
    """One console block of the README: a command and the output shown under it."""

    command: str
    shown: str

    @property
    def args(self) -> list[str]:
        return shlex.split(self.command.removeprefix("$ poolviz "))

    @property
    def figure(self) -> str | None:
        """The ``docs/`` file the command writes, if any."""
        args = self.args
        for flag in ("-o", "--output"):
            if flag in args:
                return args[args.index(flag) + 1]
        return None

    @property
    def screenshot(self) -> str | None:
        """The picture of a page the command writes (``docs/lesson.html`` -> ``.png``)."""
        figure = self.figure
        if figure is None or not figure.endswith(".html"):
            return None
        return figure.removesuffix(".html") + ".png"


def take_screenshot(page: str, image: str) -> bool:
    """A picture of ``page`` as a reader sees it in Chromium, the window stepped once and the
    pointer on input cell (1, 2); False (nothing written) where there is no Chromium."""
    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return False
    if not chromium.exists():
        return False
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=args)
        view = browser.new_page(viewport={"width": 1000, "height": 1020})
        view.goto(Path(page).resolve().as_uri())
        view.keyboard.press("ArrowRight")
        view.hover('table[data-grid="input"] td[data-r="1"][data-c="2"]')
        view.evaluate("() => window.scrollTo(0, 0)")
        view.screenshot(path=image)
        browser.close()
    return True


def examples(readme: str) -> list[Example]:
    """The README's console blocks, in order."""
    return [Example(m[1], m[2]) for m in BLOCK.finditer(readme)]


def run(example: Example) -> str:
    """What the command prints, as a user at an 80-column terminal without colour sees it."""
    from poolviz.cli import main

    result = CliRunner().invoke(main, example.args, env=ENV)
    if result.exit_code != 0:
        raise SystemExit(f"{example.command} failed: {result.stderr or result.output}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report differences only")
    args = parser.parse_args()
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text()
    if args.check:  # the figures' paths are docs/...: write them where they are thrown away
        scratch = tempfile.TemporaryDirectory()
        os.chdir(scratch.name)
        os.mkdir("docs")
    else:
        os.chdir(ROOT)
    stale = 0
    for example in examples(readme):
        output = run(example)
        if output != example.shown:
            stale += 1
            print(f"{'differs' if args.check else 'updated'}: {example.command}")
            readme = readme.replace(
                f"```console\n{example.command}\n{example.shown}```",
                f"```console\n{example.command}\n{output}```",
            )
        if example.figure and not args.check:
            print(f"wrote {example.figure}")
        if example.screenshot and not args.check:
            done = take_screenshot(example.figure or "", example.screenshot)
            print(f"wrote {example.screenshot}" if done else "no Chromium: screenshot not taken")
    if not args.check:
        readme_path.write_text(readme)
    sys.exit(1 if args.check and stale else 0)


if __name__ == "__main__":
    main()
