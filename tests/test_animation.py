"""The animation frames: the plan, the captions, the GIF frames' pixels, and the terminal
frames, all checked against hand-worked numbers of the seed's examples."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFont, ImageSequence
from rich.console import Console

from poolviz.engine.explain import PoolResult, explain
from poolviz.errors import PoolvizError, PoolvizRuntimeError
from poolviz.examples import SEED_4X4
from poolviz.loaders import load_sample
from poolviz.render.animation import (
    BLANK,
    INK,
    Animation,
    Frame,
    caption,
    drawable,
    frame_plan,
    save_animation,
)
from poolviz.render.style import window_colour_at
from poolviz.render.terminal.animate import AnimateView, animation_frames

SEED_5X5 = load_sample("seed5x5").array


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def colours(image: Image.Image) -> set[tuple[int, int, int]]:
    return {tuple(int(v) for v in c) for c in np.asarray(image.convert("RGB")).reshape(-1, 3)}


def captions(result: PoolResult) -> list[str]:
    return [caption(result, frame) for frame in frame_plan(result.window_count)]


# The plan


def test_plan_has_a_frame_per_window_up_to_64() -> None:
    assert frame_plan(4) == [Frame(0), Frame(1), Frame(2), Frame(3)]
    assert [f.window for f in frame_plan(64)] == list(range(64))


def test_plan_past_64_windows_goes_one_by_one_then_spreads_to_the_last() -> None:
    plan = frame_plan(65)
    assert len(plan) == 64
    assert [(f.window, f.skipped) for f in plan[:32]] == [(k, 0) for k in range(32)]
    assert plan[-1].window == 64
    assert sum(f.skipped for f in plan) == 65 - 64
    big = frame_plan(19200)  # a photo: the window sweeps it end to end, not its first row
    assert len(big) == 64
    assert [f.window for f in big[:33]] == list(range(33))
    assert [f.window for f in big[33:36]] == [650, 1269, 1887]
    assert big[-1] == Frame(19199, skipped=617)
    assert sum(f.skipped for f in big) == 19200 - 64


# Captions


def test_captions_of_the_seed_4x4() -> None:
    assert captions(explain(SEED_4X4, 2)) == [
        "window 1 of 4: max(1, 3, 5, 6) = 6 at (1, 1)",
        "window 2 of 4: max(2, 1, 8, 4) = 8 at (1, 2)",
        "window 3 of 4: max(2, 4, 1, 0) = 4 at (2, 1)",
        "window 4 of 4: max(7, 3, 3, 2) = 7 at (2, 2)",
    ]


def test_captions_of_the_overlapping_5x5_share_winners() -> None:
    assert captions(explain(SEED_5X5, 3, 2)) == [
        "window 1 of 4: max(1, 3, 2, 5, 6, 8, 2, 4, 7) = 8 at (1, 2)",
        "window 2 of 4: max(2, 1, 4, 8, 4, 2, 7, 3, 1) = 8 at (1, 2)",
        "window 3 of 4: max(2, 4, 7, 1, 0, 3, 3, 2, 1) = 7 at (2, 2)",
        "window 4 of 4: max(7, 3, 1, 3, 2, 5, 1, 4, 0) = 7 at (2, 2)",
    ]


def test_average_captions_show_the_padding_the_divisor_counts() -> None:
    counted = explain(SEED_5X5, 3, 2, 1, mode="avg")
    assert captions(counted)[0] == "window 1 of 9: (0 + 0 + 0 + 0 + 1 + 3 + 0 + 5 + 6) / 9 = 1.67"
    assert captions(counted)[8] == "window 9 of 9: (2 + 5 + 0 + 4 + 0 + 0 + 0 + 0 + 0) / 9 = 1.22"
    not_counted = explain(SEED_5X5, 3, 2, 1, mode="avg", count_include_pad=False)
    assert captions(not_counted)[0] == "window 1 of 9: (1 + 3 + 5 + 6) / 4 = 3.75"


def test_max_captions_show_padding_as_minus_infinity() -> None:
    result = explain(SEED_4X4, 3, 2, 1)
    assert captions(result)[0] == "window 1 of 4: max(−∞, −∞, −∞, −∞, 1, 3, −∞, 5, 6) = 6 at (1, 1)"


def test_large_windows_are_counted_not_listed() -> None:
    x = np.arange(64, dtype=float).reshape(8, 8)
    assert captions(explain(x, 4))[0] == "window 1 of 4: max of 16 cells = 27 at (3, 3)"
    avg = explain(x, 4, mode="avg")
    assert captions(avg)[0] == "window 1 of 4: sum of 16 cells = 216; 216 / 16 = 13.50"


def test_a_caption_after_a_jump_counts_the_skipped_windows() -> None:
    result = explain(np.zeros((20, 20)), 2, 1)  # 19 x 19 = 361 windows
    shown = captions(result)
    assert shown[31] == "window 32 of 361: max(0, 0, 0, 0) = 0 at (1, 12)"
    assert shown[33].startswith("window 44 of 361 (10 skipped): ")
    assert shown[63].startswith("window 361 of 361 (10 skipped): ")


def test_frames_are_written_in_the_figures_font_which_has_every_glyph() -> None:
    from poolviz.render.animation.paint import font_of

    regular, bold = font_of(12), font_of(12, bold=True)
    assert isinstance(regular, ImageFont.FreeTypeFont) and isinstance(bold, ImageFont.FreeTypeFont)
    assert (regular.getname(), bold.getname()) == (("DejaVu Sans", "Book"), ("DejaVu Sans", "Bold"))
    assert drawable("max(−∞, 1) · 3x3 → ×") == "max(−∞, 1) · 3x3 → ×"


# GIF frames


def frame_box(
    animation: Animation, grid: str, i: int, j: int, inset: int = 0
) -> tuple[int, int, int, int]:
    """The pixel box of cell (i, j) of the input (padded) or output grid, ``inset`` pixels
    inside its edges (where a neighbour's outline may reach)."""
    box = animation.grid_in if grid == "in" else animation.grid_out
    c = animation.cell
    x, y = box.x + j * c, box.y + i * c
    return x + inset, y + inset, x + c - inset, y + c - inset


def test_frames_show_the_window_in_its_colour_and_fill_the_output() -> None:
    result = explain(SEED_4X4, 2)
    animation = Animation(result)
    frames = list(animation)
    assert len(frames) == 4
    assert {f.size for f in frames} == {animation.size}
    for k, frame in enumerate(frames):
        i, j = divmod(k, 2)
        assert rgb(window_colour_at(i, j, 2)) in colours(frame)
        # the current output cell is filled with the window's colour
        current = frame.crop(frame_box(animation, "out", i, j))
        assert rgb(window_colour_at(i, j, 2)) in colours(current)
    # in the second frame the last output cell is still blank, the first is filled
    second = frames[1]
    assert colours(second.crop(frame_box(animation, "out", 1, 1, inset=8))) == {rgb(BLANK)}
    assert len(colours(second.crop(frame_box(animation, "out", 0, 0)))) > 2


def test_the_winner_is_ringed_and_others_are_not() -> None:
    animation = Animation(explain(SEED_4X4, 2))
    frame = animation.draw(animation.plan[1])  # window (0, 1): the 8 at (1, 2) wins

    def dark(i: int, j: int) -> int:
        cell = np.asarray(frame.crop(frame_box(animation, "in", i, j)).convert("L"))
        return int((cell < 80).sum())

    # the ring adds dark pixels beyond the digit's own; the 4 beside it has only the digit
    assert dark(1, 2) > 2 * dark(1, 3)


def test_padding_is_hatched_and_labelled() -> None:
    animation = Animation(explain(SEED_5X5, 3, 2, 1, mode="avg"))
    frame = animation.draw(animation.plan[4])  # the centre window: no padding in it
    corner = frame.crop(frame_box(animation, "in", 6, 6))
    assert (153, 153, 153) in colours(corner)  # hatch lines, the figures' #999999
    assert animation.pad_text == "0"


def test_frame_width_scales_with_dpi() -> None:
    result = explain(SEED_4X4, 2)
    w150, h150 = Animation(result, dpi=150).size
    w300, h300 = Animation(result, dpi=300).size
    assert 1.9 <= w300 / w150 <= 2.1
    assert 1.9 <= h300 / h150 <= 2.1


def test_the_title_can_be_given() -> None:
    default = Animation(explain(SEED_4X4, 2))
    assert default.title == "MaxPool2D: size 2x2 · stride 2x2 · padding 0"
    assert Animation(explain(SEED_4X4, 2), title="Slide 3").title == "Slide 3"


def test_frames_too_large_are_refused_with_the_dpi_that_fits() -> None:
    result = explain(np.zeros((24, 24)), 2)
    with pytest.raises(PoolvizError) as refused:
        Animation(result, dpi=1200)
    message = refused.value.message
    assert re.fullmatch(
        r"--dpi 1200 makes frames \d+x\d+ pixels, more than 4000 a side; use --dpi \d+ or less",
        message,
    )
    suggested = int(message.rsplit("--dpi ", 1)[1].split()[0])
    assert max(Animation(result, dpi=suggested).size) <= 4000


def test_large_inputs_are_pictures_with_the_window_and_a_checked_output() -> None:
    x = np.random.default_rng(0).integers(0, 256, (90, 120)).astype(float)
    result = explain(x, 2)
    animation = Animation(result)
    assert not animation.numbered and animation.zoomed
    assert len(animation) == 64
    first = animation.draw(animation.plan[0])
    assert rgb(window_colour_at(0, 0, 60)) in colours(first)
    out = animation.pic_out
    corner = np.asarray(first.crop((out.right - 20, out.bottom - 20, out.right, out.bottom)))
    assert {tuple(v) for v in corner.reshape(-1, 3)} == {(255, 255, 255), (222, 222, 222)}
    last = animation.draw(animation.plan[-1])
    filled = np.asarray(last.crop((out.x, out.y, out.x + 20, out.y + 20)))
    assert {tuple(v) for v in filled.reshape(-1, 3)} != {(255, 255, 255), (222, 222, 222)}


def test_a_colour_map_colours_pictures() -> None:
    x = np.linspace(0, 1, 40 * 40).reshape(40, 40)
    grey = Animation(explain(x, 2)).draw(Frame(0))
    viridis = Animation(explain(x, 2), cmap="viridis").draw(Frame(0))
    assert (68, 1, 84) in colours(viridis)  # viridis at 0
    assert (68, 1, 84) not in colours(grey)


def test_gif_frames_share_one_palette_with_the_exact_window_colours() -> None:
    animation = Animation(explain(SEED_4X4, 2))
    frames = list(animation.gif_frames())
    assert {f.mode for f in frames} == {"P"}
    for k, frame in enumerate(frames):
        assert rgb(window_colour_at(*divmod(k, 2), 2)) in colours(frame)
        assert rgb(INK) in colours(frame)


def test_save_animation_writes_a_looping_gif(tmp_path: Path) -> None:
    animation = Animation(explain(SEED_4X4, 2))
    path = tmp_path / "windows.gif"
    save_animation(animation.gif_frames(), path, fps=4, dpi=150)
    with Image.open(path) as image:
        assert image.format == "GIF"
        assert image.n_frames == 4
        assert image.info["duration"] == 250
        assert image.info["loop"] == 0
        assert image.size == animation.size
        frames = [f.convert("RGB") for f in ImageSequence.Iterator(image)]
    assert all(len(colours(f)) > 10 for f in frames)


def test_save_animation_writes_the_last_frame_as_png(tmp_path: Path) -> None:
    animation = Animation(explain(SEED_4X4, 2))
    path = tmp_path / "last.png"
    save_animation(iter(animation), path, fps=2, dpi=150)
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert getattr(image, "n_frames", 1) == 1
        shown = image.convert("RGB")
    assert rgb(window_colour_at(1, 1, 2)) in colours(shown)


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failure_while_drawing_leaves_no_file(tmp_path: Path, error: BaseException) -> None:
    animation = Animation(explain(SEED_4X4, 2))

    def failing() -> Iterator[Image.Image]:
        frames = animation.gif_frames()
        yield next(frames)
        yield next(frames)
        raise error

    path = tmp_path / "windows.gif"
    expected = PoolvizRuntimeError if isinstance(error, OSError) else KeyboardInterrupt
    with pytest.raises(expected):
        save_animation(failing(), path, fps=2, dpi=150)
    assert list(tmp_path.iterdir()) == []


# Terminal frames


def render(result: PoolResult, width: int = 80) -> list[str]:
    console = Console(width=width, color_system=None, highlight=False)
    frames = []
    for frame in animation_frames(result, AnimateView(width=width, colour=False)):
        with console.capture() as captured:
            console.print(frame)
        frames.append(captured.get())
    return frames


def test_terminal_frames_mark_the_window_without_colour() -> None:
    frames = render(explain(SEED_4X4, 2))
    assert len(frames) == 4
    lines = [line.rstrip() for line in frames[1].splitlines()]
    assert lines[0] == "MaxPool2D  size 2x2 · stride 2x2 · padding 0"
    # only the window's rows and columns are numbered (the others' headers blank, not the
    # output's · for cells not computed yet), lines fence it in, its max is [v]
    assert lines[1] == "input (1, 4, 4, 1) → output (1, 2, 2, 1)  (batch, height, width, channels)"
    assert lines[4] == "          2  3             0  1"
    assert lines[5] == "0  1  3 │ 2  1    max   0  6 [8]"
    assert lines[6] == "1  5  6 │[8] 4     →    1  ·  ·"
    assert lines[7] == "  ──────┼──────"
    assert lines[8] == "   2  4 │ 7  3"
    assert lines[10] == "between the lines: the window  [v] its max  · not computed yet"
    assert lines[-1] == "window 2 of 4: max(2, 1, 8, 4) = 8 at (1, 2)"
    assert all(len(line) <= 80 for frame in frames for line in frame.splitlines())


def test_the_last_frame_has_no_mark_for_cells_not_computed() -> None:
    lines = [line.rstrip() for line in render(explain(SEED_4X4, 2))[-1].splitlines()]
    assert lines[4:11] == [
        "          2  3             0  1",
        "   1  3 │ 2  1    max   0  6  8",
        "   5  6 │ 8  4     →    1  4 [7]",
        "  ──────┼──────",
        "2  2  4 │[7] 3",
        "3  1  0 │ 3  2",
        "between the lines: the window  [v] its max",
    ]
    assert not any("·" in line for line in lines[4:11])


def test_terminal_frames_fill_the_output_with_the_running_maxima() -> None:
    frames = render(explain(SEED_4X4, 2))
    # the output grid, right of the arrow: computed cells, the current one [v], the rest ·
    outputs = [[line[22:].strip() for line in f.splitlines()[5:7]] for f in frames]
    assert outputs == [
        ["0 [6] ·", "1  ·  ·"],
        ["0  6 [8]", "1  ·  ·"],
        ["0  6  8", "1 [4] ·"],
        ["0  6  8", "1  4 [7]"],
    ]


def test_terminal_frames_of_a_large_input_show_the_window_and_the_output() -> None:
    result = explain(load_sample("digit").array, 2)
    frames = render(result)
    assert len(frames) == 64
    lines = frames[30].splitlines()
    assert lines[3] == "Input 28x28: the window at rows 4-5, columns 4-5"  # window 31
    assert "Input 28x28: the window at rows 4-5, columns 18-19" in frames[33]  # window 38
    assert "window 196 of 196 (4 skipped): " in frames[63]
    assert "Output 14x14" in frames[63]
    assert all(len(line) <= 80 for frame in frames for line in frame.splitlines())


def test_the_ceil_mode_overhang_is_drawn_so_the_window_stays_on_the_grid() -> None:
    x = np.arange(30, dtype=float).reshape(5, 6)
    result = explain(x, 2, 2, dilation=2, ceil_mode=True)  # the last column window reads 4, 6
    assert result.cols.taps(2) == [4, 6]
    animation = Animation(result)
    assert (animation.ph, animation.pw) == (5, 7)  # one column past the input
    assert animation.legend.startswith(
        "thick outline: the window · ringed: its max · hatched: past the edge (−∞)"
    )
    frame = animation.draw(animation.plan[2])
    # nothing of the window's outline between the input grid and the output grid
    gap = frame.crop((animation.grid_in.right + 6, 0, animation.grid_out.x - 6, frame.height))
    assert rgb(window_colour_at(0, 2, 3)) not in colours(gap)
    assert rgb(window_colour_at(0, 2, 3)) in colours(frame)


def test_an_average_leaves_the_overhang_blank_and_says_it_is_not_counted() -> None:
    x = np.arange(25, dtype=float).reshape(5, 5)
    animation = Animation(explain(x, 2, 2, mode="avg", ceil_mode=True))
    assert (animation.ph, animation.pw) == (6, 6)
    assert "hatched: past the edge (not counted)" in animation.legend
    assert caption(animation.result, Frame(8)) == "window 9 of 9: (24) / 1 = 24.00"


def test_the_window_is_outlined_inside_its_cells_as_the_figures_do() -> None:
    from poolviz.render.style import outline_colour

    animation = Animation(explain(SEED_4X4, 2))
    frame = animation.draw(animation.plan[1])  # rows 0-1, columns 2-3
    line = rgb(outline_colour(window_colour_at(0, 1, 2)))
    assert line in colours(frame.crop(frame_box(animation, "in", 0, 2)))
    assert line in colours(frame.crop(frame_box(animation, "in", 1, 3)))
    assert line not in colours(frame.crop(frame_box(animation, "in", 0, 1)))  # left of it
    g = animation.grid_in
    above = frame.crop((g.x, g.y - animation.cell // 4, g.right + 8, g.y))
    right = frame.crop((g.right + 1, g.y, g.right + 8, g.bottom))
    assert line not in colours(above) | colours(right)


@pytest.mark.parametrize(
    ("x", "every_frame"),
    [
        (SEED_4X4, "output: filled as computed"),  # numbers
        (load_sample("digit").array, "checked: output still to come"),  # pictures
    ],
)
def test_the_last_frame_alone_leaves_out_how_the_output_fills_in(
    x: np.ndarray, every_frame: str
) -> None:
    """A GIF's shared legend says how the output fills in (its first frames show output
    still to come); a PNG of the last frame, every output computed, does not."""
    result = explain(x, 2)
    assert (
        Animation(result).legend == f"thick outline: the window · ringed: its max · {every_frame}"
    )
    assert Animation(result, still=True).legend == "thick outline: the window · ringed: its max"


def test_max_captions_write_the_winner_as_the_input_does() -> None:
    x = np.array([[-1.5, 0.2], [0.3, 0.4]])
    assert captions(explain(x, 2)) == [
        "window 1 of 1: max(-1.50, 0.20, 0.30, 0.40) = 0.40 at (1, 1)"
    ]
