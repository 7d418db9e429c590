"""``poolviz grad --mode adaptive-max|adaptive-avg|fractional``: gradients, routes, totals."""

from __future__ import annotations

import numpy as np
import pytest

from tests.cli import json_of, run


def test_adaptive_avg_grad_spreads_over_overlapping_bins() -> None:
    body = json_of("grad", "--mode", "adaptive-avg")
    g = np.array(body["grad_input"])
    # cell (1, 1) is in bins (0,0) 2x2, (0,1) 2x3, (1,0) 3x2 and (1,1) 3x3
    assert g[1, 1] == 1 / 2 / 2 + 1 / 2 / 3 + 1 / 3 / 2 + 1 / 3 / 3
    assert g.sum() == pytest.approx(9.0)
    receivers = {tuple(r["cell"]): r["outputs"] for r in body["receivers"]}
    assert receivers[(1, 1)] == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert body["axes"]["h"]["windows"] == [[0, 2], [1, 3], [3, 2]]


def test_adaptive_max_grad_routes_to_winners() -> None:
    body = json_of("grad", "--mode", "adaptive-max")
    assert body["indices"] == [[6, 7, 4], [6, 7, 19], [20, 23, 19]]
    g = np.array(body["grad_input"])
    assert g[1, 1] == 2 and g[1, 2] == 2 and g[3, 4] == 2 and g.sum() == 9
    assert body["unpooled"][1][2] == 8


def test_fractional_grad_matches_pytorch() -> None:
    body = json_of("grad", "--mode", "fractional", "--grad-output", "random", "--seed", "2")
    g = np.array(body["grad_input"])
    assert g.sum() == pytest.approx(np.sum(body["grad_output"]))
    torch = pytest.importorskip("torch")
    from poolviz.examples import SEED_7X7

    x = torch.tensor(SEED_7X7[None, None], requires_grad=True)
    u = torch.tensor([[body["config"]["samples"]]], dtype=torch.float64)
    out = torch.nn.functional.fractional_max_pool2d(x, 2, output_size=4, _random_samples=u)
    out.backward(torch.tensor(np.array(body["grad_output"])[None, None]))
    assert x.grad is not None
    assert np.array_equal(x.grad[0, 0].numpy(), g)


def test_grad_reports_at_80_columns() -> None:
    for mode in ("adaptive-max", "adaptive-avg", "fractional"):
        code, out, err = run("grad", "--mode", mode)
        assert code == 0, err
        lines = out.splitlines()
        assert max(len(line) for line in lines) <= 80
        assert lines[-1].startswith(
            "gradient in 16, gradient out 16" if mode == "fractional" else "gradient in 9"
        )
    _, out, _ = run("grad", "--mode", "adaptive-avg")
    assert "no input: an overlapping 5x5 → 3x3 (bins overlap)" in out
    assert "  1,1 (holds 6) gets 1/4 from 0,0 + 1/6 from 0,1 + 1/6 from 1,0 + 1/9 from 1,1" in out


def test_one_receiving_cell_left_out_is_one_cell() -> None:
    # the fractional example's 13 receiving cells, 12 listed
    code, out, _ = run("grad", "--mode", "fractional")
    assert code == 0
    assert "  … and 1 more receiving cell (--json lists every one)" in out
