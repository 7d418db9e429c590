"""The pages of adaptive and fractional pooling (``pool``/``grad --mode adaptive-max|adaptive-avg
|fractional -o lesson.html``), in a real browser from file:// with the network blocked: the
engine's numbers shown, adaptive settings live from the page as written, fractional shown as
written."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from poolviz.render.style import decimals_for, format_number
from tests.browser import grid_text, launch, marked, opened
from tests.cli import json_of, run


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as b:
        yield b


def write(tmp_path: Path, *args: str) -> Path:
    path = tmp_path / "page.html"
    code, out, err = run(*args, "-o", str(path))
    assert (code, out, err) == (0, f"wrote {path}\n", "")
    return path


def shown(values: list[list[float]]) -> list[list[str]]:
    """``values`` as the page writes them together."""
    d = decimals_for(np.array(values, dtype=float))
    return [[format_number(float(v), d) for v in row] for row in values]


def test_adaptive_page_is_live_from_the_settings_written(browser: Any, tmp_path: Path) -> None:
    args = ["pool", "--mode", "adaptive-avg", "--sample", "seed5x5", "--output-size", "2x3"]
    path = write(tmp_path, *args)
    body = json_of(*args)
    with opened(browser, path) as o:
        page = o.page
        assert grid_text(page, "output") == shown(body["output"])
        assert page.input_value("#pv-mode") == "adaptive-avg"
        assert page.input_value("#pv-o") == "2x3" and not page.is_disabled("#pv-o")
        assert page.is_disabled("#pv-k")
        assert page.text_content("h1") == "AdaptiveAvgPool2D  output 2x3 · bins up to 3x3"
        formula = page.text_content("pre.formula").splitlines()
        assert formula == [body["formula"]["h"], body["formula"]["w"]]
        # rows 0..2 and 2..4: row 2 is read by both bins
        page.hover('table[data-grid="input"] td[data-r="2"][data-c="0"]')
        assert marked(page, "output", "hl") == {(0, 0), (1, 0)}
        # change the output size in the page; copy gives the command with the same numbers
        page.fill("#pv-o", "4")
        command = page.input_value("#pv-command")
        assert command == "poolviz pool --sample seed5x5 --mode adaptive-avg --output-size 4"
        again = json_of(*shlex.split(command)[1:])
        assert grid_text(page, "output") == shown(again["output"])
        assert page.text_content("pre.formula").splitlines() == [
            again["formula"]["h"],
            again["formula"]["w"],
        ]
        # and back to max pooling with a window: the fields swap
        page.select_option("#pv-mode", "max")
        assert page.is_disabled("#pv-o") and not page.is_disabled("#pv-k")
        assert o.errors == []


def test_fractional_page_is_shown_as_written(browser: Any, tmp_path: Path) -> None:
    args = ["grad", "--mode", "fractional", "--output-ratio", "0.6", "--seed", "3"]
    path = write(tmp_path, *args, "--sample", "seed5x5")
    body = json_of(*args, "--sample", "seed5x5")
    with opened(browser, path) as o:
        page = o.page
        assert grid_text(page, "output") == shown(body["output"])
        assert grid_text(page, "gradin") == shown(body["grad_input"])
        visible = page.eval_on_selector_all(
            "form.controls .control:not([hidden]) label", "ls => ls.map(l => l.textContent)"
        )
        assert visible == ["mode", "output size", "size", "samples u (w, h)"]
        assert page.eval_on_selector_all("form.controls [name]", "es => es.every(e => e.disabled)")
        assert "fractional max pooling" in page.text_content(".frozen")
        # the copied command draws the same windows again
        command = page.input_value("#pv-command")
        assert "--mode fractional" in command and command.endswith("--seed 3")
        again = json_of(*shlex.split(command)[1:])
        assert again["output"] == body["output"]
        forward = json_of("pool", *args[1:], "--sample", "seed5x5")
        assert page.text_content("pre.formula").splitlines() == [
            forward["formula"]["h"],
            forward["formula"]["w"],
        ]
        assert o.errors == []


def test_adaptive_output_over_64_is_refused_for_a_page(tmp_path: Path) -> None:
    code, out, err = run(
        "pool", "--mode", "adaptive-max", "--output-size", "65x2", "-o", str(tmp_path / "p.html")
    )
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "error: the output is 65x2, too large for a page (at most 64x64 cells); use "
        "--output-size 1-64 a side"
    ]
    assert list(tmp_path.iterdir()) == []
