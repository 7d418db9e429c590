"""``poolviz explore``: the keys' effect on the engine's result, the screens they leave, a
random walk through every action, and that no other command imports Textual.

The app is driven with Textual's own harness (``App.run_test()`` and its pilot) without
colour; screens are compared as text (``tests/explore_screens/``, rewritten, with the one the
README shows, by running with ``POOLVIZ_UPDATE_SCREENS=1``; read them before committing).
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from poolviz.cli import main
from poolviz.cli.explore import Explorer, Knobs, _matrix_text, pool_modes
from poolviz.engine.explain import explain
from poolviz.examples import SEED_4X4
from poolviz.render.terminal.explore import (
    Focus,
    formula_pane,
    grids_pane,
    status_text,
    step_pane,
)
from poolviz.render.terminal.explore_app import KEYS, ExploreApp, Pane, flat, key_legend

SCREENS = Path(__file__).parent / "explore_screens"

Script = Callable[[Pilot[None], ExploreApp], Awaitable[None]]


def drive(explorer: Explorer, size: tuple[int, int], script: Script) -> None:
    """Run the app on ``explorer`` in Textual's headless harness at ``size`` through
    ``script``."""

    async def session() -> None:
        app = ExploreApp(explorer, colour=False)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(pilot, app)

    asyncio.run(session())


def screen_text(app: App[None]) -> str:
    """The screen as a person reads it (a help screen over the panes it covers): one line
    per row, trailing blanks cut; made as ``App.export_screenshot`` makes its SVG."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


# The scripted session: every key, its effect on the configuration (as `poolviz pool` options),
# the current cell, the output, the current window's cells and any refusal.

NAN = float("nan")
OUT_K3_S1_P1 = [[6, 8, 8, 8], [6, 8, 8, 8], [6, 8, 8, 8], [4, 7, 7, 7]]
SESSION: list[
    tuple[str, str, tuple[int, int], list[list[float]], list[list[float]], str | None]
] = [
    ("right", "-k 2", (0, 1), [[6, 8], [4, 7]], [[2, 1], [8, 4]], None),
    ("down", "-k 2", (1, 1), [[6, 8], [4, 7]], [[7, 3], [3, 2]], None),
    ("down", "-k 2", (1, 1), [[6, 8], [4, 7]], [[7, 3], [3, 2]], None),  # the last row: stays
    ("k", "-k 3", (0, 0), [[8]], [[1, 3, 2], [5, 6, 8], [2, 4, 7]], None),
    ("s", "-k 3 -s 4", (0, 0), [[8]], [[1, 3, 2], [5, 6, 8], [2, 4, 7]], None),
    ("S", "-k 3", (0, 0), [[8]], [[1, 3, 2], [5, 6, 8], [2, 4, 7]], None),
    ("S", "-k 3 -s 2", (0, 0), [[8]], [[1, 3, 2], [5, 6, 8], [2, 4, 7]], None),
    ("S", "-k 3 -s 1", (0, 0), [[8, 8], [8, 8]], [[1, 3, 2], [5, 6, 8], [2, 4, 7]], None),
    (
        "S",
        "-k 3 -s 1",
        (0, 0),
        [[8, 8], [8, 8]],
        [[1, 3, 2], [5, 6, 8], [2, 4, 7]],
        "--stride 0 must be at least 1; use a whole number such as 2, or HxW (height first) such as 3x2",
    ),
    (
        "p",
        "-k 3 -s 1 -p 1",
        (0, 0),
        OUT_K3_S1_P1,
        [[NAN, NAN, NAN], [NAN, 1, 3], [NAN, 5, 6]],
        None,
    ),
    (
        "right",
        "-k 3 -s 1 -p 1",
        (0, 1),
        OUT_K3_S1_P1,
        [[NAN, NAN, NAN], [1, 3, 2], [5, 6, 8]],
        None,
    ),
    (
        "right",
        "-k 3 -s 1 -p 1",
        (0, 2),
        OUT_K3_S1_P1,
        [[NAN, NAN, NAN], [3, 2, 1], [6, 8, 4]],
        None,
    ),
    ("down", "-k 3 -s 1 -p 1", (1, 2), OUT_K3_S1_P1, [[3, 2, 1], [6, 8, 4], [4, 7, 3]], None),
    (
        "p",
        "-k 3 -s 1 -p 1",
        (1, 2),
        OUT_K3_S1_P1,
        [[3, 2, 1], [6, 8, 4], [4, 7, 3]],
        "padding 2 exceeds half the window (1); use 0-1, valid or same",
    ),
    ("P", "-k 3 -s 1", (1, 1), [[8, 8], [8, 8]], [[6, 8, 4], [4, 7, 3], [0, 3, 2]], None),
    ("P", "-k 3 -s 1 -p valid", (1, 1), [[8, 8], [8, 8]], [[6, 8, 4], [4, 7, 3], [0, 3, 2]], None),
    ("P", "-k 3 -s 1 -p same", (1, 1), OUT_K3_S1_P1, [[1, 3, 2], [5, 6, 8], [2, 4, 7]], None),
    (
        "c",
        "-k 3 -s 1 -p same",
        (1, 1),
        OUT_K3_S1_P1,
        [[1, 3, 2], [5, 6, 8], [2, 4, 7]],
        "ceil_mode does not apply to padding 'same'; use one or the other",
    ),
    ("p", "-k 3 -s 1 -p valid", (1, 1), [[8, 8], [8, 8]], [[6, 8, 4], [4, 7, 3], [0, 3, 2]], None),
    ("a", "-k 3 -s 1 -p valid", (1, 1), [[8, 8], [8, 8]], [[6, 8, 4], [4, 7, 3], [0, 3, 2]], None),
    ("K", "-k 2x3 -s 1 -p valid", (1, 1), [[8, 8], [8, 8], [7, 7]], [[6, 8, 4], [4, 7, 3]], None),
    ("a", "-k 2x3 -s 1 -p valid", (1, 1), [[8, 8], [8, 8], [7, 7]], [[6, 8, 4], [4, 7, 3]], None),
    ("s", "-k 2x3 -s 1x2 -p valid", (1, 0), [[8], [8], [7]], [[5, 6, 8], [2, 4, 7]], None),
    ("a", "-k 2x3 -s 1x2 -p valid", (1, 0), [[8], [8], [7]], [[5, 6, 8], [2, 4, 7]], None),
    (
        "d",
        "-k 2x3 -s 1x2 -p valid",
        (1, 0),
        [[8], [8], [7]],
        [[5, 6, 8], [2, 4, 7]],
        "a 2x3 window does not fit a 4x4 input with padding 0; use a smaller --size or add --padding",
    ),
    (
        "m",
        "-k 2x3 -s 1x2 -p valid --mode avg",
        (1, 0),
        [[25 / 6], [32 / 6], [17 / 6]],
        [[5, 6, 8], [2, 4, 7]],
        None,
    ),
    (
        "d",
        "-k 2x3 -s 1x2 -p valid --mode avg",
        (1, 0),
        [[25 / 6], [32 / 6], [17 / 6]],
        [[5, 6, 8], [2, 4, 7]],
        "average pooling takes no dilation (PyTorch's avg_pool2d has none); use dilation 1",
    ),
    (
        "i",
        "-k 2x3 -s 1x2 -p valid --no-count-include-pad --mode avg",
        (1, 0),
        [[25 / 6], [32 / 6], [17 / 6]],
        [[5, 6, 8], [2, 4, 7]],
        None,
    ),
    (  # adaptive: bins fitted to the output size, each 2 wide, overlapping by one
        "m",
        "--mode adaptive-max --output-size 3",
        (1, 0),
        [[6, 8, 8], [6, 8, 8], [4, 7, 7]],
        [[5, 6], [2, 4]],
        None,
    ),
    ("o", "--mode adaptive-max --output-size 4", (1, 0), SEED_4X4.tolist(), [[5]], None),
    ("m", "--mode adaptive-avg --output-size 4", (1, 0), SEED_4X4.tolist(), [[5]], None),
    (  # fractional is skipped: 4 windows of 2 do not fit 4 rows; the window comes back
        "m",
        "-k 2x3 -s 1x2 --mode lp",
        (1, 0),
        [[139**0.5], [194**0.5], [79**0.5]],  # the root of each window's sum of squares
        [[5, 6, 8], [2, 4, 7]],
        None,
    ),
    (
        "n",
        "-k 2x3 -s 1x2 --mode lp --norm-type 3",
        (1, 0),
        [[889 ** (1 / 3)], [1268 ** (1 / 3)], [443 ** (1 / 3)]],
        [[5, 6, 8], [2, 4, 7]],
        None,
    ),
    (
        "O",
        "-k 2x3 -s 1x2 --mode lp --norm-type 3",
        (1, 0),
        [[889 ** (1 / 3)], [1268 ** (1 / 3)], [443 ** (1 / 3)]],
        [[5, 6, 8], [2, 4, 7]],
        "--mode lp takes no --output-size (LP pooling takes a window, a stride and ceil mode, "
        "as PyTorch's); use -k/--size, -s/--stride, --ceil-mode, --norm-type",
    ),
    (  # blur is skipped: its filter cannot reflect over a 3x2 max map; padding comes back
        "m",
        "-k 2x3 -s 1x2 -p valid --no-count-include-pad",
        (1, 0),
        [[8], [8], [7]],
        [[5, 6, 8], [2, 4, 7]],
        None,
    ),
    (
        "g",
        "-k 2x3 -s 1x2 -p valid --no-count-include-pad",
        (1, 0),
        [[8], [8], [7]],
        [[5, 6, 8], [2, 4, 7]],
        None,
    ),
    (
        "u",
        "-k 2x3 -s 1x2 -p valid --no-count-include-pad",
        (1, 0),
        [[8], [8], [7]],
        [[5, 6, 8], [2, 4, 7]],
        None,
    ),
    (
        "u",
        "-k 2x3 -s 1x2 -p valid --no-count-include-pad",
        (1, 0),
        [[8], [8], [7]],
        [[5, 6, 8], [2, 4, 7]],
        None,
    ),
    ("r", "-k 2", (0, 0), [[6, 8], [4, 7]], [[1, 3], [5, 6]], None),
    ("left_square_bracket", "-k 2", (0, 0), [[6, 8], [4, 7]], [[1, 3], [5, 6]], None),
    ("K", "-k 1", (0, 0), SEED_4X4.tolist(), [[1]], None),
    (
        "K",
        "-k 1",
        (0, 0),
        SEED_4X4.tolist(),
        [[1]],
        "--size 0 must be at least 1; use a whole number such as 2, or HxW (height first) such as 3x2",
    ),
]

VIEWS = {"g": "gradient", "u": "unpooling"}


def test_a_scripted_session_of_36_keys() -> None:
    """After each key: the configuration, cell, output and window are the engine's for the
    options shown, the formula and status on screen are that result's, and a refused key
    names the command line's error and leaves the last valid view (the same result) shown."""
    assert len(SESSION) >= 30
    views = []

    async def script(pilot: Pilot[None], app: ExploreApp) -> None:
        for key, args, at, output, cells, error in SESSION:
            before = app.explorer.result
            await pilot.press(key)
            await pilot.pause()
            e = app.explorer
            assert " ".join(e.knobs.args()) == args, key
            assert e.at == at, key
            np.testing.assert_allclose(e.result.output_like_input(), output, rtol=1e-15)
            window = e.result.window(*e.at)
            np.testing.assert_array_equal(window.cells, np.array(cells, dtype=float))
            assert e.error == error, key
            shown = screen_text(app)
            if error is None:
                assert "error:" not in shown
            else:
                assert e.result is before  # the last valid view stays
                assert f"error: {error}"[:70] in shown
            views.append(e.view)
            if e.view == "pool":
                for formula in e.result.formula.values():
                    assert formula in shown, (key, formula)
                assert f"{window.out[0]},{window.out[1]}" in shown
            # the engine's own answer for the options shown
            np.testing.assert_array_equal(e.result.output, _reference(SEED_4X4, args))

    drive(Explorer(SEED_4X4, Knobs()), (100, 70), script)
    assert views[SESSION.index(next(s for s in SESSION if s[0] == "g"))] == "gradient"
    assert "unpooling" in views and views[-1] == "pool"


def _reference(x: np.ndarray, args: str) -> np.ndarray:
    """The engine's NHWC output for ``poolviz pool`` options: ``explain``,
    ``adaptive_pool2d``, ``fractional_max_pool2d`` (one pair of samples for every plane, as
    pool draws them), ``lp_pool2d`` or ``blur_pool2d`` called directly."""
    from poolviz.cli.pool import pool
    from poolviz.engine.blur import blur_pool2d
    from poolviz.engine.lp import lp_pool2d
    from poolviz.engine.uneven import adaptive_pool2d, fractional_max_pool2d, fractional_samples

    params = pool.make_context("pool", args.split()).params
    pooling = _pooling(args)
    x4 = x.reshape(1, *x.shape[:2], -1)
    if params["mode"].startswith("adaptive"):
        return adaptive_pool2d(x4, params["output_size"], params["mode"].removeprefix("adaptive-"))
    if params["mode"] == "fractional":
        pair = fractional_samples(1, 1, np.float64, params["seed"])[0, 0]
        samples = np.broadcast_to(pair, (1, x4.shape[3], 2))
        return fractional_max_pool2d(
            x4.astype(float), pooling["size"], params["output_size"], samples=samples
        )
    if params["mode"] == "lp":
        return lp_pool2d(
            x4.astype(float),
            params["norm_type"],
            pooling["size"],
            pooling["stride"],
            pooling["ceil_mode"],
        )
    if params["mode"] == "blur":
        stride = pooling["stride"] or 2
        return blur_pool2d(x4, pooling["size"], stride, params["filter_size"])
    return explain(x, **pooling).output


def _pooling(args: str) -> dict[str, Any]:
    """``explain``'s keywords for ``poolviz pool`` options, parsed by the command itself."""
    from poolviz.cli import options
    from poolviz.cli.pool import pool

    ctx = pool.make_context("pool", args.split())
    mode = ctx.params["mode"] if ctx.params["mode"] in ("max", "avg") else "max"
    return {"mode": mode, **options.pooling_from(ctx.params)}


def test_the_formula_pane_works_the_numbers_out() -> None:
    async def script(pilot: Pilot[None], app: ExploreApp) -> None:
        await pilot.press("k", "S", "S")
        await pilot.pause()
        shown = screen_text(app)
        assert "out_h = floor((4 + 2·0 − 1·(3−1) − 1) / 1) + 1 = 2" in shown
        assert "out_w = floor((4 + 2·0 − 1·(3−1) − 1) / 1) + 1 = 2" in shown
        await pilot.press("P", "P")
        await pilot.pause()
        assert "out_h = ceil(4 / 1) = 4   (same: pad 2 = 1 top + 1 bottom)" in screen_text(app)

    drive(Explorer(SEED_4X4, Knobs()), (100, 50), script)


# Screens


SCREEN_CASES = {
    "start_80x24": ((80, 24), []),
    "k3_s1_p1_80x24": ((80, 24), ["k", "S", "S", "p", "right", "down"]),
    "start_120x40": ((120, 40), []),
    "avg_gradient_120x40": ((120, 40), ["m", "p", "right", "g"]),
    "unpooling_120x40": ((120, 40), ["k", "S", "u"]),
    "adaptive_max_80x24": ((80, 24), ["m", "m", "right", "down"]),
    "fractional_120x40": ((120, 40), ["m", "m", "m", "m", "down"]),
    "lp_80x24": ((80, 24), ["m"] * 5 + ["right"]),
    "blur_120x40": ((120, 40), ["m"] * 6 + ["down"]),
    "blur_gradient_80x24": ((80, 24), ["m"] * 6 + ["g"]),
}


@pytest.mark.parametrize("name", SCREEN_CASES)
def test_screens(name: str) -> None:
    """The whole screen at 80x24 (panes stacked, scrolling) and 120x40 (two columns) after a
    few keys, as text, against the copy kept in ``tests/explore_screens``."""
    size, keys = SCREEN_CASES[name]
    taken: list[str] = []

    async def script(pilot: Pilot[None], app: ExploreApp) -> None:
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        taken.append(screen_text(app))

    drive(Explorer(SEED_4X4, Knobs()), size, script)
    path = SCREENS / f"{name}.txt"
    if os.environ.get("POOLVIZ_UPDATE_SCREENS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(taken[0] + "\n", encoding="utf-8")
        if name == README_SCREEN:
            _show_in_readme(taken[0] + "\n")
    lines = taken[0].splitlines()
    assert len(lines) == size[1] and max(len(line) for line in lines) <= size[0]
    assert taken[0] + "\n" == path.read_text(encoding="utf-8")


def test_the_80x24_screen_shows_what_matters_without_scrolling() -> None:
    lines = (SCREENS / "start_80x24.txt").read_text(encoding="utf-8").splitlines()
    text = "\n".join(lines)
    assert lines[0].startswith("Input 4x4") and "Output 2x2" in lines[0]
    assert "1 │ 5  [6]│ 8   4" in text  # the window's winner, inside its box
    assert "0,0   0..1   0..1   1 3 / 5 6              6   1,1" in text  # its step row
    assert "MaxPool2D  size 2x2 · stride 2x2 · padding 0 · cell 0,0" in text
    assert "? help" in text and "q quit" in text


def test_valid_padding_stays_a_word_in_the_status_line() -> None:
    statuses: list[str] = []

    async def script(pilot: Pilot[None], app: ExploreApp) -> None:
        for key in ("P", "P", "p"):
            await pilot.press(key)
            await pilot.pause()
            statuses.append(
                next(line for line in screen_text(app).splitlines() if "MaxPool2D" in line)
            )

    drive(Explorer(SEED_4X4, Knobs()), (80, 24), script)
    assert [line.split(" · ")[2] for line in statuses] == [
        "padding valid",
        "padding same",
        "padding valid",
    ]


# The keys


TEXTUAL_KEYS = {
    binding.key if hasattr(binding, "key") else binding[0]
    for owner in (App, Screen)
    for binding in owner.BINDINGS
}


def test_no_key_collides_with_textual_or_a_terminal_alias() -> None:
    keys = [key for entry in KEYS for key in entry.keys]
    assert len(keys) == len(set(keys))
    textual = {k for spec in TEXTUAL_KEYS for k in str(spec).split(",")}
    aliases = {"tab", "enter", "backspace", "escape", "ctrl+i", "ctrl+m", "ctrl+h", "ctrl+["}
    assert textual >= {"ctrl+q", "ctrl+c", "tab"}
    assert not set(keys) & (textual | aliases)
    assert not any(key.startswith(("alt+", "meta+")) for key in keys)
    assert {"k", "K", "s", "S", "p", "P", "d", "D", "question_mark"} <= set(keys)


def test_every_key_is_in_the_legend_and_the_help_screen() -> None:
    shown = key_legend(200).plain
    for key in KEYS:
        assert f"{key.shown} {key.label}" in shown
    lines = key_legend(80).plain.splitlines()
    assert len(lines) == 3 and max(len(line) for line in lines) <= 80
    assert lines[0].startswith("←↑↓→ cell  k K size  s S stride")
    helped: list[str] = []

    async def script(pilot: Pilot[None], app: ExploreApp) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        helped.append(screen_text(app))
        await pilot.press("escape")
        await pilot.pause()
        helped.append(type(app.screen).__name__)

    drive(Explorer(SEED_4X4, Knobs()), (100, 40), script)
    for key in KEYS:
        assert key.help in helped[0]
    assert helped[1] != "HelpScreen"


# Modes


def test_the_modes_are_the_command_lines() -> None:
    from poolviz.cli.pool import pool

    choices = next(p for p in pool.params if p.name == "mode").type.choices  # type: ignore[attr-defined]
    assert pool_modes() == tuple(choices)
    explorer = Explorer(SEED_4X4, Knobs())
    seen = []
    for _ in pool_modes():
        explorer.cycle_mode()
        seen.append(explorer.knobs.mode)
    assert sorted(seen) == sorted(pool_modes()) and seen[-1] == "max"


def test_a_mode_the_geometry_refuses_is_skipped_with_its_reason() -> None:
    explorer = Explorer(SEED_4X4, Knobs())
    explorer.modes = ("max", "median", *pool_modes()[1:])
    explorer.cycle_mode()
    assert explorer.knobs.mode == pool_modes()[1]
    assert explorer.message == (
        "skipped median: invalid value for '--mode': 'median' is not one of "
        "'max', 'avg', 'adaptive-max', 'adaptive-avg', 'fractional', 'lp', 'blur'"  # the CLI's
    )
    explorer.change("dilation", 1)
    assert explorer.error is not None and "takes no dilation" in explorer.error


def test_lp_shows_its_windows_and_pytorchs_numbers() -> None:
    explorer = Explorer(SEED_4X4, Knobs(mode="lp", norm_type=1.0, ceil_mode=True, size=(3, 3)))
    result, kind = explorer.result, explorer.kind
    assert kind is not None and result.output.shape == (1, 2, 2, 1)
    window = result.window(1, 1)
    # ceil mode: the last window overhangs; PyTorch's LP is the mean of its real cells times
    # kh·kw (2 · 9 = 18), the textbook's the sum of the real cells (2)
    assert window.rows == (3, 4, 5) and window.cells[0, 0] == 2 and window.padded.sum() == 8
    assert window.value == 18 and window.argmax is None
    focus = Focus((1, 1), kind=kind, colour=False)
    text = flat(step_pane(result, focus), 80).plain
    assert "(Σ|x|^1)^(1/1)" in text
    assert "1,1   3..5   3..5   2 0 0 / 0 0 0 / 0 0 0   18.00 (textbook 2.00: overhang)" in text
    status = flat(status_text(result, focus, "both", "pool", None), 80).plain
    assert status == "LPPool2D  p 1 · size 3x3 · stride 3x3 · ceil mode · cell 1,1"


def test_blur_shows_the_filters_window_over_the_padded_max_map() -> None:
    from poolviz.engine.blur import BlurRun

    explorer = Explorer(SEED_4X4, Knobs(mode="blur"))
    result, kind = explorer.result, explorer.kind
    assert kind is not None and isinstance(kind.run, BlurRun)
    assert result.input.shape == (1, 6, 6, 1)  # the 3x3 max map, reflect-padded 1 + 2
    for i, j in np.ndindex(2, 2):
        window = result.window(i, j)
        top, left, cells = kind.run.window(i, j)
        assert (window.rows[0], window.cols[0]) == (top, left)
        np.testing.assert_array_equal(window.cells, cells)
        assert window.value == kind.run.output[0, i, j, 0]
    assert result.output[0, :, :, 0].round(4).tolist() == [[7.0781, 7.6094], [6.7344, 7.3281]]
    focus = Focus((0, 0), kind=kind, colour=False)
    formula = formula_pane(result, kind).plain.splitlines()
    assert formula == [
        "Max map size, stride 1:",
        "out_h = floor((4 + 2·0 − 1·(2−1) − 1) / 1) + 1 = 3",
        "out_w = floor((4 + 2·0 − 1·(2−1) − 1) / 1) + 1 = 3",
        "Output size, the filter over the map padded 1 + 2:",
        "out_h = floor((6 + 2·0 − 1·(4−1) − 1) / 2) + 1 = 2",
        "out_w = floor((6 + 2·0 − 1·(4−1) − 1) / 2) + 1 = 2",
    ]
    grids = flat(grids_pane(result, focus), 80).plain
    assert grids.splitlines()[0].startswith("Max map 3x3, padded to 6x6")
    assert "rows 0, 4-5, cols 0, 4-5 reflected" in grids


def test_lp_and_blur_keys_and_refusals() -> None:
    x = np.arange(64.0).reshape(8, 8)  # a 7x7 max map: room for 7 taps to reflect
    explorer = Explorer(x, Knobs(mode="blur", filter_size=7))
    explorer.change("filter_size", 1)
    assert explorer.knobs.filter_size == 7
    assert explorer.error == "invalid value for '--filter-size': 8 is not in the range 1<=x<=7"
    explorer.change("filter_size", -1)
    assert explorer.knobs.filter_size == 6 and explorer.error is None
    explorer.change("padding", 1)
    assert explorer.error == (
        "--mode blur takes no -p/--padding (blur pooling takes the max stage's window, the "
        "filter's stride and its size); use -k/--size, -s/--stride, --filter-size"
    )
    explorer.switch_view("gradient")
    kind = explorer.shown_kind
    assert kind is not None and kind.gradient is not None
    assert kind.gradient.sum() == pytest.approx(16.0)  # ones from 4x4 outputs, all arriving
    explorer.switch_view("gradient")
    explorer.cycle_mode()
    assert explorer.knobs.mode == "max" and explorer.kind is None
    while explorer.knobs.mode != "lp":
        explorer.cycle_mode()
    explorer.change("norm_type", 1)
    assert explorer.knobs.args()[-2:] == ["--norm-type", "3"]


def _same_png(ours: Path, args: list[str]) -> None:
    """``ours`` is the PNG the command line ``args`` (with ``-o ref.png``) writes."""
    assert main.main([*args, "-o", "ref.png"], standalone_mode=False) is None
    with Image.open(ours) as mine, Image.open("ref.png") as theirs:
        assert mine.size == theirs.size and mine.size[0] > 500
        assert np.array_equal(np.asarray(mine), np.asarray(theirs))


def test_w_writes_lp_and_blur_as_pool_o_and_grad_o_draw_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    explorer = Explorer(SEED_4X4, Knobs(mode="blur", filter_size=3), at=(1, 0))
    written = explorer.write_png()
    assert written.name == "poolviz-k2-s2-blur-f3.png"
    _same_png(written, ["pool", "--mode", "blur", "--filter-size", "3", "--at", "1,0"])
    while explorer.knobs.mode != "lp":
        explorer.cycle_mode()
    explorer.change("norm_type", 1)
    explorer.move(0, 1)
    assert explorer.error is None and explorer.at == (1, 1)
    written = explorer.write_png()
    assert written.name == "poolviz-k2-s2-lp-p3.png"
    assert explorer.command_line() == "poolviz pool -k 2 --mode lp --norm-type 3 --at 1,1"
    _same_png(written, ["pool", "-k", "2", "--mode", "lp", "--norm-type", "3", "--at", "1,1"])
    grad = "poolviz grad --sample seed4x4 -k 2 --mode lp --norm-type 3 --at 1,1"
    for view in ("gradient", "unpooling"):  # grad -o draws LP's gradient for both
        explorer.switch_view(view)
        written = explorer.write_png()
        assert written.name == f"poolviz-{view}-k2-s2-lp-p3.png"
        assert explorer.command_line() == grad  # grad's own example is a 5x5
        _same_png(written, grad.split()[1:])
    assert explorer.error is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "poolviz-gradient-k2-s2-lp-p3.png",
        "poolviz-k2-s2-blur-f3.png",
        "poolviz-k2-s2-lp-p3.png",
        "poolviz-unpooling-k2-s2-lp-p3.png",
        "ref.png",
    ]


def test_w_never_ends_the_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that cannot be written, or a bug in a figure, is said in the status line in the
    command line's words; no file is left behind."""
    import poolviz.render.figure.pool as pool_figures

    explorer = Explorer(SEED_4X4, Knobs())
    monkeypatch.chdir(tmp_path)
    (tmp_path / "poolviz-k2-s2-p0.png").mkdir()  # a folder where the PNG would go
    path, error = explorer.try_write_png()
    assert path is None and error is not None and "poolviz-k2-s2-p0.png" in error

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(pool_figures, "pool_figure", broken)
    explorer.change("size", 1)
    assert explorer.try_write_png() == (
        None,
        "internal error at test_explore.py:"
        f"{broken.__code__.co_firstlineno + 1}: ZeroDivisionError: float division by zero; "
        "please report it",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["poolviz-k2-s2-p0.png"]


def test_adaptive_and_fractional_take_an_output_size_and_no_window_keys() -> None:
    from poolviz.engine.uneven import adaptive_pool2d

    explorer = Explorer(SEED_4X4, Knobs(mode="adaptive-avg", output_size=(3, 2)))
    np.testing.assert_array_equal(
        explorer.result.output, adaptive_pool2d(SEED_4X4[None, :, :, None], (3, 2), "avg")
    )
    assert explorer.result.window(1, 1).rows == (1, 2)  # bins 0-1, 1-2, 2-3: they overlap
    explorer.change("size", 1)
    assert explorer.error == (
        "--mode adaptive-avg takes no -k/--size (adaptive pooling fits its own bins to "
        "--output-size); use --output-size"
    )
    explorer.change("output_size", 1)
    assert explorer.knobs.args() == ["--mode", "adaptive-avg", "--output-size", "4x3"]
    assert explorer.knobs.file_name("pool") == "poolviz-o4x3-adaptive-avg.png"
    assert explorer.command_line() == (  # pool's own example for adaptive is a 5x5
        "poolviz pool --sample seed4x4 --mode adaptive-avg --output-size 4x3 --at 0,0"
    )
    explorer.cycle_mode()  # fractional: 4 windows of 2 do not fit 4 rows, so lp
    assert explorer.knobs.mode == "lp" and explorer.message is not None
    assert explorer.message.startswith("skipped fractional: 4 windows of 2 do not fit")
    explorer.change("output_size", -1)
    assert explorer.error is not None and explorer.error.startswith(
        "--mode lp takes no --output-size"
    )


def test_fractional_draws_its_samples_from_the_seed_given() -> None:
    explorer = Explorer(SEED_4X4, Knobs(mode="fractional", output_size=(3, 3), seed=3))
    np.testing.assert_array_equal(
        explorer.result.output, _reference(SEED_4X4, " ".join(explorer.knobs.args()))
    )
    assert explorer.knobs.args() == [
        "-k", "2", "--mode", "fractional", "--output-size", "3", "--seed", "3",
    ]  # fmt: skip
    assert explorer.knobs.file_name("gradient") == "poolviz-gradient-k2-o3-fractional-seed3.png"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--mode", "adaptive-max", "-k", "3"],
            "error: --mode adaptive-max takes no -k/--size (adaptive pooling fits its own bins "
            "to --output-size); use --output-size",
        ),
        (
            ["--mode", "fractional", "--output-ratio", "0.7"],
            "error: explore's o and O keys walk --output-size; give --output-size HxW, not "
            "--output-ratio",
        ),
    ],
)
def test_explore_refuses_what_pool_refuses_at_the_start(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["explore", *args])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == message


# Fuzz


ACTIONS: list[tuple[str, tuple[Any, ...]]] = [
    ("move", (-1, 0)),
    ("move", (1, 0)),
    ("move", (0, -1)),
    ("move", (0, 1)),
    *[
        ("change", (knob, step))
        for knob in (
            "size",
            "stride",
            "padding",
            "dilation",
            "output_size",
            "norm_type",
            "filter_size",
        )
        for step in (1, -1)
    ],
    ("toggle", ("ceil_mode",)),
    ("toggle", ("count_include_pad",)),
    ("cycle_mode", ()),
    ("cycle_axes", ()),
    ("switch_view", ("gradient",)),
    ("switch_view", ("unpooling",)),
    ("cycle_channel", (1,)),
    ("cycle_channel", (-1,)),
    ("reset", ()),
]
"""Every change a key makes, as the app's ``explore`` action takes it."""


def test_a_thousand_random_actions_and_a_hundred_random_keys() -> None:
    """Seeded: 1,000 actions called directly (a key through the pilot costs ~50 ms here),
    each leaving a result the engine gives for the configuration shown and a cell inside
    it; then 100 keys pressed through the pilot, the help screen's included."""
    rng = random.Random(0)
    x = np.random.default_rng(0).integers(-9, 10, (6, 5, 3)).astype(float)
    presses = [key for entry in KEYS for key in entry.keys if key not in ("q", "w")] + ["escape"]

    async def script(pilot: Pilot[None], app: ExploreApp) -> None:
        e = app.explorer
        for _ in range(1000):
            name, args = rng.choice(ACTIONS)
            app.action_explore(name, *args)
            assert 0 <= e.at[0] < e.result.rows.out and 0 <= e.at[1] < e.result.cols.out
            assert e.error is None or "\n" not in e.error
        np.testing.assert_array_equal(e.result.output, _reference(x, " ".join(e.knobs.args())))
        for _ in range(100):
            await pilot.press(rng.choice(presses))
        await pilot.pause()
        assert screen_text(app).strip()

    drive(Explorer(x, Knobs()), (80, 24), script)


# Writing a PNG, the command line, no terminal


def test_w_writes_the_view_as_pool_o_draws_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    statuses: list[str] = []

    async def script(pilot: Pilot[None], app: ExploreApp) -> None:
        await pilot.press("k", "S", "S", "p", "right", "w")
        await app.workers.wait_for_complete()
        await pilot.pause()
        statuses.append(screen_text(app))

    explorer = Explorer(SEED_4X4, Knobs())
    drive(explorer, (100, 50), script)
    written = tmp_path / "poolviz-k3-s1-p1.png"
    assert sorted(p.name for p in tmp_path.iterdir()) == [written.name]
    assert "wrote poolviz-k3-s1-p1.png" in statuses[0]
    code = main.main(
        ["pool", "-k", "3", "-s", "1", "-p", "1", "--at", "0,1", "-o", str(tmp_path / "ref.png")],
        standalone_mode=False,
    )
    assert code is None
    with Image.open(written) as ours, Image.open(tmp_path / "ref.png") as theirs:
        assert ours.size == theirs.size and ours.size[0] > 500
        assert np.array_equal(np.asarray(ours), np.asarray(theirs))


def test_the_equivalent_command_line() -> None:
    explorer = Explorer(
        np.arange(25.0).reshape(5, 5, 1),
        Knobs(size=(3, 2), stride=(1, 1), padding=(1, 0), ceil_mode=True, mode="avg"),
        source=["--sample", "seed5x5"],
    )
    explorer.move(1, 1)
    assert explorer.command_line() == (
        "poolviz pool --sample seed5x5 -k 3x2 -s 1 -p 1x0 --ceil-mode --mode avg --at 1,1"
    )
    explorer.switch_view("gradient")
    assert explorer.command_line().startswith("poolviz grad --sample seed5x5 -k 3x2")
    assert explorer.knobs.file_name("pool") == "poolviz-k3x2-s1-p1x0-ceil-avg.png"
    assert Knobs(padding="same").file_name("gradient") == "poolviz-gradient-k2-s2-psame.png"
    assert _matrix_text(np.array([[1, 2.5], [3, -4]])) == "1 2.5; 3 -4"
    assert _matrix_text(np.array([[[1, 2]], [[3, 4]]], dtype=float)) == "1; 3 | 2; 4"


def test_quitting_prints_the_equivalent_command_and_the_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the command prints once the app ends (the app itself replaced by two keys)."""
    from poolviz.cli import explore as explore_command

    def run(self: ExploreApp) -> None:
        self.explorer.change("size", 1)
        self.written.append(Path("poolviz-k3-s3-p0.png"))

    monkeypatch.setattr(ExploreApp, "run", run)
    monkeypatch.setattr(explore_command, "interactive", lambda shown: True)
    result = CliRunner().invoke(main, ["explore", "-m", "1 2 3; 4 5 6; 7 8 9"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "wrote poolviz-k3-s3-p0.png",
        "poolviz pool -m '1 2 3; 4 5 6; 7 8 9' -k 3 --at 0,0",
    ]


def test_the_app_needs_a_terminal_and_keys() -> None:
    from poolviz.cli import display
    from poolviz.cli.explore import interactive

    piped = display.Screen(Console(file=io.StringIO()), 80, colour=False, ascii_only=False)
    assert not interactive(piped)
    terminal = display.Screen(Console(force_terminal=True), 80, colour=False, ascii_only=False)
    assert interactive(terminal) == sys.stdin.isatty()


def test_not_in_a_terminal_the_first_view_is_printed() -> None:
    result = CliRunner().invoke(main, ["explore", "-k", "3", "-s", "1"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Input", "4x4", "Output", "2x2"]
    assert "out_h = floor((4 + 2·0 − 1·(3−1) − 1) / 1) + 1 = 2" in lines
    assert lines[-1] == "poolviz pool -k 3 -s 1 --at 0,0"


def test_no_colour_draws_the_window_in_reverse_video() -> None:
    result = explain(SEED_4X4, 2)
    plain = flat(grids_pane(result, Focus((0, 1), colour=False)), 80)
    assert not any(
        span.style.color or span.style.bgcolor
        for span in plain.spans
        if hasattr(span.style, "color")
    )
    assert any(getattr(span.style, "reverse", False) for span in plain.spans)
    coloured = flat(grids_pane(result, Focus((0, 1), colour=True)), 80)
    assert any(getattr(span.style, "bgcolor", None) for span in coloured.spans)


def test_every_pane_is_readable_on_the_first_screen() -> None:
    """No pane keeps the colours it was laid out with before its styles applied (the formula
    and coverage panes were drawn in the background's own colour until the first key)."""
    unreadable: list[str] = []

    async def script(pilot: Pilot[None], app: ExploreApp) -> None:
        for pane in app.query(Pane):
            for y in range(pane.size.height):
                for segment in pane.render_line(y):
                    style = segment.style
                    if segment.text.strip() and style and style.color == style.bgcolor:
                        unreadable.append(f"{pane.id}: {segment.text.strip()}")

    for mode in ("max", "blur"):
        drive(Explorer(SEED_4X4, Knobs(mode=mode)), (80, 24), script)
    assert unreadable == []


def test_an_image_is_a_picture_one_channel_at_a_time() -> None:
    x = np.random.default_rng(0).integers(0, 256, (64, 90, 3)).astype(float)
    texts: list[str] = []

    async def script(pilot: Pilot[None], app: ExploreApp) -> None:
        texts.append(screen_text(app))
        await pilot.press("right_square_bracket")
        await pilot.pause()
        texts.append(screen_text(app))
        await pilot.press("left_square_bracket", "left_square_bracket")
        await pilot.pause()
        texts.append(screen_text(app))

    drive(Explorer(x, Knobs()), (80, 60), script)
    assert "Input 64x90 · channel 0 of 0-2" in texts[0]
    assert "shown at 1/3 scale" in texts[0] and "◆ the window's max" in texts[0]
    assert "channel 1 of 0-2" in texts[1] and "channel 2 of 0-2" in texts[2]


# Imports


def test_no_other_command_imports_textual() -> None:
    code = (
        "import contextlib, io, sys\n"
        "from poolviz.cli import main\n"
        "for args in (['pool'], ['grad'], ['trace'], ['shift'], ['compare'], ['size', '13'],"
        " ['animate'], ['--help'], ['explore']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n"
        "            main.main(args, prog_name='poolviz')\n"
        "        except SystemExit as exit:\n"
        "            assert exit.code == 0, (args, exit.code)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.strip() == "[]"


README = Path(__file__).parent.parent / "README.md"
README_SCREEN = "k3_s1_p1_80x24"
"""The screen the README shows under "Turning the knobs, live"."""


def _show_in_readme(screen: str) -> None:
    """Put ``screen`` in the README's text block under "Turning the knobs, live"."""
    readme = README.read_text(encoding="utf-8")
    start = readme.index("```text\n", readme.index("### Turning the knobs, live")) + 8
    end = readme.index("```", start)
    README.write_text(readme[:start] + screen + readme[end:], encoding="utf-8")


def test_the_readme_shows_the_80x24_screen_as_it_is() -> None:
    readme = README.read_text(encoding="utf-8")
    screen = (SCREENS / f"{README_SCREEN}.txt").read_text(encoding="utf-8")
    assert f"```text\n{screen}```" in readme
    assert "`k S S p → ↓`" in readme and SCREEN_CASES["k3_s1_p1_80x24"][1] == [
        "k", "S", "S", "p", "right", "down"
    ]  # fmt: skip


def test_ceil_modes_overhang_is_inside_the_box_and_read_by_nothing() -> None:
    from poolviz.examples import SEED_5X5

    result = explain(SEED_5X5, 2, ceil_mode=True)
    shown = [
        line.rstrip()
        for line in flat(grids_pane(result, Focus((2, 2), colour=False)), 80).plain.splitlines()
    ]
    assert shown[6:10] == [
        "                  ┌───────┐",
        "4   3   2   1   4 │[0]  · │",
        "    ·   ·   ·   · │ ·   · │",
        "                  └───────┘",
    ]
    assert shown[10] == (
        "window 2,2 outlined  [v] its max  · past the input (ceil mode): read by nothing"
    )


def test_explore_starts_at_the_cell_and_channel_asked_for() -> None:
    result = CliRunner().invoke(
        main,
        [
            "explore",
            "-m",
            "1 2 3; 4 5 6 | 6 5 4; 3 2 1",
            "-k",
            "1",
            "--at",
            "1,2",
            "--channel",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "poolviz pool -m '1 2 3; 4 5 6 | 6 5 4; 3 2 1' -k 1 --channel 1 --at 1,2"
    )
    assert "Input 2x3 · channel 1 of 0-1" in result.stdout
