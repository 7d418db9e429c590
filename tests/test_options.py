"""The shared options: each value type's conversions and exact messages, the pooling
arguments handed to the engine, and which input the input options load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np
import pytest

from poolviz.cli import options
from poolviz.cli.values import (
    AtType,
    ChannelsType,
    MatrixType,
    OptionError,
    OutputPath,
    PaddingType,
    SampleType,
    ScaleType,
    SizePair,
    StepsType,
)
from poolviz.engine import pool2d
from poolviz.errors import PoolvizError, PoolvizRuntimeError

SIZES = "a whole number such as 2, or HxW (height first) such as 3x2"
PADDINGS = "a whole number such as 1, HxW (height first) such as 1x0, valid or same"


def message_of(kind: click.ParamType, value: str, param: click.Parameter | None = None) -> str:
    """The message ``kind`` fails with for ``value``."""
    with pytest.raises(OptionError) as err:
        kind.convert(value, param, None)
    return err.value.format_message()


def option(*names: str) -> click.Option:
    return click.Option(list(names))


@pytest.mark.parametrize(
    ("text", "pair"),
    [("2", (2, 2)), ("3x2", (3, 2)), ("3X2", (3, 2)), (" 4 x 1 ", (4, 1)), ("+5", (5, 5))],
)
def test_size_pair_is_height_first(text: str, pair: tuple[int, int]) -> None:
    assert SizePair().convert(text, None, None) == pair


def test_size_pair_passes_converted_values_through() -> None:
    assert SizePair().convert(3, None, None) == (3, 3)
    assert SizePair().convert((1, 2), None, None) == (1, 2)


@pytest.mark.parametrize(
    ("names", "text", "message"),
    [
        (("-k", "--size"), "0", f"--size 0 must be at least 1; use {SIZES}"),
        (("-k", "--size"), "-2", f"--size -2 must be at least 1; use {SIZES}"),
        (("-k", "--size"), "2x0", f"--size 2x0 must be at least 1; use {SIZES}"),
        (("-k", "--size"), "two", f"--size 'two' is not a size; use {SIZES}"),
        (("-k", "--size"), "2.5", f"--size '2.5' is not a size; use {SIZES}"),
        (("-k", "--size"), "3x2x1", f"--size '3x2x1' is not a size; use {SIZES}"),
        (("-k", "--size"), "", f"--size '' is not a size; use {SIZES}"),
        (("-s", "--stride"), "0", f"--stride 0 must be at least 1; use {SIZES}"),
        (("-s", "--stride"), "-1x1", f"--stride -1x1 must be at least 1; use {SIZES}"),
        (("-d", "--dilation"), "0", f"--dilation 0 must be at least 1; use {SIZES}"),
        (("-d", "--dilation"), "x", f"--dilation 'x' is not a size; use {SIZES}"),
    ],
)
def test_size_pair_messages(names: tuple[str, ...], text: str, message: str) -> None:
    assert message_of(SizePair(), text, option(*names)) == message


@pytest.mark.parametrize(
    ("text", "padding"),
    [
        ("0", 0),
        ("1", 1),
        ("1x0", (1, 0)),
        ("0, 1,1,0", (0, 1, 1, 0)),
        ("valid", "valid"),
        ("SAME", "same"),
        ("same_lower", "same_lower"),
    ],
)
def test_padding(text: str, padding: int | tuple[int, ...] | str) -> None:
    assert PaddingType().convert(text, None, None) == padding


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", f"--padding -1 must be 0 or more; use {PADDINGS}"),
        ("1x-1", f"--padding 1x-1 must be 0 or more; use {PADDINGS}"),
        ("full", f"--padding 'full' is not a padding; use {PADDINGS}"),
        (
            "0,1,-1,0",
            "--padding '0,1,-1,0' is not a padding per side; use four whole numbers "
            "TOP,LEFT,BOTTOM,RIGHT such as 0,1,1,0 (padding per side)",
        ),
    ],
)
def test_padding_messages(text: str, message: str) -> None:
    assert message_of(PaddingType(), text, option("-p", "--padding")) == message


def test_matrix_type_parses_and_reports_like_the_parser() -> None:
    assert MatrixType().convert("1 2; 3 4", None, None).tolist() == [[1, 2], [3, 4]]
    assert message_of(MatrixType(), "1 x") == "'x' at row 1, column 2 is not a number"


def test_at_type() -> None:
    assert AtType().convert("1,2", None, None) == (1, 2)
    assert AtType().convert(" 0 , 0 ", None, None) == (0, 0)
    at = option("--at")
    accepted = "use ROW,COL counted from 0, such as 0,1"
    assert message_of(AtType(), "1", at) == f"--at '1' is not a cell; {accepted}"
    assert message_of(AtType(), "a,b", at) == f"--at 'a,b' is not a cell; {accepted}"
    assert (
        message_of(AtType(), "-1,0", at) == f"--at -1,0: rows and columns count from 0; {accepted}"
    )


def test_channels_type() -> None:
    assert ChannelsType().convert("0,2", None, None) == (0, 2)
    assert ChannelsType().convert("1", None, None) == (1,)
    channel = option("--channel")
    accepted = "use channel numbers counted from 0, such as 0 or 0,2"
    assert (
        message_of(ChannelsType(), "red", channel)
        == f"--channel 'red' is not a list of channels; {accepted}"
    )
    assert (
        message_of(ChannelsType(), "-1", channel)
        == f"--channel -1: channels count from 0; {accepted}"
    )
    assert (
        message_of(ChannelsType(), "0,1,0", channel)
        == f"--channel 0,1,0 names channel 0 twice; {accepted}"
    )


@pytest.mark.parametrize(
    "kind", [SizePair(), PaddingType(), AtType(), ChannelsType(), StepsType(), ScaleType()]
)
def test_huge_numbers_are_messages_not_crashes(kind: click.ParamType) -> None:
    with pytest.raises(OptionError):
        kind.convert("9" * 5000, None, None)


def test_steps_type() -> None:
    assert StepsType().convert("8", None, None) == 8
    assert StepsType().convert("0", None, None) == 0
    assert StepsType().convert("ALL", None, None) == "all"
    assert (
        message_of(StepsType(), "-3", option("--steps"))
        == "--steps '-3' is not a number of steps; use a whole number, or all"
    )


def test_scale_type() -> None:
    assert ScaleType().convert("0.25", None, None) == 0.25
    for bad in ("0", "-1", "nan", "inf", "half"):
        assert (
            message_of(ScaleType(), bad, option("--scale"))
            == f"--scale {bad!r} is not a scale factor; use a number above 0 such as 0.5"
        )


def test_sample_type() -> None:
    assert SampleType().convert("digit", None, None) == "digit"
    assert SampleType().convert("list", None, None) == "list"
    assert message_of(SampleType(), "cat", option("--sample")) == (
        "--sample 'cat' is not a sample; use one of digit, edge, photo, rgb8x8, seed4x4, "
        "seed5x5 or list"
    )


def test_output_path(tmp_path: Path) -> None:
    kind = OutputPath(("png", "svg", "pdf"))
    out = option("-o", "--output")
    assert kind.convert(str(tmp_path / "a.PNG"), out, None) == tmp_path / "a.PNG"
    assert (
        message_of(kind, str(tmp_path / "a.jpg"), out)
        == f"--output {tmp_path / 'a.jpg'} has an unknown extension .jpg; use .png, .svg or .pdf"
    )
    assert (
        message_of(kind, str(tmp_path / "a"), out)
        == f"--output {tmp_path / 'a'} has no extension; use .png, .svg or .pdf"
    )
    assert message_of(kind, str(tmp_path / "no" / "a.png"), out) == (
        f"--output {tmp_path / 'no' / 'a.png'}: the folder {tmp_path / 'no'} does not exist; "
        "create it first"
    )
    (tmp_path / "file.txt").write_text("")
    assert (
        message_of(kind, str(tmp_path / "file.txt" / "a.png"), out)
        == f"--output {tmp_path / 'file.txt' / 'a.png'}: {tmp_path / 'file.txt'} is not a folder"
    )
    (tmp_path / "d.png").mkdir()
    assert (
        message_of(kind, str(tmp_path / "d.png"), out)
        == f"--output {tmp_path / 'd.png'} is a folder; give a file name ending in .png, .svg or .pdf"
    )


def test_output_path_for_animations() -> None:
    assert (
        message_of(OutputPath(("gif", "png")), "a.mp4", option("-o", "--output"))
        == "--output a.mp4 has an unknown extension .mp4; use .gif or .png"
    )


# Pooling arguments


def test_pooling_args_feed_the_engine() -> None:
    args = options.pooling_from(_parsed(options.pooling_options, []))
    x = np.array([[1, 3, 2, 1], [5, 6, 8, 4], [2, 4, 7, 3], [1, 0, 3, 2]], float)
    assert pool2d(x, **args).tolist() == [[6, 8], [4, 7]]


def _parsed(decorator: Any, argv: list[str]) -> dict[str, Any]:
    """The keyword arguments a command with ``decorator``'s options receives for ``argv``."""
    received: dict[str, Any] = {}

    @click.command()
    @decorator
    def command(**kwargs: Any) -> None:
        received.update(kwargs)

    command.main(argv, standalone_mode=False)
    return received


def test_pooling_option_defaults() -> None:
    args = options.pooling_from(_parsed(options.pooling_options, []))
    assert args == {
        "size": (2, 2),
        "stride": None,
        "padding": 0,
        "dilation": (1, 1),
        "ceil_mode": False,
        "count_include_pad": True,
    }


def test_pooling_options_given() -> None:
    argv = ["-k", "3x2", "-s", "1", "-p", "same", "-d", "2", "--ceil-mode",
            "--no-count-include-pad"]  # fmt: skip
    args = options.pooling_from(_parsed(options.pooling_options, argv))
    assert args == {
        "size": (3, 2),
        "stride": (1, 1),
        "padding": "same",
        "dilation": (2, 2),
        "ceil_mode": True,
        "count_include_pad": False,
    }


# Input


def test_no_input_means_the_worked_example() -> None:
    assert options.load_input_from(_parsed(options.input_options, [])) is None


def test_inline_matrix_input() -> None:
    loaded = options.load_input_from(_parsed(options.input_options, ["-m", "1 2; 3 4"]))
    assert loaded is not None
    assert (loaded.name, loaded.kind, loaded.dtype, loaded.source_shape) == (
        "matrix",
        "inline",
        "float64",
        (2, 2),
    )


def test_path_input(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.ones((1, 3, 8, 8)))
    kwargs = _parsed(options.input_options, [str(tmp_path / "a.npy"), "--layout", "NCHW"])
    loaded = options.load_input_from(kwargs)
    assert loaded is not None and loaded.array.shape == (1, 8, 8, 3)


def test_sample_input_with_image_options() -> None:
    kwargs = _parsed(options.input_options, ["--sample", "photo", "--gray", "--scale", "0.1"])
    loaded = options.load_input_from(kwargs)
    assert loaded is not None
    assert (loaded.name, loaded.kind, loaded.array.shape) == ("photo.jpg", "sample", (24, 32))


def test_sample_list_prints_and_stops(capsys: pytest.CaptureFixture[str]) -> None:
    @click.command()
    @options.input_options
    def command(**kwargs: Any) -> None:
        raise AssertionError("the command ran")

    assert command.main(["--sample", "list"], standalone_mode=False) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "digit", "edge", "photo", "rgb8x8", "seed4x4", "seed5x5"
    ]  # fmt: skip
    assert lines[0] == "digit    a handwritten-style 7, 28x28 greyscale (0-255), MNIST-sized"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x.png", "-m", "1"], "give one input, not INPUT and -m/--matrix"),
        (["-m", "1", "--sample", "digit"], "give one input, not -m/--matrix and --sample"),
        (["--gray"], "--gray needs an input; give INPUT or --sample"),
        (["--resize", "2x2"], "--resize needs an input; give INPUT or --sample"),
        (["--layout", "nchw"], "--layout nchw needs an input; give INPUT or --sample"),
        (["-m", "1", "--scale", "2"], "--scale applies to images, not an inline matrix"),
        (
            ["-m", "1", "--layout", "nchw"],
            "--layout nchw applies to .npy and .npz arrays, not an inline matrix",
        ),
    ],
)
def test_input_conflicts_are_usage_errors(argv: list[str], message: str) -> None:
    kwargs = _parsed(options.input_options, argv)
    with pytest.raises(PoolvizError) as err:
        options.load_input_from(kwargs)
    assert err.value.exit_code == 2
    assert not isinstance(err.value, PoolvizRuntimeError)
    assert err.value.message == message
