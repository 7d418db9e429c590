"""Opening written pages in a real browser for the page tests: Playwright driving Debian's
Chromium (never a downloaded one), from ``file://``, with every other request refused.

Where Playwright or Chromium is missing, :func:`launch` skips the module with one line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from poolviz.render.style import decimals_for, format_number
from tests.cli import run

CHROMIUM = Path(os.environ.get("POOLVIZ_CHROMIUM", "/usr/bin/chromium"))
"""The browser the tests drive: Debian's package (``apt-get install chromium``)."""

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def launch() -> Iterator[Any]:
    """One headless Chromium for a test module; skips the module where there is none."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: the browser tests need it (.ci/run installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: the browser tests need it (the test extra)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Opened:
    """A page opened from a file: the Playwright page, and what it tried and said."""

    page: Any
    errors: list[str] = field(default_factory=list)
    """Console errors and uncaught exceptions."""
    requests: list[str] = field(default_factory=list)
    """Every URL requested other than the file itself (refused)."""
    dialogs: list[str] = field(default_factory=list)
    """Every alert, confirm or prompt the page opened (dismissed)."""


@contextmanager
def opened(browser: Any, path: Path, fragment: str = "", **options: Any) -> Iterator[Opened]:
    """``path`` open in a new page (``fragment`` appended to its URL), the network blocked."""
    context = browser.new_context(**options)
    page = context.new_page()
    result = Opened(page)
    page.on("console", lambda m: m.type == "error" and result.errors.append(m.text))
    page.on("pageerror", lambda e: result.errors.append(str(e)))
    page.on("dialog", lambda d: (result.dialogs.append(d.message), d.dismiss()))
    url = path.resolve().as_uri()

    def route(r: Any) -> None:
        if r.request.url.split("#")[0] == url:
            r.continue_()
        else:
            result.requests.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    try:
        page.goto(url + fragment)
        page.wait_for_selector("#poolviz table.grid")
        yield result
    finally:
        context.close()


def grid_text(page: Any, name: str) -> list[list[str]]:
    """The numbers grid ``name`` shows, row by row (input cells only, no padding)."""
    rows: list[list[str]] = page.evaluate(
        """name => {
            const table = document.querySelector(`table[data-grid="${name}"]`);
            return [...table.tBodies[0].rows]
              .map(tr => [...tr.querySelectorAll("td:not(.pad):not(.over)")].map(td => td.textContent))
              .filter(row => row.length);
        }""",
        name,
    )
    return rows


def marked(page: Any, name: str, cls: str) -> set[tuple[int, int]]:
    """The cells (r, c) of grid ``name`` that have class ``cls``."""
    cells = page.evaluate(
        """([name, cls]) => [...document.querySelectorAll(`table[data-grid="${name}"] td.${cls}`)]
            .map(td => [Number(td.dataset.r), Number(td.dataset.c)])""",
        [name, cls],
    )
    return {(r, c) for r, c in cells}


def marked_steps(page: Any, cls: str) -> list[tuple[int, int]]:
    """The output cells of the step-table rows that have class ``cls``."""
    rows = page.evaluate(
        """cls => [...document.querySelectorAll(`.steps-table tr.${cls}`)]
            .map(tr => [Number(tr.dataset.i), Number(tr.dataset.j)])""",
        cls,
    )
    return [(i, j) for i, j in rows]


def focused_cell(page: Any) -> tuple[str, int, int] | None:
    """The grid name and cell (r, c) that has the focus, or None when no grid cell has it."""
    found = page.evaluate(
        """() => {
            const td = document.activeElement;
            if (!td || !td.matches('table.grid td')) return null;
            return [td.closest('table').dataset.grid, Number(td.dataset.r), Number(td.dataset.c)];
        }"""
    )
    return None if found is None else (found[0], found[1], found[2])


def write_pages(folder: Path, written: dict[str, list[str]]) -> dict[str, Path]:
    """Write each page ``poolviz ARGS -o folder/NAME.html`` of ``written`` (name -> args);
    every command must succeed and say where it wrote."""
    paths = {}
    for name, args in written.items():
        path = folder / f"{name}.html"
        code, out, err = run(*args, "-o", str(path))
        assert (code, out, err) == (0, f"wrote {path}\n", "")
        paths[name] = path
    return paths


def shown(values: list[list[float]]) -> list[list[str]]:
    """``values`` (rows of JSON numbers) as a page writes them together."""
    d = decimals_for(np.array(values, dtype=float))
    return [[format_number(float(v), d) for v in row] for row in values]
