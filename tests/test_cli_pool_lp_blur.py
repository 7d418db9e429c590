"""``poolviz pool --mode lp`` and ``--mode blur``: the report, JSON, figure and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.cli import json_of, run
from tests.cli import run as run_cli


def test_blur_json_has_both_stages() -> None:
    body = json_of("pool", "--mode", "blur")
    assert body["config"] == {
        "size": [2, 2],
        "stride": [2, 2],
        "filter_size": 4,
        "reflect_padding": [1, 2],
    }
    assert body["max_map"] == [[6, 8, 8], [6, 8, 8], [4, 7, 7]]
    assert body["padded"][0] == [8, 6, 8, 8, 8, 6]  # column -1 mirrors column 1
    assert body["weights"][1] == [3 / 64, 9 / 64, 9 / 64, 3 / 64]
    assert body["output"] == [[453 / 64, 487 / 64], [431 / 64, 469 / 64]]


def test_blur_report_works_one_output_out() -> None:
    code, out, _ = run("pool", "--mode", "blur", "--at", "1,1")
    assert code == 0
    lines = out.splitlines()
    at = lines.index("max 2x2 stride 1, then a 4-tap binomial filter stride 2 (antialiased-cnns'")
    assert lines[at + 1] == "  BlurPool; Zhang, 2019)"  # a folded header line keeps an indent
    start = lines.index(
        "3. output (1,1) = its 4x4 window of the padded map (rows 2-5, columns 2-5, in "
    )
    assert " ".join(line.strip() for line in lines[start + 2 : start + 4]) == (
        "(1·8 + 3·8 + 3·8 + 1·6 + 3·7 + 9·7 + 9·7 + 3·4 + 3·8 + 9·8 + 9·8 + 3·6 + 1·8 + "
        "3·8 + 3·8 + 1·6) / 64 = 7.3281"
    )


def test_blur_stride_defaults_to_two_whatever_the_size() -> None:
    body = json_of("pool", "--sample", "seed5x5", "--mode", "blur", "-k", "3", "--filter-size", "1")
    assert body["config"]["stride"] == [2, 2]
    assert len(body["max_map"]) == 3 and len(body["output"]) == 2  # ceil(3 / 2)


def test_blur_figure(tmp_path: Path) -> None:
    path = tmp_path / "blur.png"
    code, out, _ = run("pool", "--mode", "blur", "-o", str(path), "--dpi", "50")
    assert code == 0 and out == f"wrote {path}\n"
    with Image.open(path) as image:
        assert image.size[0] > 2 * image.size[1]  # the two stages in one row


def test_lp_json_and_departures() -> None:
    body = json_of("pool", "-m", "3 4 1 -2; 0 0 2 2", "--mode", "lp", "--norm-type", "2")
    assert body["output"] == [[5.0, 3.605551275463989]]
    assert body["departures"] == []
    body = json_of(
        "pool", "-m", "1 2 3", "-k", "1x2", "--mode", "lp", "--norm-type", "1", "--ceil-mode"
    )
    assert body["output"] == [[3.0, 6.0]]
    assert body["textbook"] == [[3.0, 3.0]]
    assert body["departures"] == [{"cell": [0, 1], "why": "overhang"}]


def test_lp_report_says_why() -> None:
    code, out, _ = run(
        "pool", "-m", "1 -2 3; 4 5 -6", "-k", "2", "-s", "1", "--mode", "lp", "--norm-type", "3"
    )
    assert code == 0
    assert "2 of 2 windows differ from the textbook formula:" in out
    assert "  (0,1)       nan     7.2177   a negative sum under a fractional root: NaN" in out
    assert "negative: PyTorch raises x, not |x|, to the power: negative cells subtract" in out


@pytest.mark.parametrize(
    ("p", "place"),
    [
        ("1", "the window's sum"),
        ("2", "between the window's sum (p = 1) and its max (p = inf)"),
        ("inf", "the window's largest |x|, as max pooling of |x|"),
        ("0.5", "more than the window's sum (below 1, p makes no norm)"),
        ("-1", "the window's smallest cells weigh most"),
    ],
)
def test_lp_heading_places_p_between_sum_and_max(p: str, place: str) -> None:
    # p = 1 sums the window (15 for the worked example's first window), not averages it
    code, out, _ = run("pool", "--mode", "lp", f"--norm-type={p}")
    assert code == 0
    assert out.splitlines()[0] == f"LP pooling, p = {p}: {place}"
    if p == "1":
        assert " 1  3  2  1     15  15 " in out


def test_errors_leave_no_file(tmp_path: Path) -> None:
    code, _, err = run("pool", "--mode", "blur", "-p", "1")
    assert code == 2
    assert err.splitlines()[-1] == (
        "error: --mode blur takes no -p/--padding (blur pooling takes the max stage's window, "
        "the filter's stride and its size); use -k/--size, -s/--stride, --filter-size"
    )
    code, _, err = run("pool", "--mode", "blur", "--filter-size", "7")
    assert code == 2
    assert "a 7-tap filter reflects 3 cells past the edge of a 3x3 max map" in err
    path = tmp_path / "lp.png"
    code, _, err = run("pool", "--mode", "lp", "--at", "2,0", "-o", str(path))
    assert code == 2 and not path.exists()
    assert err.splitlines()[-1] == (
        "error: output cell 2,0 is outside the 2x2 output; use rows 0-1 and columns 0-1"
    )


def test_grad_blur_sends_everything_back() -> None:
    body = json_of("grad", "--mode", "blur")  # the 5x5 example: -k 3, stride 2
    assert body["upstream"] == [[1, 1], [1, 1]]
    # every output's share ends at the winners 8 (row 1) and 7 (row 2)
    assert body["gradient"][1] == [0, 0, 3, 0, 0]
    assert body["gradient"][2] == [0, 0, 1, 0, 0]
    assert body["sent"] == body["received"] == 4


def test_grad_lp_is_x_over_the_norm() -> None:
    args = ("grad", "-m", "3 4 1 -2; 0 0 2 2", "-k", "2", "--mode", "lp", "--grad-output", "1 2")
    body = json_of(*args)
    n = 13**0.5
    assert body["gradient"][0][:2] == pytest.approx([0.6, 0.8], rel=1e-15)
    assert body["gradient"][0][2:] == pytest.approx([2 / n, -4 / n], rel=1e-15)
    assert body["gradient"][1] == pytest.approx([0, 0, 4 / n, 4 / n], rel=1e-15)
    code, out, _ = run(*args)
    assert code == 0
    assert "LP pooling's backward pass, p = 2" in out


def test_lp_figure_frames_the_window_and_rings_departures(tmp_path: Path) -> None:
    from poolviz.engine.lp import explain_lp
    from poolviz.render.figure.lp import lp_figure

    run = explain_lp(np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]), 3, 2, 1)
    fig = lp_figure(run, at=(0, 1))
    caption = fig.get_supxlabel().replace("\n", " ")
    assert "output (0,1) is nan, the textbook's 7.2177." in caption
    assert (
        "2 of 2 windows part from the textbook (ringed): a negative sum under a fractional "
        "root: NaN; negative." in caption
    )
    path = tmp_path / "lp.png"
    code, out, err = run_cli("pool", "--mode", "lp", "-o", str(path))
    assert code == 0, err
    assert out.strip() == f"wrote {path}"
    with Image.open(path) as image:
        assert image.width > image.height > 300


def test_grad_figures_for_lp_and_blur(tmp_path: Path) -> None:
    from poolviz.engine.blur import explain_blur
    from poolviz.render.figure.lp_blur_grad import lp_blur_grad_figure

    run = explain_blur(np.arange(16.0).reshape(4, 4), 2, 2, 2)
    upstream = np.ones((1, 2, 2, 1))
    fig = lp_blur_grad_figure(run, upstream, run.backward(upstream), "ones")
    assert (
        fig.get_supxlabel()
        .replace("\n", " ")
        .endswith("gradient in 4, gradient out 4 (all channels and items).")
    )
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == [
        "input",
        "upstream (ones)",
        "gradient at the input",
    ]
    for mode in ("lp", "blur"):
        path = tmp_path / f"{mode}.png"
        code, _, err = run_cli("grad", "--mode", mode, "-o", str(path))
        assert code == 0, err
        assert path.stat().st_size > 1000


def test_lp_and_blur_figures_of_an_input_too_large_for_numbers(tmp_path: Path) -> None:
    """Past 24 cells a side the input is a picture as large as the numbered output beside
    it (each cell was 0 inches wide and matplotlib's layout divided by zero)."""
    from poolviz.engine.lp import explain_lp
    from poolviz.render.figure.lp import lp_figure

    digit = np.arange(784.0).reshape(28, 28)
    fig = lp_figure(explain_lp(digit, 2, 2, 2))  # 28x28 picture, two 14x14 grids of numbers
    picture = 14 * 0.42  # as large as a 14x14 grid at 0.42 inches a cell
    # placed by hand: two arrow gaps and the margins across; above the panels their titles
    # and the figure's, below them a one-line caption (layout.Room)
    across, down = 3 * picture + 2 * 1.4 + 2 * 0.45, picture + 0.6 + 0.4 + 0.3 + 0.17
    assert fig.get_size_inches() == pytest.approx((across, down))
    for command in ("pool", "grad"):
        for mode in ("lp", "blur"):
            path = tmp_path / f"{command}-{mode}.png"
            code, out, err = run_cli(command, "--sample", "digit", "--mode", mode, "-o", str(path))
            assert (code, out, err) == (0, f"wrote {path}\n", "")
            with Image.open(path) as image:
                assert image.width > 2 * image.height > 600


def test_one_departure_differs() -> None:
    # p = 3 of a window holding -2: PyTorch's x^3 subtracts where the textbook's |x|^3 adds
    code, out, _ = run("pool", "--mode", "lp", "-m", "1 -2; 3 4", "-k", "2", "--norm-type", "3")
    assert code == 0
    assert "1 of 1 windows differs from the textbook formula:" in out
