"""``poolviz pool --mode adaptive-max|adaptive-avg|fractional``: the worked examples, the bins
worked out, JSON and errors."""

from __future__ import annotations

import pytest

from tests.cli import json_of, run


def test_adaptive_example_is_5x5_to_3x3_with_overlapping_bins() -> None:
    code, out, _ = run("pool", "--mode", "adaptive-max")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "AdaptiveMaxPool2D  output 3x3 · bins up to 3x3"
    assert "  rows and columns (5 → 3): bin i reads floor(i·5/3) .. ceil((i+1)·5/3) − 1" in lines
    assert "    bin 0: floor(0·5/3) = 0 .. ceil(1·5/3) − 1 = 1  2 rows" in lines
    assert (
        "    bin 1: floor(1·5/3) = 1 .. ceil(2·5/3) − 1 = 3  3 rows, row 1 also in bin 0" in lines
    )
    assert (
        "    bin 2: floor(2·5/3) = 3 .. ceil(3·5/3) − 1 = 4  2 rows, row 3 also in bin 1" in lines
    )
    assert (
        "    lengths 2 and 3; neighbouring bins share rows 1 and 3 (3 does not divide 5)" in lines
    )
    assert "  PyTorch: nn.AdaptiveMaxPool2d(3)" in lines
    # the middle bin reads rows and columns 1..3; cell (1, 1) is read by four bins
    assert " 1,1   1..3   1..3   6 8 4 / 4 7 3 / 0 3 2     8   1,2       " in lines
    assert " 2  4  2  4  2                     " in lines
    assert max(len(line) for line in lines) <= 80


def test_adaptive_avg_divides_by_each_bins_cells() -> None:
    body = json_of("pool", "--mode", "adaptive-avg")
    assert body["config"] == {"mode": "adaptive-avg", "output_size": [3, 3]}
    # PyTorch divides by the bin's height, then by its width: 37 / 3 / 3, not 37 / 9
    assert body["output"][1] == [18 / 3 / 2, 37 / 3 / 3, 17 / 3 / 2]
    assert [w["divisor"] for w in body["windows"][:3]] == [4, 6, 4]
    assert body["axes"]["h"]["windows"] == [[0, 2], [1, 3], [3, 2]]
    assert body["axes"]["w"]["worked"]["summary"] == (
        "lengths 2 and 3; neighbouring bins share columns 1 and 3 (3 does not divide 5)"
    )


def test_adaptive_avg_steps_write_means_as_the_output_grid_does() -> None:
    _, out, _ = run("pool", "--mode", "adaptive-avg")
    # the grid writes 4.00 and 1.50: so do the steps, not "= 4" beside "= 1.50"
    assert "24 / 6 = 4.00" in out and "6 / 4 = 1.50" in out and "12 / 6 = 2.00" in out
    _, at, _ = run("pool", "--mode", "adaptive-avg", "--at", "1,0")
    assert "(5 + 6 + 2 + 4 + 1 + 0) / 6 = 3.00" in at
    # at least the grid's decimals: a mean the grid writes 0.00 keeps its own in its step
    _, small, _ = run("pool", "--mode", "avg", "-m", "0.001 0.002; 1.5 2", "--size", "1")
    assert "= 0.001" in small and "= 0.002" in small and "= 1.50" in small


def test_adaptive_output_size_per_side_and_repeating_bins() -> None:
    body = json_of("pool", "-m", "1 2; 3 4", "--mode", "adaptive-max", "--output-size", "3x1")
    assert body["output"] == [[2.0], [4.0], [4.0]]
    assert body["indices"] == [[1], [3], [3]]
    assert body["axes"]["h"]["windows"] == [[0, 1], [0, 2], [1, 1]]
    assert body["axes"]["w"]["windows"] == [[0, 2]]
    assert body["axes"]["h"]["worked"]["steps"][1] == (
        "bin 1: floor(1·2/3) = 0 .. ceil(2·2/3) − 1 = 1  2 rows, row 0 also in bin 0"
    )


def test_fractional_example_7x7_to_4x4_seed_0() -> None:
    body = json_of("pool", "--mode", "fractional")
    assert body["config"]["samples"] == [0.6369616873214543, 0.2697867137638703]
    assert body["axes"]["h"]["windows"] == [[0, 2], [2, 2], [3, 2], [5, 2]]
    assert body["axes"]["w"]["windows"] == [[0, 2], [1, 2], [3, 2], [5, 2]]
    assert body["output"] == [[9, 9, 5, 6], [5, 7, 8, 4], [6, 6, 9, 4], [4, 4, 6, 7]]
    assert body["indices"][0] == [8, 8, 10, 12]
    assert body["axes"]["h"]["worked"]["steps"][2] == (
        "window 2: int((2 + 0.2698)·1.6667) − 0 = int(3.7830) − 0 = 3  rows 3..4, "
        "row 3 also in window 1"
    )
    assert body["axes"]["w"]["worked"]["rule"] == (
        "alpha = (7 − 2) / (4 − 1) = 1.6667, u = 0.6370, int(u·alpha) = int(1.0616) = 1"
    )


def test_fractional_report_and_ratio() -> None:
    code, out, _ = run("pool", "--mode", "fractional", "--output-ratio", "0.6", "--seed", "3")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("FractionalMaxPool2D  size 2x2 · output 4x4 · u = ")
    assert "  out_h = int(7 · 0.6) = 4" in lines
    assert "  Keras:   Keras has no fractional max pooling layer: not expressible" in lines
    assert max(len(line) for line in lines) <= 80


def test_fractional_seed_changes_windows_and_pytorch_agrees() -> None:
    torch = pytest.importorskip("torch")
    import numpy as np

    from poolviz.examples import SEED_7X7

    body = json_of("pool", "--mode", "fractional", "--seed", "5", "-k", "3", "--output-size", "3")
    u = torch.tensor([[body["config"]["samples"]]], dtype=torch.float64)
    x = torch.from_numpy(SEED_7X7)[None, None]
    out, idx = torch.nn.functional.fractional_max_pool2d(
        x, 3, output_size=3, return_indices=True, _random_samples=u
    )
    assert np.array_equal(out[0, 0].numpy(), np.array(body["output"]))
    assert np.array_equal(idx[0, 0].numpy(), np.array(body["indices"]))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--mode", "adaptive-max", "-k", "3"],
            "error: --mode adaptive-max takes no -k/--size (adaptive pooling fits its own bins "
            "to --output-size); use --output-size",
        ),
        (
            ["-m", "1 2; 3 4", "--mode", "adaptive-avg"],
            "error: --mode adaptive-avg needs --output-size; give HxW such as 3x3, or 7",
        ),
        (
            ["--mode", "fractional", "--output-size", "3", "--output-ratio", "0.5"],
            "error: --mode fractional takes one of --output-size and --output-ratio; give one, "
            "such as --output-size 4 or --output-ratio 0.7",
        ),
        (
            ["--mode", "fractional", "-s", "1"],
            "error: --mode fractional takes no -s/--stride (fractional pooling places -k "
            "windows by its samples (--seed)); use -k/--size, --output-size, --output-ratio",
        ),
        (
            ["--mode", "fractional", "--output-size", "7"],
            "error: 7 windows of 2 do not fit the height of 7 (fractional pooling needs output "
            "+ size - 1 <= 7); use an output height of at most 6",
        ),
        (
            ["--mode", "fractional", "--output-ratio", "1.5"],
            "error: --output-ratio '1.5' is not a ratio; use a number between 0 and 1 such as "
            "0.7, or HxW such as 0.7x0.5",
        ),
        (
            ["--mode", "max", "--output-size", "3"],
            "error: --mode max takes no --output-size (max pooling has no use for it); use "
            "-k/--size, -s/--stride, -p/--padding, -d/--dilation, --ceil-mode, "
            "--count-include-pad",
        ),
    ],
)
def test_bad_mode_options_exit_2(args: list[str], message: str) -> None:
    code, _, err = run("pool", *args)
    assert code == 2
    assert err.splitlines()[0] == message
