"""``poolviz trace``: a model layer by layer, and what it would be without its pooling."""

from __future__ import annotations

from typing import Any

import click

from poolviz.cli import display
from poolviz.cli.options import count_option, json_option, order_option
from poolviz.cli.values import OptionError, OptionType
from poolviz.model import load_model
from poolviz.model.layers import Shape
from poolviz.model.trace import COUNTERFACTUALS, report

EPILOG = """\b
Examples:
  poolviz trace                     the MNIST example model
  poolviz trace resnet18 --batch 32 --compare strided
  poolviz trace "conv 32 3 relu, maxpool 2, conv 64 3 relu, gap, dense 10"
  poolviz trace keras2_cnn          a bundled Keras model
  poolviz trace my_model.json --json
  poolviz trace model.onnx --depth 2   an ONNX file, grouped (poolviz[onnx])
  poolviz trace vgg16 -o vgg16.png  blocks, with and without pooling
"""


class InputShape(OptionType):
    """``HxWxC``, e.g. ``28x28x1``: the per-sample input."""

    name = "HxWxC"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> Shape:
        if isinstance(value, tuple):
            return value
        parts = str(value).lower().split("x")
        try:
            h, w, c = (int(p) for p in parts)
        except ValueError:
            raise OptionError(
                f"--input {value!r} is not HxWxC; use three whole numbers such as 28x28x1",
                ctx,
                param,
            ) from None
        if min(h, w, c) < 1:
            raise OptionError(
                f"--input {value} has a size below 1; use three whole numbers such as 28x28x1",
                ctx,
                param,
            )
        return h, w, c


class Compare(OptionType):
    """``drop``, ``strided``, ``both`` (or ``drop,strided``) or ``none``."""

    name = "drop|strided|both|none"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        words = [w.strip() for w in str(value).lower().split(",")]
        if words == ["none"]:
            return ()
        if words == ["both"]:
            return COUNTERFACTUALS
        unknown = [w for w in words if w not in COUNTERFACTUALS]
        if unknown:
            raise OptionError(
                f"--compare {unknown[0]!r} is not a counterfactual; use drop, "
                "strided, both (drop,strided) or none",
                ctx,
                param,
            )
        return tuple(c for c in COUNTERFACTUALS if c in words)


@click.command(epilog=EPILOG)
@click.argument("model", default="mnist", required=False)
@click.option(
    "--input",
    "input_shape",
    type=InputShape(),
    default=None,
    metavar="HxWxC",
    help="Per-sample input, e.g. 32x32x3. Default: the model's own (28x28x1 for a spec).",
)
@count_option(
    "--batch", low=1, metavar="N", help="Put N in the shapes and multiply MACs and values by it."
)
@click.option(
    "--compare",
    type=Compare(),
    default="both",
    metavar="WHICH",
    show_default=True,
    help="Counterfactuals beside the model: drop, strided, both (drop,strided) or none.",
)
@count_option(
    "--depth",
    low=1,
    metavar="N",
    help="Group layers by the first N parts of their names (/ or a residual block), runs of "
    "identical groups folded. Default: every layer, or grouped to fit 60 lines.",
)
@order_option
@json_option()
@display.figure_options(("png", "svg", "pdf"), cmap=False)
@display.aspect_option
@display.panel_option(
    ("original", "drop", "strided"), "the model alone, or with one counterfactual"
)
def trace(
    model: str,
    input_shape: Shape | None,
    batch: int | None,
    compare: tuple[str, ...],
    depth: int | None,
    as_json: bool,
    **kwargs: Any,
) -> None:
    """Trace a model layer by layer: output shapes, parameters, multiply-accumulates,
    activation values, receptive field; then the same model without its pooling (drop)
    and with pooling folded into convolution strides (strided).

    MODEL is a built-in (mnist, the default; lenet5, alexnet, vgg16, resnet18), a bundled
    Keras model (keras_mnist, keras2_cnn), an ONNX file (.onnx, with the poolviz[onnx]
    extra), a Keras model saved with model.save() (.keras, or .h5 with the poolviz[keras]
    extra) or model.to_json() (a .json file), or a spec string:
    layers separated by commas, from conv FILTERS SIZE [stride S]
    [pad P|same] [ACTIVATION], maxpool and avgpool SIZE [stride S] [pad P],
    adaptiveavgpool and adaptivemaxpool SIZE (the output), fractionalmaxpool SIZE OUTPUT
    (or ratio R), gap, gmp, flatten, dense UNITS [ACTIVATION], dropout RATE, bn,
    zeropad PAD, and relu, tanh, sigmoid...

    With -o, draw the model as blocks sized by their shapes, each counterfactual in a row
    below, aligned layer by layer.
    """
    result = report(load_model(model, input_shape), compare, batch)
    figure = display.figure_from(kwargs)
    if figure is not None:
        from poolviz.render.figure.trace import trace_figure

        figure.save(
            trace_figure(
                result,
                title=figure.title,
                aspect=figure.aspect,
                panel=figure.panel,
                order=display.order(),
                font_scale=figure.font_scale,
            )
        )
        return
    if as_json:
        from poolviz.render.json.trace import trace_json

        display.print_json(trace_json(result))
        return
    from poolviz.render.terminal.trace import TraceView, trace_report

    shown = display.screen()
    view = TraceView(ascii_only=shown.ascii_only, depth=depth, order=shown.order)
    display.print_renderable(trace_report(result, view))
