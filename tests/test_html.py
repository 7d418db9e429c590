"""The page as a file (``-o lesson.html``, ``--html``): what is inlined and how, what is
refused, and the JS checked by node. The browser tests are in test_html_page.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
import webbrowser
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from poolviz.cli.page import matrix_text
from poolviz.loaders import parse_matrix
from poolviz.render.html.page import data_block, page_html
from tests.cli import run


def write(tmp_path: Path, *args: str) -> str:
    """The text of the page ``poolviz ARGS -o page.html`` writes."""
    path = tmp_path / "page.html"
    code, out, err = run(*args, "-o", str(path))
    assert (code, out, err) == (0, f"wrote {path}\n", "")
    return path.read_text(encoding="utf-8")


def embedded(text: str) -> dict:
    """The data block of a page, parsed."""
    match = re.search(
        r'<script type="application/json" id="poolviz-data">(.*?)</script>', text, re.S
    )
    assert match is not None
    return json.loads(match[1])


def test_page_is_one_file_with_its_numbers_as_data(tmp_path: Path) -> None:
    text = write(tmp_path, "pool")
    assert len(text.encode()) < 1 << 20
    assert text.count("<script") == 2 and text.count("</script>") == 2
    assert text.count("<style>") == 1
    assert re.search(r"(src|href)=", text) is None  # nothing fetched
    assert "default-src 'none'; script-src 'unsafe-inline'" in text
    data = embedded(text)
    assert data["output"] == [[6, 8], [4, 7]]
    assert data["windows"][1] == {
        "out": [0, 1],
        "rows": [0, 1],
        "cols": [2, 3],
        "value": 8,
        "argmax": [1, 2],
    }
    assert data["coverage"] == [[1] * 4] * 4
    assert data["command"] == ["poolviz", "pool"]
    assert data["source"] == {"name": "the worked 4x4 example", "kind": "example"}


def test_grad_page_carries_the_routing(tmp_path: Path) -> None:
    data = embedded(write(tmp_path, "grad"))
    grad = data["grad"]
    assert grad["receivers"][1][2] == [[0, 0], [0, 1]]
    assert grad["receivers"][2][2] == [[1, 0], [1, 1]]
    assert grad["grad_input"][1][2] == 2 and grad["unpooled"][2][2] == 7
    assert grad["upstream"] == {"kind": "ones"}
    assert data["notes"] == [
        "no input: an overlapping 5x5, size 3, stride 2 (windows share winners)"
    ]


def test_data_block_escapes_what_could_end_the_script() -> None:
    data = {"title": "</script><!-- & \u2028 \udcff", "x": [float("nan"), float("inf")]}
    block = data_block(data)
    assert re.search(r"[<>&\u2028]", block) is None
    assert json.loads(block) == {"title": data["title"], "x": ["nan", "inf"]}


def test_title_is_escaped_in_the_head() -> None:
    text = page_html({"title": '<b>"x"</b>\udcff', "kind": "pool"})
    assert "<title>&lt;b&gt;&quot;x&quot;&lt;/b&gt;\ufffd</title>" in text


def test_image_over_64_cells_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "photo.html"
    code, out, err = run("pool", "--sample", "photo", "-o", str(path))
    assert (code, out) == (2, "")
    assert err == (
        "error: photo.jpg is 240x320, too large for a page (at most 64x64 cells); shrink an "
        "image with --scale or --resize, or give a smaller array\n"
        "try: poolviz pool --sample photo --scale 0.2 -o lesson.html\n"
    )
    assert list(tmp_path.iterdir()) == []
    code, out, _ = run("pool", "--sample", "photo", "--scale", "0.2", "-o", str(path))
    assert (code, out) == (0, f"wrote {path}\n")
    data = embedded(path.read_text())
    assert data["input_shape"] == [1, 48, 64, 3]
    assert data["notes"] == ["resized from 240x320 to 48x64 with Pillow"]
    assert data["command"] == ["poolviz", "pool", "--sample", "photo", "--scale", "0.2"]


def test_array_over_64_cells_is_refused_without_a_scale_hint(tmp_path: Path) -> None:
    np.save(tmp_path / "big.npy", np.zeros((65, 3)))
    code, _, err = run("pool", str(tmp_path / "big.npy"), "-o", str(tmp_path / "a.html"))
    assert code == 2
    assert err.splitlines() == [
        "error: big.npy is 65x3, too large for a page (at most 64x64 cells); "
        "shrink an image with --scale or --resize, or give a smaller array"
    ]


def test_html_flag_writes_a_temporary_page_and_opens_it(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    code, out, err = run("pool", "--html")
    assert (code, err) == (0, "")
    path = Path(out.removeprefix("wrote ").strip())
    try:
        assert path.name.startswith("poolviz-") and path.suffix == ".html"
        assert opened == [path.resolve().as_uri()]
        assert embedded(path.read_text())["output"] == [[6, 8], [4, 7]]
    finally:
        path.unlink()


def test_html_flag_says_when_no_browser_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    code, out, _ = run("grad", "--html")
    lines = out.splitlines()
    Path(lines[0].removeprefix("wrote ")).unlink()
    assert code == 0 and lines[1] == "no browser found to open it; open the file yourself"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--html", "--json"], "error: --html and --json cannot be combined; give one of them"),
        (
            ["--html", "-o", "x.png"],
            "error: --html opens a page, not x.png; give -o a file ending in .html, or leave -o out",
        ),
    ],
)
def test_html_flag_conflicts(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("pool", *args)
    assert (code, out, err.splitlines()[0]) == (2, "", message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["pool", "--dpi", "300"],
            "error: --dpi dresses a figure, not a page, which the browser sizes; drop it (a page "
            "takes --title, --cmap, --font-scale and --steps)",
        ),
        (
            ["grad", "--figsize", "4x3", "--aspect", "tall", "--theme", "dark"],
            "error: --figsize, --theme, --aspect dress figures, not a page, which the browser "
            "sizes; drop them (a page takes --title, --cmap, --font-scale and --steps)",
        ),
    ],
)
def test_figure_only_options_are_refused_for_a_page(
    args: list[str], message: str, tmp_path: Path
) -> None:
    code, out, err = run(*args, "-o", str(tmp_path / "x.html"))
    assert (code, out, err.splitlines()) == (2, "", [message])
    assert list(tmp_path.iterdir()) == []


def test_figure_options_that_fit_a_page_reach_it(tmp_path: Path) -> None:
    data = embedded(
        write(tmp_path, "pool", "--steps", "3", "--cmap", "gray", "--font-scale", "1.5")
    )
    assert data["steps"] == 3 and data["font_scale"] == 1.5
    assert data["cmap"]["name"] == "gray" and len(data["cmap"]["colours"]) == 64
    assert data["cmap"]["colours"][0] == "#000000" and data["cmap"]["colours"][-1] == "#ffffff"
    # --steps left at its default (the terminal's 16) lists every window on a page
    plain_page = embedded(write(tmp_path, "grad"))
    assert plain_page["steps"] is None and plain_page["cmap"] is None


def test_matrix_text_reads_back_exactly() -> None:
    x = np.array([[0.1, -2.0, np.nan], [np.inf, 1e-300, 3.0]])
    assert matrix_text(x) == "0.1 -2 nan; inf 1e-300 3"
    np.testing.assert_array_equal(parse_matrix(matrix_text(x)), x)
    rgb = np.arange(8.0).reshape(2, 2, 2)
    np.testing.assert_array_equal(parse_matrix(matrix_text(rgb)), rgb)


def test_the_page_source_ships_with_the_package() -> None:
    here = files("poolviz.render.html")
    for name in ("template.html", "page.js", "page.css"):
        assert here.joinpath(name).is_file()
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    data = pyproject["tool"]["setuptools"]["package-data"]["poolviz"]
    assert {"render/html/*.html", "render/html/*.js", "render/html/*.css"} <= set(data)


@pytest.mark.skipif(
    shutil.which("node") is None, reason="node is not installed: JS syntax not checked"
)
def test_node_checks_the_js(tmp_path: Path) -> None:
    module = tmp_path / "page.mjs"
    module.write_text(files("poolviz.render.html").joinpath("page.js").read_text())
    done = subprocess.run(["node", "--check", str(module)], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
