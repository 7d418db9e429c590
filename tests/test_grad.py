"""GradResult (engine side) and the grad terminal report: exact gradients, routes, unpooling,
each checked against PyTorch's numbers (written out here, from torch 2.x)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console

from poolviz import PoolvizError
from poolviz.engine.explain import explain
from poolviz.engine.gradient import GradResult, Tie, gradient, upstream_gradient
from poolviz.render.terminal.grad import GradView, grad_report
from poolviz.render.terminal.pool import PoolView
from tests.test_engine_pooling import SEED4, SEED5

TIE4 = np.array([[5, 1, 2, 2], [5, 3, 2, 0], [2, 4, 7, 3], [1, 0, 3, 2]], dtype=float)


def run(
    x: np.ndarray, given: str | np.ndarray = "ones", seed: int = 0, **kwargs: object
) -> GradResult:
    forward = explain(x, **kwargs)  # type: ignore[arg-type]
    return gradient(forward, upstream_gradient(forward, given, seed))


def render(result: GradResult, width: int = 80, **view: object) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, no_color=True, force_terminal=False)
    console.print(grad_report(result, GradView(pool=PoolView(colour=False, steps=8), **view)))  # type: ignore[arg-type]
    return out.getvalue()


def plane(a: np.ndarray | None) -> list[list[float]]:
    assert a is not None
    return a[0, :, :, 0].tolist()


def test_seed_2x2() -> None:
    g = run(np.array([[1.0, 3.0], [5.0, 6.0]]), size=2)
    assert g.grad_input_like_input().tolist() == [[0, 0], [0, 1]]
    assert g.unpooled_like_input().tolist() == [[0, 0], [0, 6]]  # type: ignore[union-attr]
    assert g.receivers() == [[[], []], [[], [(0, 0)]]]
    assert g.silent_count() == 3 and g.lost_count() == 3


def test_seed_overlapping_5x5_shares_winners_and_sums() -> None:
    g = run(SEED5, size=3, stride=2)
    expected = np.zeros((5, 5))
    expected[1, 2] = expected[2, 2] = 2
    assert np.array_equal(plane(g.grad_input), expected)
    unpooled = np.zeros((5, 5))
    unpooled[1, 2], unpooled[2, 2] = 8, 7  # placed once, not 16 and 14
    assert np.array_equal(plane(g.unpooled), unpooled)
    assert g.shared() == [((1, 2), [(0, 0), (0, 1)]), ((2, 2), [(1, 0), (1, 1)])]
    assert g.winners() == [(1, 2), (2, 2)]
    assert (g.silent_count(), g.lost_count()) == (23, 23)
    assert g.default_unpool_shape == (5, 5) and g.pytorch_takes_input_size is True
    assert g.grad_sum == (4.0, 4.0)


def test_given_upstream_gradient_adds_at_shared_winners() -> None:
    g = run(SEED5, np.array([[1, -2], [0.5, 3]]), size=3, stride=2)
    assert plane(g.grad_input)[1][2] == -1 and plane(g.grad_input)[2][2] == 3.5


def test_tie_first_occurrence_wins_and_alone_gets_the_gradient() -> None:
    g = run(TIE4, size=2)
    assert plane(g.grad_input) == [[1, 0, 1, 0], [0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
    assert g.ties() == [
        Tie((0, 0), 5.0, ((0, 0), (1, 0)), (0, 0)),
        Tie((0, 1), 2.0, ((0, 2), (0, 3), (1, 2)), (0, 2)),
    ]
    assert plane(g.unpooled) == [[5, 0, 2, 0], [0, 0, 0, 0], [0, 4, 7, 0], [0, 0, 0, 0]]


def test_padding() -> None:
    g = run(SEED4, size=2, stride=2, padding=1)
    assert plane(g.grad_input) == [[1, 1, 0, 1], [1, 0, 1, 1], [0, 0, 0, 0], [1, 0, 1, 1]]
    assert plane(g.unpooled) == [[1, 3, 0, 1], [5, 0, 8, 4], [0, 0, 0, 0], [1, 0, 3, 2]]
    assert g.default_unpool_shape == (4, 4)


def test_dilation_pytorch_refuses_the_input_size() -> None:
    g = run(SEED5, size=2, stride=1, dilation=2)
    assert plane(g.grad_input) == [
        [0, 0, 0, 0, 0],
        [0, 1, 2, 0, 0],
        [0, 2, 4, 0, 0],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
    ]
    assert g.default_unpool_shape == (4, 4) and g.pytorch_takes_input_size is False


def test_ceil_mode() -> None:
    g = run(SEED5, size=2, stride=2, ceil_mode=True)
    assert plane(g.grad_input) == [
        [0, 0, 0, 0, 1],
        [0, 1, 1, 0, 0],
        [0, 1, 1, 0, 0],
        [0, 0, 0, 0, 1],
        [1, 0, 0, 1, 1],
    ]
    assert plane(g.unpooled) == [
        [0, 0, 0, 0, 4],
        [0, 6, 8, 0, 0],
        [0, 4, 7, 0, 0],
        [0, 0, 0, 0, 5],
        [3, 0, 0, 4, 0],
    ]


def test_odd_size_unpools_to_the_input_not_pytorchs_default() -> None:
    g = run(SEED5, size=2)
    assert g.unpooled is not None and g.unpooled.shape == (1, 5, 5, 1)
    assert plane(g.unpooled)[2][2] == 7 and g.default_unpool_shape == (4, 4)


def test_average_spreads_by_the_forward_divisor() -> None:
    g = run(SEED4, size=2, mode="avg")
    assert np.array_equal(plane(g.grad_input), np.full((4, 4), 0.25))
    assert g.unpooled is None and g.winners() == [] and g.ties() == []
    assert plane(g.max_grad_input) == [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
    # padding counts (count_include_pad): every window divides by 9
    g = run(SEED5, size=3, stride=2, padding=1, mode="avg")
    ninth = 1 / 9
    assert np.allclose(
        plane(g.grad_input)[1], [2 * ninth, 4 * ninth, 2 * ninth, 4 * ninth, 2 * ninth]
    )
    assert g.receivers()[1][1] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    # not counted: the corner window has 4 real cells
    g = run(SEED5, size=3, stride=2, padding=1, mode="avg", count_include_pad=False)
    assert plane(g.grad_input)[0][0] == 0.25
    assert np.isclose(plane(g.grad_input)[1][1], 0.25 + 1 / 6 + 1 / 6 + 1 / 9)


def test_upstream_gradient_shapes_and_random_is_reproducible() -> None:
    forward = explain(SEED5, 3, 2)
    first = upstream_gradient(forward, "random", 0)
    assert first.shape == (1, 2, 2, 1)
    assert np.array_equal(first, upstream_gradient(forward, "random", 0))
    assert not np.array_equal(first, upstream_gradient(forward, "random", 1))
    assert np.array_equal(first, np.round(first, 1))
    with pytest.raises(PoolvizError) as err:
        upstream_gradient(forward, np.ones((3, 3)))
    assert err.value.message == (
        "--grad-output is 3x3 but the output is 2x2; give one gradient per output cell"
    )
    # a 2-D matrix serves every channel
    forward = explain(np.stack([SEED5, -SEED5], axis=-1), 3, 2)
    g = upstream_gradient(forward, np.array([[1, 2], [3, 4]]))
    assert g[0, :, :, 1].tolist() == [[1, 2], [3, 4]]


def test_report_default_example() -> None:
    text = render(run(SEED5, size=3, stride=2))
    assert "  1,2 (holds 8) gets 1 from 0,0 + 1 from 0,1 = 2" in text
    assert "  2,2 (holds 7) gets 1 from 1,0 + 1 from 1,1 = 2" in text
    assert "23 of 25 cells get no gradient from this example" in text
    assert "[v] fed by 2+ windows (2 cells): their gradients add up" in text
    assert "23 values and every non-winning position are gone; 2 of 25 come back" in text
    assert "1,2 won 2 windows: gradients add up to 2; unpooling puts 8 there once" in text
    assert "gradient in 4, gradient out 4" in text
    assert "1  0  0 [2] 0  0" in text  # the routing map row
    assert max(len(line) for line in text.splitlines()) <= 80


def test_report_seed_4x4() -> None:
    text = render(run(SEED4, size=2))
    assert "12 of 16 cells get no gradient from this example" in text
    assert "12 values and every non-winning position are gone; 4 of 16 come back" in text
    assert "fed by 2+" not in text


def test_report_tie_names_the_winner() -> None:
    text = render(run(TIE4, size=2))
    assert (
        "tie in window 0,0: 5 at 0,0 and 1,0; the first in row-major order, 0,0, wins (as" in text
    )


def test_report_average_compares_with_max() -> None:
    text = render(run(SEED4, size=2, mode="avg"))
    assert "  0,0 (holds 1) gets 1/4 from 0,0 = 0.250" in text
    assert "average reaches 16 of 16 cells, max only 4 (the winners)" in text
    assert "Max-unpooling" not in text


def test_report_unpooling_notes_on_odd_and_dilated_sizes() -> None:
    text = render(run(SEED5, size=2, stride=1, dilation=2))
    assert "output_size is the input's 5x5; PyTorch's default 4x4 misplaces these indices" in text
    assert "PyTorch's max_unpool2d refuses 5x5 here (only within a stride of 4x4)" in text
    assert "Max-unpooling" not in render(run(SEED5, size=3, stride=2), unpool=False)


def test_report_large_input_is_pictures_not_numbers() -> None:
    x = np.random.default_rng(0).random((28, 28))
    text = render(run(x, size=2))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert len(lines) < 120
    assert "588 of 784 cells get no gradient from this example" in text
    assert "… and 192 more receiving cells (--json lists every one)" in text


def test_report_other_channels_get_one_line_each() -> None:
    x = np.stack([SEED4, -SEED4, SEED4 * 0], axis=-1)
    text = render(run(x, size=2))
    assert "  channel 1: gradient reaches 4 of 16 cells, total 4; unpooling keeps 4 values" in text
    assert "  channel 2: gradient reaches 4 of 16 cells, total 4; unpooling keeps 4 values" in text


def test_an_average_counts_the_cells_maxs_gradient_would_leave_out() -> None:
    # seed5x5, 3x3 windows at stride 2: max sends to 2 winners, 23 cells get nothing
    assert run(SEED5, size=3, stride=2, mode="avg").max_silent_count() == 23
    assert run(SEED5, size=3, stride=2).max_silent_count() is None
