"""The pages of LP and blur pooling (``pool --mode lp|blur -o lesson.html``): drawn from the
engine's numbers, each window worked out, settings shown as written and not changeable; in a
real browser from file:// with the network blocked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import grid_text, launch, marked, marked_steps, opened, shown, write_pages
from tests.cli import json_of, run

LP = [
    "pool",
    "--mode",
    "lp",
    "-m",
    "1 -2 3; 4 5 -6; 7 8 9",
    "--norm-type",
    "3",
    "-k",
    "2",
    "-s",
    "1",
]
BLUR = ["pool", "--mode", "blur", "--sample", "seed5x5", "--filter-size", "3"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as b:
        yield b


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    ceil = ["pool", "--mode", "lp", "-k", "3", "-s", "2", "--ceil-mode"]
    return write_pages(
        tmp_path_factory.mktemp("lp_blur"), {"lp": LP, "blur": BLUR, "lp_ceil": ceil}
    )


def test_lp_page_shows_pytorchs_numbers_beside_the_textbook(
    browser: Any, pages: dict[str, Path]
) -> None:
    body = json_of(*LP)
    with opened(browser, pages["lp"]) as o:
        page = o.page
        assert (
            grid_text(page, "output")
            == shown(body["output"])
            == [
                ["5.67", "nan"],
                ["10.14", "10.48"],
            ]
        )
        assert page.text_content("h1") == "LPPool2D  p 3 · size 2x2 · stride 1x1"
        rows = page.eval_on_selector_all(
            ".steps-table tr", "trs => trs.map(tr => [...tr.cells].map(c => c.textContent))"
        )
        assert rows[0] == ["out", "rows", "cols", "cells (row by row)", "LP", "textbook"]
        assert [r[4:] for r in rows[1:]] == [
            ["5.67", "5.83"],
            ["nan", "7.22"],
            ["10.14", "10.14"],
            ["10.48", "11.65"],
        ]
        page.keyboard.press("ArrowRight")
        assert marked(page, "input", "cur") == {(0, 1), (0, 2), (1, 1), (1, 2)}
        assert page.text_content(".current") == (
            "output 0,1 reads rows 0..1, columns 1..2: ((-2)^3 + 3^3 + 5^3 + (-6)^3)^(1/3) = nan; "
            "the textbook (Σ|x|^p)^(1/p) gives 7.22 (a negative sum under a fractional root: NaN)"
        )
        assert "3 of 4 outputs differ from the textbook" in page.text_content("header")
        # the settings are the run's: shown, not changeable, the others hidden
        visible = page.eval_on_selector_all(
            "form.controls .control:not([hidden]) label", "ls => ls.map(l => l.textContent)"
        )
        assert visible == ["mode", "size", "stride", "ceil mode", "norm type p"]
        assert page.eval_on_selector_all("form.controls [name]", "es => es.every(e => e.disabled)")
        assert page.input_value("#pv-command") == (
            "poolviz pool -m '1 -2 3; 4 5 -6; 7 8 9' --mode lp --norm-type 3 -k 2 -s 1"
        )
        assert page.is_hidden("button.reset")
        page.fill("#pv-k", "3", force=True)  # a disabled field ignores typing
        assert grid_text(page, "output") == shown(body["output"])
        assert o.errors == [] and o.requests == []


def test_lp_ceil_mode_window_is_worked_as_pytorch_does(
    browser: Any, pages: dict[str, Path]
) -> None:
    body = json_of("pool", "--mode", "lp", "-k", "3", "-s", "2", "--ceil-mode")
    with opened(browser, pages["lp_ceil"]) as o:
        page = o.page
        assert grid_text(page, "output") == shown(body["output"])
        page.keyboard.press("ArrowRight")
        # the second window hangs off the 4x4 input: the mean of its 6 real cells, times 9
        assert page.text_content(".current") == (
            "output 0,1 reads rows 0..2, columns 2..4: ((2^2 + 1^2 + 8^2 + 4^2 + 7^2 + 3^2) / 6 "
            "· 9)^(1/2) = 14.65; the textbook (Σ|x|^p)^(1/p) gives 11.96 (overhang)"
        )
        assert o.errors == []


def test_blur_page_shows_both_stages(browser: Any, pages: dict[str, Path]) -> None:
    body = json_of(*BLUR)
    with opened(browser, pages["blur"]) as o:
        page = o.page
        assert grid_text(page, "output") == [["7.00", "7.00"], ["5.25", "6.00"]]
        assert grid_text(page, "output") == shown(body["output"])
        assert grid_text(page, "source") == [[str(v) for v in row] for row in body["input"]]
        # the stepped grid is the max map, its reflect padding drawn with the values it reads
        assert grid_text(page, "input") == [[str(v) for v in row] for row in body["max_map"]]
        pad = page.eval_on_selector_all(
            'table[data-grid="input"] td.reflect', "tds => tds.map(t => t.textContent)"
        )
        assert pad[:6] == ["8", "6", "8", "8", "4", "8"]  # row -1 reflects row 1
        assert grid_text(page, "weights") == [["1", "2", "1"], ["2", "4", "2"], ["1", "2", "1"]]
        page.keyboard.press("ArrowRight")
        assert marked(page, "input", "cur") == {(r, c) for r in (-1, 0, 1) for c in (1, 2, 3)}
        assert page.text_content(".current") == (
            "output 0,1 reads rows -1..1, columns 1..3: (1·8 + 2·8 + 1·4 + 2·8 + 4·8 + 2·4 + "
            "1·8 + 2·8 + 1·4) / 16 = 7.00"
        )
        # a max-map cell links to the input window it is the max of, and to the filter
        # windows that read it (directly or by reflection)
        page.hover('table[data-grid="input"] td[data-r="1"][data-c="0"]')
        assert marked(page, "source", "hl") == {(1, 0), (1, 1), (2, 0), (2, 1)}
        assert marked(page, "output", "hl") == {(0, 0), (1, 0)}
        assert marked_steps(page, "hl") == [(0, 0), (1, 0)]
        assert page.input_value("#pv-command") == (
            "poolviz pool --sample seed5x5 --mode blur -k 2 --filter-size 3"
        )
        assert o.errors == [] and o.requests == []


def test_lp_blur_pages_refuse_what_figures_take(tmp_path: Path) -> None:
    code, out, err = run("pool", "--mode", "blur", "--dpi", "200", "-o", str(tmp_path / "b.html"))
    assert (code, out) == (2, "")
    assert err.splitlines()[0].startswith("error: --dpi dresses a figure, not a page")
    assert list(tmp_path.iterdir()) == []


def test_grad_pages_route_each_gradient_as_the_engine_does(browser: Any, tmp_path: Path) -> None:
    for args in (["--mode", "lp"], ["--mode", "blur", "--grad-output", "random"]):
        path = tmp_path / "grad.html"
        code, _, err = run("grad", *args, "-o", str(path))
        assert code == 0, err
        body = json_of("grad", *args)
        with opened(browser, path) as o:
            page = o.page
            assert grid_text(page, "upstream") == shown(body["upstream"])
            assert grid_text(page, "gradin") == shown(body["gradient"])
            if args[1] == "lp":
                # cell 2,2 is read by all four 3x3 windows (stride 2): each sends it a share
                page.hover('table[data-grid="gradin"] td[data-r="2"][data-c="2"]')
                assert marked(page, "upstream", "hl") == {(0, 0), (0, 1), (1, 0), (1, 1)}
                route = page.text_content(".route")
                assert route.startswith("cell 2,2 gets ") and route.endswith(" = 2.41")
                assert route.count(" from ") == 4
            else:
                # blur: only the max map's winners get any; cell 1,2 (the 8) from every output
                page.hover('table[data-grid="gradin"] td[data-r="1"][data-c="2"]')
                assert marked(page, "upstream", "hl") == {(0, 0), (0, 1), (1, 0), (1, 1)}
                assert page.text_content(".route").endswith(" = 0.437")
                page.hover('table[data-grid="output"] td[data-r="1"][data-c="0"]')
                assert marked(page, "gradin", "hl") == {(1, 2), (2, 2)}
                assert page.text_content(".route") == (
                    "output 1,0 sends its gradient 0.600 back through its window: 2 input "
                    "cells receive a share (hatched)"
                )
            totals = page.eval_on_selector_all(".totals li", "lis => lis.map(l => l.textContent)")
            assert totals[0] == (
                "gradient in 4.00, gradient out 9.95: LP pooling passes each cell (x / y)^(p − 1) "
                "times the gradient of its output y, so what leaves need not equal what came in"
                if args[1] == "lp"
                else "gradient in 0.700, gradient out 0.700: all of it reaches the input"
            )
            assert o.errors == [] and o.requests == []
