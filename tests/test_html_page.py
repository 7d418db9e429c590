"""The page in a real browser (issue: a page a teacher can share): the worked examples'
numbers, stepping, linked highlights, the gradient's routing, and hostile input kept inert.
Pages are written by the CLI and opened from file:// with the network blocked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.browser import (
    focused_cell,
    grid_text,
    launch,
    marked,
    marked_steps,
    opened,
    write_pages,
)
from tests.cli import run


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as b:
        yield b


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The pages the tests open, written once by the CLI."""
    folder = tmp_path_factory.mktemp("pages")
    written = {
        "pool": ["pool"],
        "overlap": ["pool", "--sample", "seed5x5", "-k", "3", "-s", "2"],
        "grad": ["grad"],
        "avg": [
            "grad",
            "-m",
            "1 2 3; 4 5 6; 7 8 9",
            "-k",
            "2",
            "-s",
            "1",
            "-p",
            "1",
            "--mode",
            "avg",
        ],
        "nan": ["pool", "-m", "nan 1; inf -inf", "-k", "1"],
        "places": ["grad", "-m", "-1.5 0.2; 0.3 0.4", "-k", "2"],
        "tiny": ["pool", "-m", "0.00001 0.00002; 0.00003 -0.00004", "-k", "2"],
        "look": ["pool", "--steps", "2", "--cmap", "gray", "--font-scale", "2"],
    }
    return write_pages(folder, written)


def test_worked_example_numbers(browser: Any, pages: dict[str, Path]) -> None:
    with opened(browser, pages["pool"]) as o:
        page = o.page
        assert grid_text(page, "output") == [["6", "8"], ["4", "7"]]
        assert grid_text(page, "input") == [
            ["1", "3", "2", "1"],
            ["5", "6", "8", "4"],
            ["2", "4", "7", "3"],
            ["1", "0", "3", "2"],
        ]
        assert page.text_content("h1") == "MaxPool2D  size 2x2 · stride 2x2 · padding 0"
        assert page.text_content("pre.formula").splitlines() == [
            "out_h = floor((4 + 2·0 − 1·(2−1) − 1) / 2) + 1 = 2",
            "out_h = floor((4 − 2 + 2·0) / 2) + 1 = 2   (short form)",
            "out_w = floor((4 + 2·0 − 1·(2−1) − 1) / 2) + 1 = 2",
            "out_w = floor((4 − 2 + 2·0) / 2) + 1 = 2   (short form)",
        ]
        assert "data: the worked 4x4 example (the worked example)" in page.text_content("header")
        assert marked(page, "input", "winner") == {(1, 1), (1, 2), (2, 1), (2, 2)}
        values = page.eval_on_selector_all(
            ".steps-table td.value", "tds => tds.map(t => t.textContent)"
        )
        assert values == ["6", "8", "4", "7"]
        assert o.errors == [] and o.requests == [] and o.dialogs == []


def test_a_max_is_written_as_its_input_cell(browser: Any, pages: dict[str, Path]) -> None:
    # 0.4 beside -1.5 is written 0.40 in the input: the output, the steps, the current
    # window's line and the unpooled grid write it so too (a lone 0.4 would get 0.400)
    with opened(browser, pages["places"]) as o:
        page = o.page
        assert grid_text(page, "input") == [["-1.50", "0.20"], ["0.30", "0.40"]]
        assert grid_text(page, "output") == [["0.40"]]
        assert grid_text(page, "unpooled") == [["0.00", "0.00"], ["0.00", "0.40"]]
        values = page.eval_on_selector_all(
            ".steps-table td.value", "tds => tds.map(t => t.textContent)"
        )
        assert values == ["0.40"]
        assert "= 0.40, the winner at 1,1" in page.text_content(".current")
        assert o.errors == []


def test_tiny_values_are_written_as_the_terminal_writes_them(
    browser: Any, pages: dict[str, Path]
) -> None:
    with opened(browser, pages["tiny"]) as o:
        assert grid_text(o.page, "input") == [["0.000010", "0.000020"], ["0.000030", "-0.000040"]]
        assert grid_text(o.page, "output") == [["0.000030"]]
        assert o.errors == []


def test_right_arrow_moves_the_cursor(browser: Any, pages: dict[str, Path]) -> None:
    with opened(browser, pages["pool"]) as o:
        page = o.page
        assert marked(page, "output", "cur") == {(0, 0)}
        page.keyboard.press("ArrowRight")
        assert marked(page, "output", "cur") == {(0, 1)}
        assert marked(page, "input", "cur") == {(0, 2), (0, 3), (1, 2), (1, 3)}
        assert marked(page, "input", "cur-win") == {(1, 2)}
        assert marked_steps(page, "cur") == [(0, 1)]
        assert page.text_content(".current") == (
            "output 0,1 reads rows 0..1, columns 2..3: max(2, 1, 8, 4) = 8, the winner at 1,2"
        )
        assert page.text_content(".position") == "window 2 of 4"
        page.keyboard.press("End")
        assert marked(page, "output", "cur") == {(1, 1)}
        page.keyboard.press("ArrowRight")  # stays on the last
        assert marked_steps(page, "cur") == [(1, 1)]
        page.keyboard.press("Home")
        page.keyboard.press("ArrowLeft")  # stays on the first
        assert marked(page, "output", "cur") == {(0, 0)}
        page.click("text=Next ▶")
        assert marked(page, "output", "cur") == {(0, 1)}
        # Home/End work with the focus on a grid cell (whose arrows move between its cells),
        # but not in a text field
        page.focus('table[data-grid="coverage"] td[data-r="3"][data-c="3"]')
        page.keyboard.press("ArrowRight")
        assert marked(page, "output", "cur") == {(0, 1)}
        page.keyboard.press("End")
        page.keyboard.press("ArrowLeft")
        assert marked(page, "output", "cur") == {(1, 1)}
        page.focus(".stepper button")
        page.keyboard.press("ArrowLeft")
        assert marked(page, "output", "cur") == {(1, 0)}
        page.focus("#pv-k")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("End")
        assert marked(page, "output", "cur") == {(1, 0)}
        assert o.errors == []


def test_play_steps_and_pause_stops(browser: Any, pages: dict[str, Path]) -> None:
    with opened(browser, pages["pool"]) as o:
        page = o.page
        page.click("text=Play")
        assert page.get_attribute(".stepper button[aria-pressed]", "aria-pressed") == "true"
        page.wait_for_selector('.steps-table tr.cur[data-k="1"]')
        page.click("text=Pause")
        assert page.get_attribute(".stepper button[aria-pressed]", "aria-pressed") == "false"
        assert page.text_content(".stepper button[aria-pressed]") == "Play"
        assert o.errors == []


def test_hovering_an_input_cell_highlights_the_windows_that_read_it(
    browser: Any, pages: dict[str, Path]
) -> None:
    with opened(browser, pages["overlap"]) as o:
        page = o.page
        page.hover('table[data-grid="input"] td[data-r="1"][data-c="2"]')
        assert marked(page, "output", "hl") == {(0, 0), (0, 1)}
        assert marked_steps(page, "hl") == [(0, 0), (0, 1)]
        assert marked(page, "input", "hl") == {(r, c) for r in range(3) for c in range(5)}
        # focus does the same without a mouse: an output cell shows its window and winner
        page.focus('table[data-grid="output"] td[data-r="1"][data-c="1"]')
        assert marked(page, "input", "hl") == {(r, c) for r in range(2, 5) for c in range(2, 5)}
        assert marked(page, "input", "hl-win") == {(2, 2)}
        assert marked(page, "output", "hl") == {(1, 1)}
        assert marked_steps(page, "hl") == [(1, 1)]
        assert o.errors == []


def test_grad_page_routes_each_gradient_to_its_winner(browser: Any, pages: dict[str, Path]) -> None:
    with opened(browser, pages["grad"]) as o:
        page = o.page
        grad = [["0"] * 5 for _ in range(5)]
        grad[1][2] = grad[2][2] = "2"
        assert grid_text(page, "gradin") == grad
        unpooled = [["0"] * 5 for _ in range(5)]
        unpooled[1][2], unpooled[2][2] = "8", "7"
        assert grid_text(page, "unpooled") == unpooled
        assert grid_text(page, "upstream") == [["1", "1"], ["1", "1"]]
        assert marked(page, "gradin", "shared") == {(1, 2), (2, 2)}
        page.hover('table[data-grid="gradin"] td[data-r="1"][data-c="2"]')
        assert marked(page, "upstream", "hl") == {(0, 0), (0, 1)}
        assert page.text_content(".route") == "cell 1,2 gets 1 from 0,0 + 1 from 0,1 = 2"
        page.hover('table[data-grid="gradin"] td[data-r="0"][data-c="0"]')
        assert marked(page, "upstream", "hl") == set()
        assert page.text_content(".route") == "cell 0,0 gets no gradient: it wins no window"
        page.hover('table[data-grid="upstream"] td[data-r="1"][data-c="0"]')
        assert (
            page.text_content(".route") == "output 1,0 sends its gradient 1 whole to its winner 2,2"
        )
        assert marked(page, "gradin", "hl-win") == {(2, 2)}
        totals = page.eval_on_selector_all(".totals li", "lis => lis.map(l => l.textContent)")
        assert totals[:2] == [
            "gradient in 4, gradient out 4: all of it reaches the input",
            "23 of 25 cells get no gradient from this example",
        ]
        assert o.errors == []


def test_average_grad_page_spreads_over_the_window(browser: Any, pages: dict[str, Path]) -> None:
    with opened(browser, pages["avg"]) as o:
        page = o.page
        # 2x2 windows, stride 1, padding 1 counted: every divisor is 4
        assert grid_text(page, "output")[1] == ["1.25", "3.00", "4.00", "2.25"]
        assert grid_text(page, "gradin") == [["1"] * 3 for _ in range(3)]
        page.hover('table[data-grid="gradin"] td[data-r="0"][data-c="0"]')
        assert marked(page, "upstream", "hl") == {(0, 0), (0, 1), (1, 0), (1, 1)}
        assert page.text_content(".route") == (
            "cell 0,0 gets 0.25 from 0,0 + 0.25 from 0,1 + 0.25 from 1,0 + 0.25 from 1,1 = 1.00"
        )
        assert marked(page, "input", "pad") >= {(-1, -1), (3, 3)}
        page.hover('table[data-grid="upstream"] td[data-r="1"][data-c="1"]')
        assert marked(page, "gradin", "hl") == {(0, 0), (0, 1), (1, 0), (1, 1)}
        assert page.text_content(".route") == "output 1,1 sends 1 / 4 to each of its real cells"
        totals = page.eval_on_selector_all(".totals li", "lis => lis.map(l => l.textContent)")
        assert totals[0] == (
            "gradient in 16, gradient out 9; the rest falls on padding cells, which pass it to no input"
        )
        assert grid_text(page, "divisors") == [["4"] * 4 for _ in range(4)]
        assert o.errors == []


def test_nan_and_infinities_are_shown_as_text(browser: Any, pages: dict[str, Path]) -> None:
    with opened(browser, pages["nan"]) as o:
        assert grid_text(o.page, "output") == [["nan", "1"], ["inf", "-inf"]]
        assert o.errors == []


HOSTILE = "</script><script>window.pwned=1;alert(1)</script><!--"
HOSTILE_NAME = "\"'><img src=x onerror=window.pwned=2>&amp;.txt"


def test_hostile_titles_and_names_stay_text(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(HOSTILE_NAME).write_text("1 2\n3 4\n")
    path = tmp_path / "hostile.html"
    code, _, err = run("grad", HOSTILE_NAME, "--title", HOSTILE, "-o", str(path))
    assert code == 0, err
    with opened(browser, path) as o:
        page = o.page
        assert page.text_content("h1") == HOSTILE
        assert page.title() == HOSTILE
        assert f"data: {HOSTILE_NAME} (text)" in page.text_content("header")
        assert page.evaluate("window.pwned") is None
        assert page.evaluate("document.scripts.length") == 2
        assert page.evaluate("document.images.length") == 0
        assert o.dialogs == [] and o.requests == [] and o.errors == []
        assert HOSTILE_NAME in page.input_value("#pv-command")


def test_readable_at_200_percent_and_printable(browser: Any, pages: dict[str, Path]) -> None:
    # 200% zoom of a 1280-pixel window: a 640-pixel-wide page at twice the pixel density
    with opened(browser, pages["grad"], viewport={"width": 640, "height": 400}) as o:
        page = o.page
        width = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1]  # nothing sticks out sideways
        font = page.evaluate("() => getComputedStyle(document.querySelector('td')).fontSize")
        assert float(font.removesuffix("px")) >= 16
        page.emulate_media(media="print")
        hidden = page.evaluate(
            "() => ['.settings', '.stepper', 'footer'].map(s =>"
            " getComputedStyle(document.querySelector(s)).display)"
        )
        assert hidden == ["none", "none", "none"]
        assert page.is_visible('table[data-grid="gradin"]')
        assert o.errors == []


def test_steps_cmap_and_font_scale_dress_the_page(browser: Any, pages: dict[str, Path]) -> None:
    with opened(browser, pages["look"]) as o:
        page = o.page
        assert marked_steps(page, "cur") == [(0, 0)]
        assert page.eval_on_selector_all(".steps-table tbody tr", "trs => trs.length") == 2
        assert page.text_content(".steps-more") == (
            "2 more windows not listed (--steps 2); the stepper above shows every one"
        )
        page.keyboard.press("End")  # past the listed rows: the grids still follow
        assert marked(page, "output", "cur") == {(1, 1)} and marked_steps(page, "cur") == []
        # gray: 0 black (white text), 8 white; the input shaded at 4x4 because a map was asked for
        fills = page.evaluate(
            """() => [[1, 2], [3, 1]].map(([r, c]) => {
                const td = document.querySelector(
                    `table[data-grid="input"] td[data-r="${r}"][data-c="${c}"]`);
                const style = getComputedStyle(td);
                return [style.backgroundColor, style.color];
            })"""
        )
        assert fills[0] == ["rgb(255, 255, 255)", "rgb(26, 26, 26)"]  # 8, the largest
        assert fills[1] == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]  # 0, the smallest
        size = page.evaluate("() => getComputedStyle(document.documentElement).fontSize")
        assert size == "32px"
        assert o.errors == []


def test_each_grid_is_one_tab_stop_with_arrow_keys_inside(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("big")
    np.save(folder / "big.npy", np.arange(64 * 64, dtype=np.float32).reshape(64, 64))
    path = folder / "big.html"
    assert run("pool", str(folder / "big.npy"), "-k", "2", "-o", str(path))[0] == 0
    with opened(browser, path) as o:
        page = o.page
        stops = page.evaluate(
            """() => [...document.querySelectorAll('table.grid')].map(t => [t.dataset.grid,
                t.querySelectorAll('td[tabindex="0"]').length,
                t.querySelectorAll('td[tabindex="-1"]').length])"""
        )
        assert stops == [
            ["input", 1, 64 * 64 - 1],
            ["output", 1, 32 * 32 - 1],
            ["coverage", 1, 64 * 64 - 1],
        ]
        page.focus('table[data-grid="input"] td[tabindex="0"]')
        assert focused_cell(page) == ("input", 0, 0)
        for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp", "ArrowUp"):
            page.keyboard.press(key)
        assert focused_cell(page) == ("input", 0, 1)  # up from row 0 stays
        # the focused cell links as hovering does: the one window that reads it
        assert marked(page, "input", "hl-src") == {(0, 1)}
        assert marked(page, "output", "hl") == {(0, 0)}
        # Tab leaves the grid for the next one, whose stop is its first cell
        page.keyboard.press("Tab")
        assert focused_cell(page) == ("output", 0, 0)
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")  # makes that output's window the current one
        assert marked(page, "output", "cur") == {(1, 0)}
        assert marked(page, "input", "cur") == {(2, 0), (2, 1), (3, 0), (3, 1)}
        # back to the input grid: its stop is the cell left last
        page.keyboard.press("Shift+Tab")
        assert focused_cell(page) == ("input", 0, 1)
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")  # the first column stays
        assert focused_cell(page) == ("input", 0, 0)
        assert o.errors == []
