"""The stages LP and blur pooling are animated in (:mod:`poolviz.render.animation.stages`):
their frames, captions and notes, checked against hand-worked numbers and the engine's."""

from __future__ import annotations

import numpy as np
from rich.console import Console

from poolviz.engine.blur import explain_blur
from poolviz.engine.explain import explain
from poolviz.engine.lp import explain_lp
from poolviz.examples import SEED_4X4
from poolviz.loaders import load_sample
from poolviz.render.animation import Animation, Film
from poolviz.render.animation.stages import stories
from poolviz.render.style import window_colour_at
from poolviz.render.terminal.animate import AnimateView, animation_frames

SEED_5X5 = load_sample("seed5x5").array


def captions(run: object) -> list[str]:
    return [story.caption(frame) for story in stories(run) for frame in story.plan]  # type: ignore[arg-type]


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_a_pooling_run_is_one_stage_with_its_own_captions() -> None:
    result = explain(SEED_4X4, 2)
    (story,) = stories(result)
    assert story.result is result
    assert captions(result)[1] == "window 2 of 4: max(2, 1, 8, 4) = 8 at (1, 2)"


def test_lp_raises_each_cell_sums_and_takes_the_root() -> None:
    run = explain_lp(SEED_4X4, 2, 2)
    assert captions(run) == [
        "window 1 of 4: 1^2 + 3^2 + 5^2 + 6^2 = 71; 71^(1/2) = 8.43",
        "window 2 of 4: 2^2 + 1^2 + 8^2 + 4^2 = 85; 85^(1/2) = 9.22",
        "window 3 of 4: 2^2 + 4^2 + 1^2 + 0^2 = 21; 21^(1/2) = 4.58",
        "window 4 of 4: 7^2 + 3^2 + 3^2 + 2^2 = 71; 71^(1/2) = 8.43",
    ]
    (story,) = stories(run)
    # the frames show the engine's output, not a number of their own
    assert story.result.output is run.output
    window = story.result.window(0, 1)
    assert story.notes(window, 0, 0) == [["4", "1"], ["64", "16"]]
    assert story.note_legend == "small: x^2"


def test_lp_overhang_takes_the_mean_times_the_window_as_pytorch() -> None:
    run = explain_lp(SEED_5X5, 3, 2, 2, ceil_mode=True)
    lines = captions(run)
    assert len(lines) == 9
    assert lines[2] == "window 3 of 9: (4^3 + 2^3) / 2 · 4 = 144; 144^(1/3) = 5.24"
    assert lines[8] == "window 9 of 9: (0^3) / 1 · 4 = 0; 0^(1/3) = 0.00"
    assert float(run.output[0, 0, 2, 0]) == float(np.float64(144) ** (1 / 3))


def test_lp_negative_cells_are_bracketed_and_a_negative_sum_under_a_root_is_nan() -> None:
    run = explain_lp(np.array([[-3.0, 1.0], [2.0, -4.0]]), 3, 2)
    assert captions(run) == ["window 1 of 1: (-3)^3 + 1^3 + 2^3 + (-4)^3 = -82; -82^(1/3) = nan"]


def test_lp_infinity_is_the_largest_magnitude() -> None:
    run = explain_lp(np.array([[-9.0, 1.0], [2.0, 4.0]]), np.inf, 2)
    assert captions(run) == ["window 1 of 1: max |x| of (-9, 1, 2, 4) = 9"]
    (story,) = stories(run)
    assert story.notes(story.result.window(0, 0), 0, 0) is None


def test_blur_is_the_stride_one_max_then_the_filter() -> None:
    run = explain_blur(SEED_4X4, 2, 2, 4)
    first, second = stories(run)
    assert first.result.output is run.max_map and second.result.input is run.padded
    assert (first.result.window_count, second.result.window_count) == (9, 4)
    lines = captions(run)
    assert len(lines) == 13
    assert lines[0] == "window 1 of 9: max(1, 3, 5, 6) = 6"
    assert lines[8] == "window 9 of 9: max(7, 3, 3, 2) = 7"
    assert lines[9] == (
        "window 1 of 4: (1·8 + 3·6 + 3·8 + 1·8 + 3·8 + 9·6 + 9·8 + 3·8 + 3·8 + 9·6 + 9·8 + "
        "3·8 + 1·7 + 3·4 + 3·7 + 1·7) / 64 = 7.08"
    )
    assert lines[12].endswith(") / 64 = 7.33")
    # the padded map's rows and columns as the max map numbers them, p for reflected ones
    assert [second.index_label(k, 0) for k in range(6)] == ["p", "0", "1", "2", "p", "p"]
    reflected = second.reflected()
    assert reflected is not None and reflected.shape == (6, 6)
    assert int((~reflected).sum()) == 9 and not reflected[1:4, 1:4].any()
    assert second.notes(second.result.window(0, 0), 0, 0)[1] == ["×3", "×9", "×9", "×3"]


def test_blur_with_a_large_filter_counts_its_terms() -> None:
    run = explain_blur(SEED_5X5, 2, 2, 5)
    assert captions(run)[-1] == "window 4 of 4: 25 cells times their weights, summed, / 256 = 5.89"


def test_blur_frames_share_one_size_and_stay_within_64() -> None:
    film = Film([Animation(story) for story in stories(explain_blur(SEED_4X4))])
    assert len(film) == 13
    frames = list(film)
    assert {frame.size for frame in frames} == {film.size}
    # the first stage's window 1 in its colour, the second's window 2 in its own
    assert rgb(window_colour_at(0, 0, 3)) in {
        tuple(c) for c in np.asarray(frames[0]).reshape(-1, 3)
    }
    assert rgb(window_colour_at(0, 1, 2)) in {
        tuple(c) for c in np.asarray(frames[10]).reshape(-1, 3)
    }
    digit = stories(explain_blur(load_sample("digit").array))
    assert [len(story.plan) for story in digit] == [32, 32]


def test_terminal_blur_frames_name_the_padded_map_and_its_copies() -> None:
    console = Console(width=80, color_system=None, highlight=False)
    frames = animation_frames(stories(explain_blur(SEED_4X4)), AnimateView(colour=False))
    assert len(frames) == 13
    with console.capture() as captured:
        console.print(frames[9])
    lines = [line.rstrip() for line in captured.get().splitlines()]
    assert lines[:3] == [
        "Blur pooling, 2 of 2: a 4-tap binomial filter at stride 2x2",
        "max map, reflect-padded (1, 6, 6, 1) → output (1, 2, 2, 1)  (batch, height,",
        "  width, channels)",  # folded with an indent
    ]
    assert lines[4].startswith("Max map, reflect-padded 6x6")
    assert lines[5].split() == ["p", "0", "1", "2", "0", "1"]  # the window's columns: p 0 1 2
    assert max(len(line) for line in lines) <= 80


# The gradient flowing back


def test_grad_frames_accumulate_the_engines_backward_window_by_window() -> None:
    from poolviz.render.animation import Frame

    result = explain(SEED_5X5, 3, 1)  # overlapping windows: gradients add up
    (story,) = stories(result, grad=True)
    assert story.backward and story.arrow == "max backward"
    ones = np.ones(result.output.shape)
    final = result.backward(ones)[0, :, :, 0]
    assert np.array_equal(story.plane(Frame(8), 0, 0), final)
    first = np.zeros((5, 5))
    first[result.argmax(0, 0)] = 1
    assert np.array_equal(story.plane(Frame(0), 0, 0), first)
    assert float(final.sum()) == 9.0  # every output's 1 reaches the input
    assert story.caption(Frame(8)) == (
        f"window 9 of 9: output (2, 2)'s gradient 1 flows back: +1 to its max {result.argmax(2, 2)}"
    )


def test_grad_captions_of_an_average_say_the_padding_takes_its_share() -> None:
    (story,) = stories(explain(SEED_5X5, 3, 2, 1, mode="avg"), grad=True)
    assert [story.caption(f) for f in story.plan][:2] == [
        "window 1 of 9: output (0, 0)'s gradient 1 flows back: +0.111 to each of 4 cells "
        "(1 / 9: the padding's 5 go nowhere)",
        "window 2 of 9: output (0, 1)'s gradient 1 flows back: +0.111 to each of 6 cells "
        "(1 / 9: the padding's 3 go nowhere)",
    ]
    assert story.caption(story.plan[4]).endswith("+0.111 to each of 9 cells (1 / 9)")


def test_grad_of_lp_is_x_over_the_output() -> None:
    run = explain_lp(SEED_4X4, 2, 2)
    (story,) = stories(run, grad=True)
    # d/dx sqrt(sum x^2) = x / y: 1 / 8.426, 3 / 8.426, …
    assert story.caption(story.plan[0]) == (
        "window 1 of 4: output (0, 0)'s gradient 1 flows back: +0.119 to (0, 0), +0.356 to "
        "(0, 1), +0.593 to (1, 0), +0.712 to (1, 1)"
    )
    last = story.plane(story.plan[-1], 0, 0)
    assert np.allclose(last, run.backward(np.ones(run.output.shape))[0, :, :, 0])


def test_grad_of_blur_is_refused_with_where_to_see_it() -> None:
    import pytest

    from poolviz.errors import PoolvizError

    with pytest.raises(PoolvizError, match="blur pooling's is shown by poolviz grad --mode blur"):
        stories(explain_blur(SEED_4X4), grad=True)


def test_a_caption_wider_than_the_frame_goes_on_two_lines() -> None:
    from poolviz.render.animation.paint import text_width

    animation = Animation(stories(explain_blur(SEED_4X4))[1])
    caption = animation.captions[0]
    assert text_width(caption, animation.caption_size) > animation.caption_width
    lines = animation._wrapped(caption)
    assert len(lines) == 2 and lines[1].startswith("    + ")  # indented
    assert " ".join(line.strip() for line in lines) == caption
    size = animation.caption_size
    assert all(text_width(line, size) <= animation.caption_width for line in lines)
    assert len(animation.legend_lines) == 2  # the legend too
    width, height = animation.size
    assert width == animation.grid_out.right + animation.margin  # the grids set the width
    assert animation.legend_y + 2 * animation.legend_height < height


def test_a_picture_of_the_reflect_padded_map_claims_no_hatching() -> None:
    """Numbers hatch the reflected copies; a picture draws the padded map as it is (its
    heading says reflect-padded), so its legend has no hatched entry."""
    numbers = Animation(stories(explain_blur(SEED_4X4))[1])
    picture = Animation(stories(explain_blur(load_sample("digit").array))[1])
    small = "small: the cell's weight in the filter (of 64)"
    assert (numbers.numbered, picture.numbered) == (True, False)
    assert numbers.legend == (
        f"thick outline: the window · {small} · hatched: reflect padding (copies of the cells "
        "across the edge) · output: filled as computed"
    )
    assert picture.legend == f"thick outline: the window · {small} · checked: output still to come"
