"""``poolviz animate``: the window moving over the input, one frame per window, written as a
GIF (or the last frame as a PNG) or played in the terminal."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console, RenderableType

from poolviz.cli import display, modes, options, values

if TYPE_CHECKING:
    from collections.abc import Iterable

    from PIL import Image

    from poolviz.render.animation.story import Story

FPS_RANGE = (1, 30)
"""Frames a second ``--fps`` accepts: slower than 1 is a slide show, faster than 30 is more
than GIF viewers show."""

EPILOG = """\b
Examples:
  poolviz animate                   the worked 4x4: four windows, four frames
  poolviz animate --sample seed5x5 -k 3 -s 2 -o windows.gif
  poolviz animate --sample digit --fps 8 --dpi 300 -o digit.gif
  poolviz animate --mode adaptive-max -o bins.gif  overlapping bins
  poolviz animate --mode blur -o blur.gif   the stride-1 max, then the filter
  poolviz animate --grad -o grad.apng       the gradient flowing back
"""


class FpsType(click.ParamType[int, Any]):
    """Frames a second: a whole number in :data:`FPS_RANGE`."""

    name = "fps"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        low, high = FPS_RANGE
        accepted = f"use a whole number from {low} to {high}"
        try:
            fps = value if isinstance(value, int) else int(str(value).strip())
        except ValueError:
            raise values.OptionError(
                f"--fps {value!r} is not a number of frames a second; {accepted}", ctx, param
            ) from None
        if not low <= fps <= high:
            raise values.OptionError(
                f"--fps {fps} must be between {low} and {high} frames a second", ctx, param
            )
        return fps


@click.command(epilog=EPILOG)
@options.input_options
@options.pooling_options
@options.pool_mode_option
@options.seed_option("Seed of fractional pooling's samples (0 or more, as NumPy takes).")
@click.option(
    "--fps",
    type=FpsType(),
    default=2,
    show_default=True,
    metavar="N",
    help=f"Frames a second, {FPS_RANGE[0]}-{FPS_RANGE[1]}.",
)
@click.option(
    "--grad",
    is_flag=True,
    help="Show the gradient flowing back instead, window by window: each output's gradient "
    "1 (as for the sum of the outputs) reaching the input as the backward pass routes it.",
)
@display.item_option
@display.channel_option("Channel shown.")
@options.order_option
@display.figure_options(("gif", "apng", "mp4", "png"), look=False)
def animate(seed: int, fps: int, grad: bool, item: int, channel: int, **kwargs: Any) -> None:
    """Show pooling one window at a time: the window moving over the input, its max (or
    mean) worked out, and the output filling in. LP pooling raises each cell to the power
    p, sums and takes the root; blur pooling shows its stride-1 max, then its filter
    stepping over the reflect-padded max map.

    With -o a GIF, an animated PNG (.apng) or, where ffmpeg is installed, an MP4 of
    every frame (or a PNG of the last); without, the frames play in the terminal. Runs of
    more than 64 windows show the first 32 one by one, then 32 spread evenly over the rest
    up to the last. --dpi scales the frames (300 doubles 150); --cmap
    colours inputs too large for numbers, drawn as pictures.

    With no INPUT: the worked 4x4 example (adaptive modes a 5x5 to 3x3, fractional a 7x7 to
    4x4). INPUT is an image, a .npy/.npz array, a text matrix, or - for standard input.
    """
    loaded = options.load_input_from(kwargs)
    x = modes.example(kwargs["mode"]).array if loaded is None else loaded.array
    run = modes.run_mode(x, kwargs, seed, example_run=loaded is None)
    display.ViewArgs(item, (channel,), None, None).check(run.input.shape, run.output.shape)
    from poolviz.render.animation.stages import stories

    told = stories(run, grad)
    figure = display.figure_from(kwargs)
    if figure is None:
        _play(told, fps, item, channel)
        return
    from rich.progress import Progress

    from poolviz.render.animation import Animation, Film, save_animation
    from poolviz.render.animation.save import ffmpeg

    suffix = figure.path.suffix.lower()
    last_only = suffix == ".png"
    animation = Film(
        [
            Animation(
                story,
                item=item,
                channel=channel,
                dpi=figure.dpi,
                title=figure.title,
                cmap=figure.cmap,
                order=display.order(),
                still=last_only,
            )
            for story in told
        ]
    )
    if suffix == ".mp4":
        ffmpeg(figure.path)  # before drawing: say at once that there is none
    count = 1 if last_only else len(animation)
    frames: Iterable[Image.Image]
    if last_only:
        frames = [animation.last()]
    else:
        frames = animation.gif_frames() if suffix == ".gif" else iter(animation)
    # the bar is drawn on stderr, and only for a person watching it
    with Progress(
        console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()
    ) as progress:
        shown = progress.track(frames, total=count, description="drawing frames")
        save_animation(shown, figure.path, fps, figure.dpi)
    width, height = animation.size
    what = "the last frame" if last_only else f"{count} frame{'s' if count > 1 else ''}"
    click.echo(f"wrote {figure.path} ({what}, {width}x{height} pixels)")


def _play(told: list[Story], fps: int, item: int, channel: int) -> None:
    """The frames in the terminal: in place, at ``fps``, when stdout is a terminal that moves
    its cursor (``NO_COLOR`` takes the colour away, not the motion); otherwise printed one
    after another with no cursor movement (into a pipe or a file, on a dumb terminal)."""
    from poolviz.render.terminal.animate import AnimateView, animation_frames

    shown = display.screen()
    out = shown.console
    live = out.is_terminal and not out.is_dumb_terminal and not shown.ascii_only
    view = AnimateView(
        item=item,
        channel=channel,
        width=shown.width,
        height=out.height if live else None,
        colour=shown.colour,
        ascii_only=shown.ascii_only,
        order=shown.order,
    )
    frames = animation_frames(told, view)
    if live:
        _live(out, frames, fps)
        return
    for k, frame in enumerate(frames):
        if k:
            click.echo()
            if out.is_terminal:
                time.sleep(1 / fps)
        display.print_renderable(frame)


def _live(out: Console, frames: list[RenderableType], fps: int) -> None:
    """Each frame in place of the last, ``1 / fps`` seconds apart; the last one stays."""
    from rich.live import Live

    with Live(frames[0], console=out, auto_refresh=False) as live:
        for frame in frames[1:]:
            time.sleep(1 / fps)
            live.update(frame, refresh=True)
