"""``poolviz animate`` end to end through click's runner: the files it writes, the frames it
prints, its errors, and that nothing is left behind after a failure."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageSequence

from poolviz.cli import main
from poolviz.engine.explain import explain
from poolviz.examples import SEED_4X4
from poolviz.render.animation import Animation
from poolviz.render.style import window_colour_at
from tests import cli


def run(*args: str) -> tuple[int, str, str]:
    return cli.run("animate", *args)


def frames_of(path: Path) -> list[Image.Image]:
    with Image.open(path) as image:
        return [frame.convert("RGB") for frame in ImageSequence.Iterator(image)]


def has_colour(image: Image.Image, colour: str) -> bool:
    target = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)])
    return bool(np.all(np.asarray(image) == target, axis=2).any())


def test_default_writes_four_frames_one_per_window(tmp_path: Path) -> None:
    path = tmp_path / "windows.gif"
    code, out, err = run("-o", str(path))
    assert code == 0, err
    with Image.open(path) as image:
        assert image.format == "GIF"
        assert image.n_frames == 4
        assert image.info["duration"] == 500  # --fps 2
        assert image.info["loop"] == 0
        width, height = image.size
    assert out == f"wrote {path} (4 frames, {width}x{height} pixels)\n"
    for k, frame in enumerate(frames_of(path)):
        assert len(frame.getcolors(maxcolors=100_000) or []) > 10  # not blank
        assert has_colour(frame, window_colour_at(*divmod(k, 2), 2))


def test_fps_sets_the_frame_duration(tmp_path: Path) -> None:
    path = tmp_path / "fast.gif"
    assert run("--fps", "10", "-o", str(path))[0] == 0
    with Image.open(path) as image:
        assert image.info["duration"] == 100


def test_more_than_64_windows_make_64_frames(tmp_path: Path) -> None:
    path = tmp_path / "digit.gif"
    code, out, err = run("--sample", "digit", "-o", str(path))  # 14 x 14 = 196 windows
    assert code == 0, err
    with Image.open(path) as image:
        assert image.n_frames == 64
    assert "(64 frames, " in out


def test_png_writes_the_last_frame(tmp_path: Path) -> None:
    gif, png = tmp_path / "windows.gif", tmp_path / "last.png"
    assert run("-o", str(gif))[0] == 0
    code, out, _ = run("-o", str(png))
    assert code == 0
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert not getattr(image, "is_animated", False)
        last = image.convert("RGB")
    assert out.startswith(f"wrote {png} (the last frame, ")
    # the GIF's frame is the same drawing, but for anti-aliased edges rounded to its palette
    # and the legend, which says how the output fills in only in the GIF
    animation = Animation(explain(SEED_4X4, 2), still=True)
    above = animation.legend_y - 2
    differs = (np.asarray(last) != np.asarray(frames_of(gif)[-1])).any(axis=2)
    assert differs[:above].mean() < 0.02
    assert (np.asarray(last) == np.asarray(animation.draw(animation.plan[-1]))).all()


def test_dpi_scales_the_frames(tmp_path: Path) -> None:
    sizes = {}
    for dpi in ("150", "300"):
        path = tmp_path / f"d{dpi}.gif"
        assert run("--dpi", dpi, "-o", str(path))[0] == 0
        with Image.open(path) as image:
            sizes[dpi] = image.size
    assert 1.9 <= sizes["300"][0] / sizes["150"][0] <= 2.1
    assert 1.9 <= sizes["300"][1] / sizes["150"][1] <= 2.1


def test_average_with_padding_and_a_title(tmp_path: Path) -> None:
    path = tmp_path / "avg.gif"
    code, _, err = run(
        "--sample", "seed5x5", "-k", "3", "-s", "2", "-p", "1", "--mode", "avg",
        "--title", "Average pooling", "-o", str(path),
    )  # fmt: skip
    assert code == 0, err
    with Image.open(path) as image:
        assert image.n_frames == 9


def test_photo_with_a_colour_map(tmp_path: Path) -> None:
    path = tmp_path / "photo.gif"
    code, _, err = run("--sample", "photo", "--cmap", "viridis", "-o", str(path))
    assert code == 0, err
    frames = frames_of(path)
    assert len(frames) == 64
    assert has_colour(frames[0], window_colour_at(0, 0, 160))


# The terminal


def test_terminal_prints_one_frame_per_window_with_the_running_max() -> None:
    code, out, _ = run()
    assert code == 0
    assert "\x1b[" not in out  # no colour, no cursor movement
    lines = out.splitlines()
    assert [line for line in lines if line.startswith("window ")] == [
        "window 1 of 4: max(1, 3, 5, 6) = 6 at (1, 1)",
        "window 2 of 4: max(2, 1, 8, 4) = 8 at (1, 2)",
        "window 3 of 4: max(2, 4, 1, 0) = 4 at (2, 1)",
        "window 4 of 4: max(7, 3, 3, 2) = 7 at (2, 2)",
    ]
    assert lines.count("MaxPool2D  size 2x2 · stride 2x2 · padding 0") == 4
    # each frame's output rows, right of the arrow: computed, current [v], still to come ·
    frames = out.split("MaxPool2D  size 2x2 · stride 2x2 · padding 0\n")[1:]
    assert all(
        frame.startswith(
            "input (1, 4, 4, 1) → output (1, 2, 2, 1)  (batch, height, width, channels)\n"
        )
        for frame in frames
    )
    outputs = [[line[22:].strip() for line in frame.splitlines()[4:6]] for frame in frames]
    assert outputs == [
        ["0 [6] ·", "1  ·  ·"],
        ["0  6 [8]", "1  ·  ·"],
        ["0  6  8", "1 [4] ·"],
        ["0  6  8", "1  4 [7]"],
    ]
    assert max(len(line) for line in lines) <= 80


def test_terminal_average_with_padding() -> None:
    code, out, _ = run("--sample", "seed5x5", "-k", "3", "-s", "2", "-p", "1", "--mode", "avg")
    assert code == 0
    assert "window 1 of 9: (0 + 0 + 0 + 0 + 1 + 3 + 0 + 5 + 6) / 9 = 1.67" in out.splitlines()
    assert "window 9 of 9: (2 + 5 + 0 + 4 + 0 + 0 + 0 + 0 + 0) / 9 = 1.22" in out.splitlines()


def test_terminal_spreads_frames_past_64_windows() -> None:
    code, out, _ = run("--sample", "digit")
    assert code == 0
    captions = [line for line in out.splitlines() if line.startswith("window ")]
    assert len(captions) == 64
    assert captions[31] == "window 32 of 196: max(33, 65, 178, 234) = 234 at (5, 7)"
    assert captions[32] == "window 33 of 196: max(69, 96, 238, 240) = 240 at (5, 9)"
    assert captions[33] == "window 38 of 196 (4 skipped): max(205, 193, 236, 247) = 247 at (5, 19)"
    assert captions[63] == "window 196 of 196 (4 skipped): max(0, 0, 0, 0) = 0 at (26, 26)"


def test_the_terminal_path_leaves_out_matplotlib() -> None:
    assert not cli.imports_matplotlib(["animate", "--sample", "photo"])


# Errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--fps", "0"), "error: --fps 0 must be between 1 and 30 frames a second"),
        (("--fps", "31"), "error: --fps 31 must be between 1 and 30 frames a second"),
        (
            ("--fps", "fast"),
            "error: --fps 'fast' is not a number of frames a second; use a whole number from 1 "
            "to 30",
        ),
        (
            ("-o", "windows.avi"),
            "error: --output windows.avi has an unknown extension .avi; use .gif, .apng, .mp4 "
            "or .png",
        ),
        (("--channel", "1"), "error: --channel 1 is out of range; the input has only channel 0"),
    ],
)
def test_bad_options_exit_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    lines = err.splitlines()
    assert lines[0] == message
    assert len(lines) <= 2
    assert "Traceback" not in err and out == ""


def test_a_write_failure_exits_1_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full_disk)
    path = tmp_path / "windows.gif"
    code, _, err = run("-o", str(path))
    assert code == 1
    assert err == f"error: cannot write {path}: no space left on device\n"
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_drawing_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from poolviz.render.animation import Animation

    drawn = []

    def interrupted(self: Animation, frame: object) -> Image.Image:
        if len(drawn) == 3:
            raise KeyboardInterrupt
        drawn.append(frame)
        return Image.new("RGB", (10, 10))

    monkeypatch.setattr(Animation, "draw", interrupted)
    code, _, err = run("-o", str(tmp_path / "windows.gif"))
    assert code == 130
    assert err.strip() == "error: interrupted"  # click starts a new line after ^C
    assert list(tmp_path.iterdir()) == []


def test_help_fits_80_columns_with_examples() -> None:
    result = CliRunner().invoke(main, ["animate", "--help"], terminal_width=80)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    examples = [line for line in lines if line.strip().startswith("poolviz animate")]
    assert len(examples) == 6


def test_a_batch_names_the_item_and_channel_shown(tmp_path: Path) -> None:
    path = tmp_path / "batch.npy"
    np.save(path, np.arange(2 * 4 * 4 * 3, dtype=float).reshape(2, 4, 4, 3))
    code, out, err = run(str(path), "--item", "1", "--channel", "2")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:3] == [
        "MaxPool2D  size 2x2 · stride 2x2 · padding 0",
        "input (2, 4, 4, 3) → output (2, 2, 2, 3)  (batch, height, width, channels)",
        "item 1 of 2, channel 2 of 3",
    ]
    assert lines[-1] == "window 4 of 4: max(80, 83, 92, 95) = 95 at (3, 3)"


def test_uneven_windows_animate_as_they_are(tmp_path: Path) -> None:
    code, out, err = run("--mode", "adaptive-max")
    assert code == 0, err
    assert "window 2 of 9: max(3, 2, 1, 6, 8, 4) = 8 at (1, 2)" in out  # the 2x3 bin
    assert "window 5 of 9: max(6, 8, 4, 4, 7, 3, 0, 3, 2) = 8 at (1, 2)" in out  # 3x3
    path = tmp_path / "f.png"
    code, out, err = run("--mode", "fractional", "-o", str(path))
    assert code == 0, err
    assert out.strip() == f"wrote {path} (the last frame, 776x585 pixels)"


def test_lp_frames_work_each_window_out_as_pytorch(tmp_path: Path) -> None:
    code, out, err = run("--mode", "lp", "--norm-type", "2")
    assert code == 0, err
    lines = out.splitlines()
    assert [line for line in lines if line.startswith("window ")] == [
        "window 1 of 4: 1^2 + 3^2 + 5^2 + 6^2 = 71; 71^(1/2) = 8.43",
        "window 2 of 4: 2^2 + 1^2 + 8^2 + 4^2 = 85; 85^(1/2) = 9.22",
        "window 3 of 4: 2^2 + 4^2 + 1^2 + 0^2 = 21; 21^(1/2) = 4.58",
        "window 4 of 4: 7^2 + 3^2 + 3^2 + 2^2 = 71; 71^(1/2) = 8.43",
    ]
    assert lines.count("LP pooling, p = 2: size 2x2, stride 2x2") == 4
    path = tmp_path / "lp.gif"
    code, out, err = run("--mode", "lp", "-o", str(path))
    assert code == 0, err
    with Image.open(path) as image:
        assert image.n_frames == 4
        width, height = image.size
    assert out == f"wrote {path} (4 frames, {width}x{height} pixels)\n"
    frames = frames_of(path)
    for k, frame in enumerate(frames):
        assert has_colour(frame, window_colour_at(*divmod(k, 2), 2))


def test_blur_frames_are_the_max_stage_then_the_filter(tmp_path: Path) -> None:
    code, out, err = run("--mode", "blur")
    assert code == 0, err
    captions = [line for line in out.splitlines() if line.startswith("window ")]
    assert len(captions) == 13
    assert captions[0] == "window 1 of 9: max(1, 3, 5, 6) = 6"
    assert captions[9].startswith("window 1 of 4: (1·8 + 3·6 + 3·8 + 1·8 + 3·8 + 9·6 ")
    # the sum folds after a "+" with an indent, never with "+" opening the next line
    assert out.splitlines()[-2:] == [
        "window 4 of 4: (1·8 + 3·8 + 3·8 + 1·6 + 3·7 + 9·7 + 9·7 + 3·4 + 3·8 + 9·8 +",
        "  9·8 + 3·6 + 1·8 + 3·8 + 3·8 + 1·6) / 64 = 7.33",
    ]
    path = tmp_path / "blur.gif"
    code, out, err = run("--sample", "digit", "--mode", "blur", "-o", str(path))
    assert code == 0, err
    with Image.open(path) as image:
        assert image.n_frames == 64  # 32 of the 729 max windows, 32 of the 196 filtered
        width, height = image.size
    assert out == f"wrote {path} (64 frames, {width}x{height} pixels)\n"
    png = tmp_path / "blur.png"
    assert run("--mode", "blur", "--filter-size", "3", "-o", str(png))[0] == 0
    with Image.open(png) as image:
        assert not getattr(image, "is_animated", False)


def test_order_prints_shapes_as_pytorch_or_keras(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "photo.npy"
    np.save(path, np.zeros((2, 6, 4, 3)))
    nchw = "input (2, 3, 6, 4) → output (2, 3, 3, 2)  (batch, channels, height, width)"
    nhwc = "input (2, 6, 4, 3) → output (2, 3, 2, 3)  (batch, height, width, channels)"
    code, out, err = run(str(path), "--order", "nchw")
    assert code == 0, err
    assert out.splitlines().count(nchw) == 6  # one a frame
    monkeypatch.setenv("POOLVIZ_ORDER", "nchw")
    assert run(str(path))[1].splitlines()[1] == nchw
    assert run(str(path), "--order", "NHWC")[1].splitlines()[1] == nhwc  # the flag wins
    code, _, err = run(str(path), "--order", "chw")
    assert code == 2 and err.startswith("error: ")
    from poolviz.engine.explain import explain
    from poolviz.render.animation import Animation

    animation = Animation(explain(np.zeros((2, 6, 4, 3)), 2), order="nchw")
    assert animation.shapes.replace("->", "→") == nchw


# Animated PNG and MP4


def test_apng_is_an_animated_png_of_every_frame(tmp_path: Path) -> None:
    path = tmp_path / "windows.apng"
    code, out, err = run("--mode", "blur", "-o", str(path))
    assert code == 0, err
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.is_animated and image.n_frames == 13
        assert image.info["duration"] == 500 and image.info["loop"] == 0
        width, height = image.size
    assert out == f"wrote {path} (13 frames, {width}x{height} pixels)\n"
    frames = frames_of(path)
    assert has_colour(frames[0], window_colour_at(0, 0, 3))  # the max stage's first window
    assert has_colour(frames[-1], window_colour_at(1, 1, 2))  # the filter's last


def test_mp4_without_ffmpeg_says_so_in_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    path = tmp_path / "windows.mp4"
    code, out, err = run("-o", str(path))
    assert (code, out) == (1, "")
    assert err == (
        f"error: cannot write {path}: an MP4 is written by ffmpeg, which is not on PATH; "
        "install ffmpeg, or write .gif or .apng\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_ffmpeg_that_fails_is_quoted_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "ffmpeg"
    fake.write_text("#!/bin/sh\ncat > /dev/null\necho \"Unknown encoder 'libx264'\" >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    path = out_dir / "windows.mp4"
    code, _, err = run("-o", str(path))
    assert code == 1
    assert err == f"error: cannot write {path}: ffmpeg failed: Unknown encoder 'libx264'\n"
    assert list(out_dir.iterdir()) == []


@pytest.mark.skipif(
    shutil.which("ffprobe") is None, reason="ffmpeg (with ffprobe) is not installed"
)
def test_mp4_has_every_frame_at_even_sides(tmp_path: Path) -> None:
    path = tmp_path / "windows.mp4"
    code, out, err = run("--fps", "4", "-o", str(path))
    assert code == 0, err
    assert path.read_bytes()[4:8] == b"ftyp"
    assert out.startswith(f"wrote {path} (4 frames, 496x417 pixels)")
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
         "stream=codec_name,width,height,nb_read_frames,r_frame_rate", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert probe.stdout.strip() == "h264,496,418,4/1,4"  # 417 rows padded to 418


# The gradient flowing back


def test_grad_shows_each_outputs_gradient_reaching_the_input(tmp_path: Path) -> None:
    code, out, err = run("--grad")
    assert code == 0, err
    lines = out.splitlines()
    assert [line for line in lines if line.startswith("window ")] == [
        "window 1 of 4: output (0, 0)'s gradient 1 flows back: +1 to its max (1, 1)",
        "window 2 of 4: output (0, 1)'s gradient 1 flows back: +1 to its max (1, 2)",
        "window 3 of 4: output (1, 0)'s gradient 1 flows back: +1 to its max (2, 1)",
        "window 4 of 4: output (1, 1)'s gradient 1 flows back: +1 to its max (2, 2)",
    ]
    # the last frame: every max has its 1, the arrow points back to the input
    last = [line.rstrip() for line in out.split("\n\n")[-2].splitlines()]
    assert last[2:6] == [
        "   0  0 │ 0  0       max backward   0  1  1",
        "   0  1 │ 1  0            ←         1  1 [1]",
        "  ──────┼──────",
        "2  0  1 │[1] 0",
    ]
    path = tmp_path / "grad.apng"
    code, out, err = run("--grad", "--sample", "digit", "-o", str(path))
    assert code == 0, err
    with Image.open(path) as image:
        assert image.is_animated and image.n_frames == 64
        width, height = image.size
    assert out == f"wrote {path} (64 frames, {width}x{height} pixels)\n"


def test_grad_of_blur_is_refused_in_one_line() -> None:
    code, out, err = run("--grad", "--mode", "blur")
    assert (code, out) == (2, "")
    assert err == (
        "error: --grad shows one stage's gradient flowing back (max, average, adaptive, "
        "fractional or LP pooling); blur pooling's is shown by poolviz grad --mode blur\n"
    )


@pytest.mark.parametrize(("no_colour", "term", "in_place"), [
    (True, "xterm-256color", True),  # NO_COLOR takes the colour away, not the motion
    (False, "xterm-256color", True),
    (True, "dumb", False),  # a dumb terminal cannot move its cursor
])  # fmt: skip
def test_frames_play_in_place_on_a_terminal_that_moves_its_cursor(
    monkeypatch: pytest.MonkeyPatch, no_colour: bool, term: str, in_place: bool
) -> None:
    import io

    from rich.console import Console

    from poolviz.cli import animate as cli_animate
    from poolviz.cli import display
    from poolviz.engine.explain import explain
    from poolviz.examples import SEED_4X4
    from poolviz.render.animation import Story

    monkeypatch.setenv("TERM", term)
    console = Console(file=io.StringIO(), force_terminal=True, no_color=no_colour, width=80)
    shown = display.Screen(console=console, width=80, colour=not no_colour, ascii_only=False,
                           order="nhwc")  # fmt: skip
    monkeypatch.setattr(display, "screen", lambda: shown)
    played: list[int] = []
    monkeypatch.setattr(cli_animate, "_live", lambda out, frames, fps: played.append(len(frames)))
    monkeypatch.setattr(cli_animate.time, "sleep", lambda _: None)
    cli_animate._play([Story(explain(SEED_4X4, 2))], 100, 0, 0)
    assert played == ([4] if in_place else [])
    assert (console.file.getvalue().count("window 4 of 4") == 1) is not in_place  # type: ignore[attr-defined]
