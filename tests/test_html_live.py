"""The page's live settings (issue: change the window and watch it recompute) in a real
browser: the page's own computation equals the engine's for hundreds of random settings set
through its controls, refused settings show the command line's message and keep the last
picture, the URL fragment holds the settings and "copy as command" gives the same numbers."""

from __future__ import annotations

import random
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from poolviz.engine.explain import PoolResult, explain, explain_adaptive
from poolviz.engine.uneven import adaptive_axis, adaptive_pool2d
from poolviz.errors import PoolvizError
from poolviz.render.html.page import PageView, pool_page, write_page
from poolviz.render.style import config_line, decimals_for, format_number
from tests.browser import grid_text, launch, marked, opened
from tests.cli import json_of, run

SET_AND_READ = """configs => {
  const form = document.querySelector("form.controls");
  const f = form.elements;
  const read = () => ({
    error: document.querySelector(".error").textContent,
    output: [...document.querySelector('table[data-grid="output"]').tBodies[0].rows]
      .map(tr => [...tr.querySelectorAll("td")].map(td => td.textContent)),
    steps: [...document.querySelectorAll(".steps-table tbody tr")]
      .map(tr => [...tr.cells].map(td => td.textContent)),
    formula: document.querySelector("pre.formula").textContent,
    heading: document.querySelector(".heading").textContent || document.querySelector("h1").textContent,
    command: document.querySelector("#pv-command").value,
    hash: location.hash,
  });
  return configs.map(c => {
    f.mode.value = c.mode;
    for (const key of ["o", "k", "s", "p", "d"]) if (c[key] !== undefined) f[key].value = c[key];
    f.ceil.checked = c.ceil;
    f.cip.checked = c.cip;
    f.mode.dispatchEvent(new Event("change", { bubbles: true }));
    return { ...read(), disabled: [...f].filter(e => e.disabled).map(e => e.name) };
  });
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as b:
        yield b


def page_of(x: np.ndarray, folder: Path, name: str) -> Path:
    """A page of ``x`` pooled with 1x1 windows (every setting then comes from the controls)."""
    path = folder / f"{name}.html"
    view = PageView(0, 0, 0, "test", (), None, ["poolviz", "pool", "-m", "..."])
    write_page(pool_page(explain(x, 1), view), path)
    return path


def pair(rng: random.Random, low: int, high: int) -> str:
    h = rng.randint(low, high)
    return str(h) if rng.random() < 0.6 else f"{h}x{rng.randint(low, high)}"


def random_settings(rng: random.Random) -> dict[str, Any]:
    """Settings as a teacher would type them: windows of 1 to 12, strides, padding as a number,
    HxW, valid or same, dilation, ceil mode, count_include_pad; or adaptive max or average to
    an output of 1 to 12 a side (the window fields then hold leftovers the page must ignore)."""
    mode = rng.choice(["max", "avg", "max", "avg", "adaptive-max", "adaptive-avg"])
    padding = rng.choice(
        [
            "0",
            "1",
            "2",
            "1x0",
            "0x2",
            "valid",
            "same",
            "same",
            "same_lower",
            "3",
            "0,1,1,0",
            "2,0,0,1",
        ]
    )
    return {
        "mode": mode,
        "o": pair(rng, 1, 12),
        "k": pair(rng, 1, 4) if rng.random() < 0.8 else pair(rng, 1, 12),
        "s": "" if rng.random() < 0.3 else pair(rng, 1, 4),
        "p": padding,
        "d": "1" if mode == "avg" and rng.random() < 0.9 else pair(rng, 1, 3),
        "ceil": rng.random() < 0.3,
        "cip": rng.random() < 0.5,
    }


def engine(x: np.ndarray, s: dict[str, Any]) -> PoolResult | dict[str, Any] | str:
    """What the engine gives for the settings (for adaptive pooling, what the page must show),
    or the error line the CLI prints."""
    if s["mode"].startswith("adaptive-"):
        return adaptive_view(x, s["mode"].removeprefix("adaptive-"), s["o"])
    size = tuple(int(v) for v in s["k"].split("x")) if "x" in s["k"] else int(s["k"])
    stride = (
        None
        if s["s"] == ""
        else tuple(int(v) for v in s["s"].split("x"))
        if "x" in s["s"]
        else int(s["s"])
    )
    padding: Any = (
        tuple(int(v) for v in s["p"].split(","))
        if "," in s["p"]
        else s["p"]
        if s["p"] in ("valid", "same", "same_lower")
        else tuple(int(v) for v in s["p"].split("x"))
        if "x" in s["p"]
        else int(s["p"])
    )
    dilation = tuple(int(v) for v in s["d"].split("x")) if "x" in s["d"] else int(s["d"])
    try:
        return explain(
            x,
            size,  # type: ignore[arg-type]
            stride,  # type: ignore[arg-type]
            padding,
            mode=s["mode"],
            dilation=dilation,  # type: ignore[arg-type]
            ceil_mode=s["ceil"],
            count_include_pad=s["cip"],
        )
    except PoolvizError as err:
        return f"error: {err.message}"


def range_text(taps: list[int]) -> str:
    """How the step table writes a window's rows or columns."""
    if len(taps) > 1 and all(b - a == 1 for a, b in zip(taps, taps[1:], strict=False)):
        return f"{taps[0]}..{taps[-1]}"
    if len(taps) > 6:
        return ",".join(map(str, taps[:3])) + f",…,{taps[-1]}"
    return ",".join(map(str, taps))


def expected_view(result: PoolResult) -> dict[str, Any]:
    """What the page must show for ``result``: output texts, step rows, formula, heading."""
    out = result.output[0, :, :, 0]
    d = decimals_for(out)
    steps = []
    for k in range(result.window_count):
        i, j = divmod(k, result.cols.out)
        win_rows, win_cols = result.rows.taps(i), result.cols.taps(j)
        argmax = result.argmax(i, j)
        last = (
            ("—" if argmax is None else f"{argmax[0]},{argmax[1]}")
            if result.mode == "max"
            else str(int(result.divisors[i, j]))  # type: ignore[index]
        )
        steps.append(
            [
                f"{i},{j}",
                range_text(win_rows),
                range_text(win_cols),
                format_number(float(out[i, j]), d),
                last,
            ]
        )
    lines = [result.formula["h"]]
    if (short := result.rows.simple_formula("out_h")) is not None:
        lines.append(f"{short}   (short form)")
    lines.append(result.formula["w"])
    if (short := result.cols.simple_formula("out_w")) is not None:
        lines.append(f"{short}   (short form)")
    return {
        "output": [[format_number(float(v), d) for v in row] for row in out],
        "steps": steps,
        "formula": "\n".join(lines),
        "heading": config_line(result),
    }


def adaptive_view(x: np.ndarray, mode: str, typed: str) -> dict[str, Any]:
    """What the page must show for adaptive pooling of ``x`` to ``typed`` (3 or 3x2):
    :func:`adaptive_pool2d`'s values and winners, :func:`adaptive_axis`'s bins, and the
    formula and heading of :func:`explain_adaptive`'s result."""
    oh, ow = (int(v) for v in typed.split("x")) if "x" in typed else (int(typed),) * 2
    rows, cols = adaptive_axis(x.shape[0], oh), adaptive_axis(x.shape[1], ow)
    if mode == "max":
        out, indices = adaptive_pool2d(x, (oh, ow), "max", return_indices=True)
    else:
        out, indices = adaptive_pool2d(x, (oh, ow), "avg"), None
    d = decimals_for(out)
    steps = []
    for i in range(oh):
        for j in range(ow):
            r, c = rows.taps(i), cols.taps(j)
            last = (
                "{},{}".format(*divmod(int(indices[i, j]), x.shape[1]))
                if indices is not None
                else str(len(r) * len(c))
            )
            steps.append(
                [f"{i},{j}", range_text(r), range_text(c), format_number(out[i, j], d), last]
            )

    result = explain_adaptive(x, (oh, ow), mode)
    return {
        "output": [[format_number(float(v), d) for v in row] for row in out],
        "steps": steps,
        "formula": result.formula["h"] + "\n" + result.formula["w"],
        "heading": config_line(result),
    }


def test_300_random_settings_equal_the_engine(browser: Any, tmp_path: Path) -> None:
    rng = random.Random(24)
    checked = refused = adaptive = 0
    for n in range(14):
        h, w = rng.randint(1, 12), rng.randint(1, 12)
        x = np.array([[rng.randint(-4, 4) for _ in range(w)] for _ in range(h)], dtype=float)
        settings = [random_settings(rng) for _ in range(39)]
        with opened(browser, page_of(x, tmp_path, f"input{n}")) as o:
            shown = o.page.evaluate(SET_AND_READ, settings)
            assert o.errors == []
        last_good = [[format_number(v, decimals_for(x)) for v in row] for row in x]
        for s, seen in zip(settings, shown, strict=True):
            want = engine(x, s)
            where = f"{h}x{w} input, settings {s}"
            if isinstance(want, str):
                assert seen["error"] == want, where
                assert seen["output"] == last_good, where  # the last picture stays
                refused += 1
                continue
            expected = want if isinstance(want, dict) else expected_view(want)
            if isinstance(want, dict):
                oh, ow = len(want["output"]), len(want["output"][0])
                adaptive += h % oh != 0 or w % ow != 0
                assert seen["disabled"] == ["k", "s", "p", "d", "ceil", "cip"], where
            else:
                assert seen["disabled"] == ["o"], where
            cells = [[r[0], r[1], r[2], r[4], r[5]] for r in seen["steps"]]
            assert seen["error"] == "", where
            assert seen["output"] == expected["output"], where
            assert cells == expected["steps"], where
            assert seen["formula"] == expected["formula"], where
            assert seen["heading"] == expected["heading"], where
            last_good = seen["output"]
            checked += 1
    assert checked >= 300 and checked + refused == 14 * 39
    assert refused >= 30  # refused settings were tried too
    assert adaptive >= 100  # and adaptive pooling to sizes that do not divide the input's


def test_refused_setting_shows_the_cli_message_and_recovers(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    code, _, err = run("pool", "-o", str(path))
    assert code == 0, err
    with opened(browser, path) as o:
        page = o.page
        page.fill("#pv-k", "9")
        assert page.text_content(".error") == (
            "error: a 9x9 window does not fit a 4x4 input with padding 0; use a smaller --size or add --padding"
        )
        assert grid_text(page, "output") == [["6", "8"], ["4", "7"]]
        page.fill("#pv-k", "3y")
        _, _, cli = run("pool", "-k", "3y")
        assert page.text_content(".error") == cli.splitlines()[0]
        assert page.get_attribute("#pv-k", "aria-invalid") == "true"
        page.fill("#pv-k", "3")
        page.fill("#pv-p", "2")
        _, _, cli = run("pool", "-k", "3", "-p", "2")
        assert page.text_content(".error") == cli.splitlines()[0]
        page.fill("#pv-p", "1")
        assert page.text_content(".error") == ""
        assert page.get_attribute("#pv-k", "aria-invalid") is None
        assert grid_text(page, "output") == [
            [str(v) for v in row] for row in json_of("pool", "-k", "3", "-p", "1")["output"]
        ]
        page.fill("#pv-k", "2")
        page.fill("#pv-p", "0")
        assert grid_text(page, "output") == [["6", "8"], ["4", "7"]]
        assert page.evaluate("location.hash") == ""
        assert o.errors == []


def test_fragment_holds_the_settings(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    code, _, err = run("pool", "--sample", "seed5x5", "-o", str(path))
    assert code == 0, err
    with opened(browser, path, "#k=3&s=1&mode=avg") as o:
        page = o.page
        assert page.input_value("#pv-k") == "3" and page.input_value("#pv-s") == "1"
        assert page.input_value("#pv-mode") == "avg"
        want = json_of("pool", "--sample", "seed5x5", "-k", "3", "-s", "1", "--mode", "avg")
        d = decimals_for(np.array(want["output"], dtype=float))
        assert grid_text(page, "output") == [
            [format_number(v, d) for v in row] for row in want["output"]
        ]
        page.fill("#pv-s", "2")
        assert page.evaluate("location.hash") == "#mode=avg&k=3&s=2"
        assert o.errors == []


def test_copy_as_command_gives_the_same_numbers(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    code, _, err = run(
        "grad", "-m", "1 -2 3.5; 4 5 6; 7 8 9", "--grad-output", "random", "-o", str(path)
    )
    assert code == 0, err
    with opened(browser, path) as o:
        page = o.page
        page.fill("#pv-k", "2x3")
        page.fill("#pv-s", "1")
        page.fill("#pv-p", "1")
        page.check("#pv-ceil")
        command = page.input_value("#pv-command")
        assert command == (
            "poolviz grad -m '1 -2 3.5; 4 5 6; 7 8 9' --grad-output random --seed 0 -k 2x3 -s 1 -p 1 --ceil-mode"
        )
        args = shlex.split(command)
        body = json_of(*args[1:])
        d = decimals_for(np.array(body["output"], dtype=float))
        assert grid_text(page, "output") == [
            [format_number(v, d) for v in row] for row in body["output"]
        ]
        page.click("text=Copy as command")
        # the clipboard answers through a promise: wait for the status it sets
        # (a selector, not wait_for_function: the page's CSP forbids the eval it uses)
        page.wait_for_selector(".copied:not(:empty)")
        assert page.text_content(".copied") in ("copied", "selected: copy it with Ctrl+C")
        assert o.errors == []


@pytest.mark.parametrize(
    "settings",
    [
        ["-k", "2", "-s", "1"],
        ["-k", "3", "-s", "1", "-p", "1", "--mode", "avg", "--no-count-include-pad"],
    ],
)
def test_grad_page_recomputes_the_routing(
    browser: Any, tmp_path: Path, settings: list[str]
) -> None:
    path = tmp_path / "grad.html"
    code, _, err = run("grad", "-o", str(path))
    assert code == 0, err
    values = dict(zip(settings[::2], settings[1::2], strict=False))
    with opened(browser, path) as o:
        page = o.page
        page.select_option("#pv-mode", values.get("--mode", "max"))
        page.fill("#pv-k", values["-k"])
        page.fill("#pv-s", values["-s"])
        page.fill("#pv-p", values.get("-p", "0"))
        if "--no-count-include-pad" in settings:
            page.uncheck("#pv-cip")
        body = json_of("grad", *settings)
        d = decimals_for(np.array(body["grad_input"], dtype=float))
        want = [[format_number(v, d) for v in row] for row in body["grad_input"]]
        assert grid_text(page, "gradin") == want
        receivers = {tuple(r["cell"]): [tuple(o) for o in r["outputs"]] for r in body["receivers"]}
        page.hover('table[data-grid="gradin"] td[data-r="2"][data-c="2"]')
        assert marked(page, "upstream", "hl") == set(receivers[(2, 2)])
        assert o.errors == []


def test_hostile_fragment_stays_text(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    code, _, err = run("pool", "-o", str(path))
    assert code == 0, err
    hostile = "<img src=x onerror=window.pwned=1>"
    with opened(browser, path, "#k=" + hostile.replace(" ", "%20")) as o:
        page = o.page
        assert page.text_content(".error") == (
            f"error: --size '{hostile}' is not a size; use a whole number such as 2, or HxW "
            "(height first) such as 3x2"
        )
        assert page.evaluate("window.pwned") is None
        assert page.evaluate("document.images.length") == 0
        assert grid_text(page, "output") == [["6", "8"], ["4", "7"]]
        assert o.errors == [] and o.requests == []


TYPED = [
    ({"k": "0"}, ["-k", "0"]),
    ({"k": "2x"}, ["-k", "2x"]),
    ({"s": "0"}, ["-s", "0"]),
    ({"d": "0x1"}, ["-d", "0x1"]),
    ({"p": "-1"}, ["-p", "-1"]),
    ({"p": "1y"}, ["-p", "1y"]),
    ({"p": "1,2"}, ["-p", "1,2"]),
    ({"p": "1,2,3,-1"}, ["-p", "1,2,3,-1"]),
    ({"p": "0,2,0,0"}, ["-p", "0,2,0,0"]),
    ({"p": "same_lower", "ceil": True}, ["-p", "same_lower", "--ceil-mode"]),
    ({"p": "2"}, ["-p", "2"]),
    ({"mode": "avg", "d": "2"}, ["--mode", "avg", "-d", "2"]),
    ({"p": "same", "ceil": True}, ["-p", "same", "--ceil-mode"]),
    ({"k": "5"}, ["-k", "5"]),
    ({"mode": "adaptive-max", "o": "0"}, ["--mode", "adaptive-max", "--output-size", "0"]),
    ({"mode": "adaptive-avg", "o": "3y"}, ["--mode", "adaptive-avg", "--output-size", "3y"]),
]


def test_every_refused_setting_reads_as_the_cli_says_it(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    code, _, err = run("pool", "-o", str(path))
    assert code == 0, err
    written = {"mode": "max", "k": "2", "s": "", "p": "0", "d": "1", "ceil": False, "cip": True}
    written["o"] = "2"
    with opened(browser, path) as o:
        shown = o.page.evaluate(SET_AND_READ, [{**written, **typed} for typed, _ in TYPED])
        assert o.errors == []
    for (typed, args), seen in zip(TYPED, shown, strict=True):
        code, _, cli = run("pool", *args)
        assert code == 2
        assert seen["error"] == cli.splitlines()[0], typed
        assert seen["output"] == [["6", "8"], ["4", "7"]], typed


def test_adaptive_settings_recompute_and_link(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "grad.html"
    code, _, err = run("grad", "-o", str(path))  # the overlapping 5x5, k3 s2
    assert code == 0, err
    with opened(browser, path) as o:
        page = o.page
        x = np.array(grid_text(page, "input"), dtype=float)
        assert x.shape == (5, 5)
        assert page.input_value("#pv-o") == "2" and page.is_disabled("#pv-o")
        page.select_option("#pv-mode", "adaptive-avg")
        assert page.is_disabled("#pv-k") and page.is_disabled("#pv-cip")
        page.fill("#pv-o", "3x4")
        want = adaptive_pool2d(x, (3, 4), "avg")
        d = decimals_for(want)
        assert grid_text(page, "output") == [[format_number(v, d) for v in row] for row in want]
        assert page.evaluate("location.hash") == "#mode=adaptive-avg&o=3x4"
        assert page.input_value("#pv-command") == (
            "poolviz grad --mode adaptive-avg --output-size 3x4"
        )
        # bins over 5 rows to 3: 0..1, 1..3, 3..4; hovering input row 1 lights two bins' outputs
        page.hover('table[data-grid="input"] td[data-r="1"][data-c="0"]')
        assert marked(page, "output", "hl") == {(0, 0), (1, 0)}
        # each input cell's gradient: the ones upstream spread over every bin that reads it
        rows, cols = adaptive_axis(5, 3), adaptive_axis(5, 4)
        grad = np.zeros((5, 5))
        for i in range(3):
            for j in range(4):
                r, c = rows.taps(i), cols.taps(j)
                grad[np.ix_(r, c)] += 1 / len(r) / len(c)
        dg = decimals_for(grad)
        assert grid_text(page, "gradin") == [[format_number(v, dg) for v in row] for row in grad]
        page.fill("#pv-o", "0")
        assert page.text_content(".error") == (
            "error: --output-size 0 must be at least 1; use a whole number such as 2, or HxW "
            "(height first) such as 3x2"
        )
        assert page.get_attribute("#pv-o", "aria-invalid") == "true"
        page.fill("#pv-o", "65x1")
        assert page.text_content(".error") == (
            "error: --output-size 65x1 is too large for a page (at most 64x64 cells); use 1-64 "
            "a side"
        )
        page.click("text=Reset")
        assert page.text_content(".error") == "" and not page.is_disabled("#pv-k")
        assert grid_text(page, "output") == [["8", "8"], ["7", "7"]]
        assert o.errors == []


def test_fragment_restores_adaptive_settings(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    code, _, err = run("pool", "--sample", "seed5x5", "-o", str(path))
    assert code == 0, err
    with opened(browser, path, "#mode=adaptive-max&o=2x3") as o:
        page = o.page
        assert page.input_value("#pv-mode") == "adaptive-max"
        assert page.input_value("#pv-o") == "2x3" and page.is_disabled("#pv-k")
        want = json_of(
            "pool", "--sample", "seed5x5", "--mode", "adaptive-max", "--output-size", "2x3"
        )
        assert grid_text(page, "output") == [[str(v) for v in row] for row in want["output"]]
        assert o.errors == []
