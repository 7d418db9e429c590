"""``poolviz features``: pooling on a real network's feature maps, checked against the model,
and how much of each pooled layer a shift of the image changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np

from poolviz import loaders
from poolviz.cli import display, options
from poolviz.cli.values import (
    ChannelsType,
    OptionError,
    OptionType,
    SizePair,
    option_name,
)
from poolviz.errors import PoolvizError
from poolviz.features import graph as graphs
from poolviz.features.capture import Capture, pooling_nodes
from poolviz.features.channels import channel_view, select
from poolviz.features.preprocess import fit_channels, fixed_size, input_spec, normalise
from poolviz.features.run import Features, Runner, features, wanted_values
from poolviz.features.shifts import ShiftTable, measure
from poolviz.loaders import Budget
from poolviz.loaders.images import IMAGE_SUFFIXES

FIGURE_FORMATS = ("png", "svg", "pdf")

EPILOG = """\b
Examples:
  poolviz features                  the bundled digit model on the bundled 7
  poolviz features --layer list     its pooling nodes, checked
  poolviz features my7.png          the bundled model on your image
  poolviz features --layer /pool2/MaxPool --channel 0,3,7
  poolviz features --shifts 4 -o shifts.png   how much a shift changes
  poolviz features model.onnx photo.jpg --mean 0.45 --std 0.23
"""


class FloatsType(OptionType):
    """One number, or one per channel separated by commas: ``0.5`` or ``0.485,0.456,0.406``."""

    name = "floats"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[float, ...]:
        if isinstance(value, tuple):
            return value
        try:
            numbers = tuple(float(part) for part in str(value).split(","))
        except ValueError:
            numbers = ()
        if not numbers or not all(np.isfinite(numbers)):
            raise OptionError(
                f"{option_name(param, 'value')} {value!r} is not a number or a list "
                "of numbers; give one value, or one per channel such as 0.485,0.456,0.406",
                ctx,
                param,
            )
        return numbers


@click.command("features", epilog=EPILOG)
@click.argument("model", required=False, metavar="[MODEL]")
@click.argument("image", required=False, metavar="[IMAGE]")
@click.option("--gray", is_flag=True, help="Read the image as one grey channel first.")
@click.option(
    "--resize",
    type=SizePair(),
    metavar="HxW",
    help="Resize the image to HxW, where the model leaves its size open.",
)
@click.option(
    "--mean", type=FloatsType(), default="0", show_default=True, metavar="M[,M,M]",
    help="Subtracted per channel after scaling pixels to 0-1.",
)  # fmt: skip
@click.option(
    "--std", type=FloatsType(), default="1", show_default=True, metavar="S[,S,S]",
    help="Divided by per channel after the mean.",
)  # fmt: skip
@click.option(
    "--layer", metavar="NAME", help="The pooling node to show (default the first); list names them."
)
@click.option(
    "--channel", type=ChannelsType(), metavar="C[,C]", help="Channels to show, e.g. 0,3,7."
)
@options.count_option(
    "--top", low=1, metavar="N", help="Show the N channels with the most activation.  [default: 8]"
)
@options.count_option(
    "--shifts", low=1, high=64, metavar="M",
    help="Measure M shifts of the image (by, 2 by, ...) at every pooling layer instead.",
)  # fmt: skip
@options.shift_options("Pixels per shift; zeros move in, nothing wraps.")
@options.max_memory_option("Refuse a run whose captured maps would need more memory, e.g. 8G.")
@options.order_option
@options.json_option()
@display.figure_options(FIGURE_FORMATS)
def features_command(
    model: str | None,
    image: str | None,
    gray: bool,
    resize: tuple[int, int] | None,
    mean: tuple[float, ...],
    std: tuple[float, ...],
    layer: str | None,
    channel: tuple[int, ...] | None,
    top: int | None,
    shifts: int | None,
    by: int,
    along: str,
    max_memory: int,
    as_json: bool,
    **kwargs: Any,
) -> None:
    """Run MODEL (an ONNX file) on IMAGE and show what each pooling node does to the
    network's own feature maps: the map before pooling with its winners, the pooled map,
    and the share of the map's activation the winners carry. poolviz's engine recomputes
    every pooling node from what the model fed it: max pooling must match bit for bit.

    With no MODEL: a small CNN trained on handwritten digits (bundled), on the bundled 7
    or on IMAGE given alone.
    Without IMAGE: the bundled 7 for a grey model, the bundled photo for a colour one.
    A MODEL needs onnxruntime: pip install 'poolviz[run]'.
    """
    if image is None and model is not None and Path(model).suffix.lower() in IMAGE_SUFFIXES:
        model, image = None, model  # the bundled model on the user's image
    graph = _graph(model)
    pools = pooling_nodes(graph)
    spec = input_spec(graph.input_shape, graph.name)
    # only a model that leaves its input size open takes --resize; features has no --scale
    shrink = None if None not in spec.size else "--resize"
    budget = Budget(max_memory, footprint=2, task="running a model on it", shrink=shrink)
    loaded = _image(image, spec.channels, gray, fixed_size(spec, resize, graph.name), budget)
    scaled, notes = fit_channels(loaded.array, loaded.dtype, spec)
    runner = Runner(graph, wanted_values(pools))
    x = normalise(scaled, spec, mean, std)
    result = features(graph, x, runner, max_memory, shrink)
    chosen = _layer(result, layer)
    input_notes = (*display.source_notes(loaded), *notes)
    if shifts is not None:
        table = measure(
            lambda x: runner.run(normalise(x, spec, mean, std)),
            scaled,
            pools,
            graph.output,
            shifts,
            by,
            along,
        )
        _shifts(result, table, input_notes, as_json, display.figure_from(kwargs))
        return
    if layer == "list":
        _list(result, input_notes, as_json)
        return
    views = [channel_view(chosen, c) for c in select(chosen, channel, top)]
    figure = display.figure_from(kwargs)
    if figure is not None:
        from poolviz.render.figure.features import channels_figure

        figure.save(
            channels_figure(
                result, chosen, views, figure.title, figure.cmap or "magma", display.order()
            )
        )
        return
    if as_json:
        from poolviz.render.json.features import features_json

        display.print_json(features_json(result, chosen, views, input_notes))
        return
    from poolviz.render.terminal.features import features_report

    display.print_renderable(features_report(result, chosen, views, display.demo_view(input_notes)))


def _shifts(
    result: Features,
    table: ShiftTable,
    notes: tuple[str, ...],
    as_json: bool,
    figure: display.FigureArgs | None,
) -> None:
    if figure is not None:
        from poolviz.render.figure.features import shifts_figure

        figure.save(shifts_figure(result, table, figure.title))
        return
    if as_json:
        from poolviz.render.json.features import layers_json, shifts_json

        display.print_json({**layers_json(result, notes), "shifts": shifts_json(table)})
        return
    from poolviz.render.terminal.features import shifts_report

    display.print_renderable(shifts_report(result, table, display.demo_view(notes)))


def _graph(model: str | None) -> graphs.Graph:
    if model is None:
        return graphs.read_bundled()
    path = Path(model)
    if not path.exists():
        raise PoolvizError(f"{model}: no such file; give an ONNX model (.onnx)")
    if path.is_dir():
        raise PoolvizError(f"{model} is a folder; give an ONNX model (.onnx)")
    return graphs.read_onnx(path, model)


def _image(
    image: str | None,
    channels: int | None,
    gray: bool,
    size: tuple[int, int] | None,
    budget: Budget,
) -> loaders.LoadedInput:
    """The image as loaded at ``size`` (refused unread when its float64 copy and the model's
    input would not fit ``budget``); without one, the bundled digit or photo."""
    if image is not None:
        # by its name first: read as a matrix, it would be refused for the resize the model asks
        named = image == "-" or Path(image).suffix.lower() in IMAGE_SUFFIXES
        loaded = loaders.load_path(image, gray=gray, resize=size, budget=budget) if named else None
        if loaded is None or loaded.kind != "image":
            raise PoolvizError(
                f"{image} is not an image; give a png, jpg, bmp, gif, tiff or webp file"
            )
        return loaded
    sample = "photo" if channels == 3 and not gray else "digit"
    return loaders.load_sample(sample, gray=gray, resize=size)


def _layer(result: Features, layer: str | None) -> Capture:
    if layer is None or layer == "list":
        return result.captures[0]
    names = [c.pool.name for c in result.captures]
    if layer not in names:
        raise PoolvizError(
            f"--layer {layer!r} is not a pooling node of {result.graph.name}; use one of "
            f"{', '.join(names)} (--layer list shows them)"
        )
    return result.capture_of(layer)


def _list(result: Features, notes: tuple[str, ...], as_json: bool) -> None:
    if as_json:
        from poolviz.render.json.features import layers_json

        display.print_json(layers_json(result, notes))
        return
    from poolviz.render.terminal.features import layer_list

    display.print_renderable(layer_list(result, display.demo_view(notes)))
