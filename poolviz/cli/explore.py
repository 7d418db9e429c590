"""``poolviz explore``: turn the knobs of a pooling layer with single keys and watch every
pane change.

This module holds the command and :class:`Explorer`, the state the keys change: each change
is checked by ``poolviz pool``'s own option parser and then run by the engine, so a refusal
is worded as the command line's (and the last valid view stays); the Textual app that shows it
is imported only when a terminal is there to show it.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np

from poolviz.cli import display, options
from poolviz.cli.modes import TAKES, check_options, example, run_mode
from poolviz.cli.values import AtType
from poolviz.engine.explain import PoolResult, explain
from poolviz.engine.geometry import MODES
from poolviz.errors import PoolvizError
from poolviz.examples import SEED_4X4, SEED_4X4_NAME

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from poolviz.engine.blur import BlurRun
    from poolviz.engine.gradient import GradResult
    from poolviz.engine.lp import LPRun
    from poolviz.render.terminal.explore_kinds import Kind

EPILOG = """\b
Examples:
  poolviz explore                   the worked 4x4; ? lists the keys
  poolviz explore --sample seed5x5 -k 3 -s 2
  poolviz explore --sample seed5x5 --mode adaptive-avg --output-size 3
  poolviz explore photo.jpg --scale 0.25
"""

Pair = tuple[int, int]

AXES = ("both", "height", "width")
"""Which axes the size, stride, padding and dilation keys change, in the order ``a`` cycles."""

VIEWS = ("pool", "gradient", "unpooling")
"""What the lower panes show: the pooling, ``poolviz grad``'s routing map, or unpooling."""

PADDINGS: tuple[str, ...] = ("same", "valid")
"""The padding words, below 0 on the ladder the padding keys walk: ``2, 1, 0, valid,
same``."""


@dataclass(frozen=True)
class Knobs:
    """A pooling configuration as ``poolviz pool`` takes it on the command line."""

    size: Pair = (2, 2)
    stride: Pair | None = None
    """None: the window size, as the command line's default."""
    padding: int | Pair | str = 0
    dilation: Pair = (1, 1)
    ceil_mode: bool = False
    count_include_pad: bool = True
    mode: str = "max"
    norm_type: float = 2.0
    """LP pooling's power p."""
    filter_size: int = 4
    """Blur pooling's filter taps."""
    output_size: Pair = (3, 3)
    """Adaptive and fractional pooling's output size."""
    seed: int = 0
    """Fractional pooling's seed."""

    def args(self, given: Collection[str] = ()) -> list[str]:
        """The ``poolviz pool`` options giving this configuration, defaults left out: those
        the mode takes (:data:`poolviz.cli.modes.TAKES`), the others kept for the modes that
        do, unless ``given`` names them (a key changed one: the command line refuses it in
        its own words)."""
        takes = {*TAKES.get(self.mode, ()), *given}
        args = ["-k", _pair_text(self.size)] if "size" in takes else []
        if "stride" in takes and self.stride is not None and self.stride != self.size:
            args += ["-s", _pair_text(self.stride)]
        if "padding" in takes and self.padding != 0:
            args += ["-p", _padding_text(self.padding)]
        if "dilation" in takes and self.dilation != (1, 1):
            args += ["-d", _pair_text(self.dilation)]
        if "ceil_mode" in takes and self.ceil_mode:
            args.append("--ceil-mode")
        if "count_include_pad" in takes and not self.count_include_pad:
            args.append("--no-count-include-pad")
        if self.mode != "max":
            args += ["--mode", self.mode]
        if "output_size" in takes:
            args += ["--output-size", _pair_text(self.output_size)]
        if "norm_type" in takes and self.norm_type != 2.0:
            args += ["--norm-type", f"{self.norm_type:g}"]
        if "filter_size" in takes and self.filter_size != 4:
            args += ["--filter-size", str(self.filter_size)]
        if self.mode == "fractional" and self.seed:
            args += ["--seed", str(self.seed)]
        return args

    def file_name(self, view: str) -> str:
        """``poolviz-k3-s1-p1.png``: the configuration the mode takes, as a PNG's name."""
        takes = TAKES.get(self.mode, TAKES["max"])
        stride = self.size if self.stride is None else self.stride
        parts = ["poolviz"] + ([] if view == "pool" else [view])
        if "size" in takes:
            parts.append(f"k{_pair_text(self.size)}")
        if "stride" in takes:
            parts.append(f"s{_pair_text(stride)}")
        if "padding" in takes:
            parts.append(f"p{_padding_text(self.padding)}")
        if "dilation" in takes and self.dilation != (1, 1):
            parts.append(f"d{_pair_text(self.dilation)}")
        if "ceil_mode" in takes and self.ceil_mode:
            parts.append("ceil")
        if "output_size" in takes:
            parts.append(f"o{_pair_text(self.output_size)}")
        if self.mode != "max":
            parts.append(self.mode)
        if self.mode == "avg" and not self.count_include_pad:
            parts.append("nopad")
        if self.mode == "lp":
            parts.append(f"p{self.norm_type:g}")
        if self.mode == "blur":
            parts.append(f"f{self.filter_size}")
        if self.mode == "fractional" and self.seed:
            parts.append(f"seed{self.seed}")
        return "-".join(parts) + ".png"


def _pair_text(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


def _padding_text(padding: int | Pair | str) -> str:
    if isinstance(padding, tuple):
        return _pair_text(padding)
    return str(padding)


def pool_modes() -> tuple[str, ...]:
    """The modes ``m`` cycles through: the ``--mode`` choices of ``poolviz pool``, so a mode
    appears here once it lands."""
    from poolviz.cli.pool import pool

    for param in pool.params:
        if param.name == "mode" and isinstance(param.type, click.Choice):
            return tuple(str(choice) for choice in param.type.choices)
    return MODES


def check(
    x: np.ndarray, knobs: Knobs, given: Collection[str] = ()
) -> tuple[PoolResult, Kind | None]:
    """Run ``knobs`` as ``poolviz pool`` would: parsed by its own options (``given`` as in
    :meth:`Knobs.args`), then pooled by its own dispatch of ``--mode``; a refusal is a
    :class:`PoolvizError` worded as the command line's ``error:``. LP and blur pooling
    come with their :class:`Kind` (see :func:`kind_windows`)."""
    from poolviz.cli.app import _click_message
    from poolviz.cli.pool import pool

    try:
        ctx = pool.make_context("pool", knobs.args(given))
    except click.ClickException as err:
        raise PoolvizError(_click_message(err)) from None
    with ctx:  # the mode's checks ask the context which options were given
        run = run_mode(x, ctx.params, ctx.params["seed"])
    return (run, None) if isinstance(run, PoolResult) else kind_windows(run)


def kind_windows(run: LPRun | BlurRun) -> tuple[PoolResult, Kind]:
    """LP or blur pooling as windows the panes can draw: the engine's windows that make each
    output (LP: max pooling's geometry over the input, no padding; blur: the filter's over
    the reflect-padded max map) with the kind's output in place of their own, and no
    winners."""
    from poolviz.engine.blur import BlurRun
    from poolviz.render.terminal.explore_kinds import Kind

    if isinstance(run, BlurRun):
        windows = explain(run.padded, run.filter_size, run.stride)
        stage = explain(run.input, run.size, 1)
        kind = Kind(run, (stage.formula["h"], stage.formula["w"]))
    else:
        windows = explain(run.input, run.size, run.stride, ceil_mode=run.ceil_mode)
        kind = Kind(run)
    return replace(windows, output=run.output, indices=None, input_ndim=run.input_ndim), kind


class Explorer:
    """What ``poolviz explore`` shows and the changes its keys make.

    Every action changes the requested configuration and runs it (:func:`check`); a refused
    one leaves the configuration and the result as they were and keeps the refusal in
    :attr:`error` until the next action. Nothing here draws.
    """

    def __init__(
        self,
        x: np.ndarray,
        knobs: Knobs,
        *,
        source: list[str] | None = None,
        item: int = 0,
        channel: int = 0,
        at: Pair = (0, 0),
    ) -> None:
        self.x = x
        self.source = source or []
        """The input options of the equivalent command line (empty for the worked 4x4)."""
        self.item = item
        self.modes = pool_modes()
        self.start = knobs
        self.knobs = knobs
        self.result, self.kind = check(x, knobs)
        """The last valid run: what the panes show (with its :class:`Kind`, LP or blur)."""
        self.at = _clamp(at, self.result)
        self.start_at = self.at
        self.channel = channel
        self.axes = AXES[0]
        self.view = VIEWS[0]
        self.error: str | None = None
        """The last refusal, in the command line's words; None after an accepted action."""
        self.message: str | None = None
        """What the last action did that the panes do not show (a file written)."""
        self._grad: GradResult | None = None

    @property
    def channels(self) -> int:
        return int(self.result.input.shape[3])

    @property
    def padding_label(self) -> str:
        """The padding as the keys set it: a number, HxW, ``valid`` or ``same``."""
        return _padding_text(self.knobs.padding)

    @property
    def shown_kind(self) -> Kind | None:
        """:attr:`kind`, with its gradient (ones upstream) once the gradient view shows."""
        if self.kind is not None and self.view == "gradient" and self.kind.gradient is None:
            upstream = np.ones_like(self.kind.run.output)
            self.kind = replace(self.kind, gradient=self.kind.run.backward(upstream))
        return self.kind

    @property
    def grad(self) -> GradResult:
        """The backward pass of the current result (ones upstream), built when first shown."""
        if self._grad is None or self._grad.forward is not self.result:
            from poolviz.engine.gradient import gradient, upstream_gradient

            self._grad = gradient(self.result, upstream_gradient(self.result, "ones"))
        return self._grad

    def _try(self, knobs: Knobs, given: Collection[str] = ()) -> bool:
        """Run ``knobs`` (``given``: the knob a key changed, see :meth:`Knobs.args`); keep
        them and their result if accepted, else keep the refusal."""
        try:
            result, kind = check(self.x, knobs, given)
        except PoolvizError as err:
            self.error = err.message
            return False
        self.knobs, self.result, self.kind, self.error = knobs, result, kind, None
        self.at = _clamp(self.at, result)
        return True

    def _begin(self) -> None:
        self.error = self.message = None

    # the actions the keys call (the app names them action_<name>)

    def move(self, di: int, dj: int) -> None:
        """Move the current output cell, staying inside the output."""
        self._begin()
        i, j = self.at
        self.at = _clamp((i + di, j + dj), self.result)

    def change(self, knob: str, step: int) -> None:
        """Raise (``step`` 1) or lower (-1) ``size``, ``stride``, ``padding``,
        ``dilation`` or ``output_size`` along the axes chosen with :meth:`cycle_axes`, LP's
        ``norm_type`` or blur's ``filter_size``; a knob the mode does not take is refused in
        the command line's words."""
        self._begin()
        k = self.knobs
        changed: dict[str, Any]
        if knob in ("norm_type", "filter_size"):
            changed = {knob: getattr(k, knob) + step}
        elif knob == "padding":
            changed = {knob: _next_padding(k.padding, step, self.axes)}
        else:
            current = k.size if knob == "stride" and k.stride is None else getattr(k, knob)
            changed = {knob: _bump(current, step, self.axes)}
        self._try(replace(k, **changed), given=(knob,))

    def toggle(self, knob: str) -> None:
        """Switch ``ceil_mode`` or ``count_include_pad``."""
        self._begin()
        changed: dict[str, Any] = {knob: not getattr(self.knobs, knob)}
        self._try(replace(self.knobs, **changed), given=(knob,))

    def cycle_mode(self) -> None:
        """The next mode the command line offers that the current geometry allows; the
        modes it skipped are named with their refusal."""
        self._begin()
        k = self.knobs
        start = self.modes.index(k.mode) if k.mode in self.modes else -1
        refused = []
        for offset in range(1, len(self.modes)):
            mode = self.modes[(start + offset) % len(self.modes)]
            if self._try(replace(k, mode=mode)):
                break
            refused.append(f"{mode}: {self.error}")
        if refused and self.error is None:
            self.message = "skipped " + "; ".join(refused)
        elif refused:
            self.error = "; ".join(refused)

    def cycle_axes(self) -> None:
        """Both axes, height only, width only: what the size, stride, padding and dilation
        keys change (so 3x2 windows are reachable)."""
        self._begin()
        self.axes = AXES[(AXES.index(self.axes) + 1) % len(AXES)]

    def switch_view(self, view: str) -> None:
        """Show ``view`` in the lower panes, or the pooling again if it is shown."""
        self._begin()
        self.view = VIEWS[0] if self.view == view else view

    def cycle_channel(self, step: int) -> None:
        """The next (1) or previous (-1) channel, round."""
        self._begin()
        self.channel = (self.channel + step) % self.channels

    def reset(self) -> None:
        """The configuration, cell, axes and view the explorer started with."""
        self._begin()
        self.knobs = self.start
        self.result, self.kind = check(self.x, self.start)
        self.at, self.axes, self.view = self.start_at, AXES[0], VIEWS[0]

    def write_png(self, folder: Path | None = None) -> Path:
        """Write the current view as a PNG named after the configuration, through the
        figures ``poolviz pool -o`` and ``poolviz grad -o`` draw, in ``folder`` (the current
        one if None); returns its path (relative, as given, for the current folder)."""
        name = self.knobs.file_name(self.view)
        path = Path(name) if folder is None else folder / name
        if self.kind is not None:
            figure = self._kind_figure(self.kind)
        elif self.view == "pool":
            from poolviz.render.figure.pool import pool_figure

            figure = pool_figure(self.result, item=self.item, channel=self.channel, at=self.at)
        else:
            from poolviz.render.figure.grad import grad_figure

            figure = grad_figure(self.grad, item=self.item, channel=self.channel)
        from poolviz.render.figure.save import save_figure

        save_figure(figure, path)
        return path

    def try_write_png(self) -> tuple[Path | None, str | None]:
        """:meth:`write_png` for the ``w`` key: the path written, or None and why not in the
        command line's words (its one-line internal error for a bug), so that no failure of a
        figure ends the session."""
        from poolviz.cli.app import _internal_error

        try:
            return self.write_png(), None
        except PoolvizError as err:
            return None, err.message
        except OSError as err:
            return None, str(err)
        except Exception as err:  # a bug in a figure: said in the status line, as the CLI says it
            return None, _internal_error(err)

    def _kind_figure(self, kind: Kind) -> Figure:
        """LP or blur pooling's figure: ``poolviz pool --mode lp|blur -o``'s for the pooling
        view, ``poolviz grad --mode lp|blur -o``'s (ones upstream) for the gradient and
        unpooling views, as :meth:`command_line` names them."""
        run = kind.run
        if self.view == "pool":
            from poolviz.cli.pool_lp_blur import drawing

            return drawing(run).figure(run, at=self.at, channel=self.channel)
        from poolviz.render.figure.lp_blur_grad import lp_blur_grad_figure

        upstream = np.ones_like(run.output)
        grad = run.backward(upstream) if kind.gradient is None else kind.gradient
        return lp_blur_grad_figure(run, upstream, grad, "ones", channel=self.channel)

    def command_line(self) -> str:
        """The ``poolviz pool`` (or ``grad``) command line showing what is on screen; the
        worked 4x4 named as ``--sample seed4x4`` where the command shows another example
        without an input (``grad``'s 5x5, adaptive and fractional pooling's)."""
        command = "pool" if self.view == "pool" else "grad"
        source = self.source
        if not source and example(self.knobs.mode, command).name != SEED_4X4_NAME:
            source = ["--sample", "seed4x4"]  # the command's own example is another input
        args = ["poolviz", command, *source, *self.knobs.args()]
        if self.item:
            args += ["--item", str(self.item)]
        if self.channels > 1:
            args += ["--channel", str(self.channel)]
        args += ["--at", f"{self.at[0]},{self.at[1]}"]
        return shlex.join(args)


def _clamp(at: Pair, result: PoolResult) -> Pair:
    return (
        min(max(at[0], 0), result.rows.out - 1),
        min(max(at[1], 0), result.cols.out - 1),
    )


def _bump(pair: Pair, step: int, axes: str) -> Pair:
    """``pair`` with ``step`` added along ``axes`` (may reach 0: the parser refuses it)."""
    h, w = pair
    return (h + step if axes != "width" else h, w + step if axes != "height" else w)


def _next_padding(padding: int | Pair | str, step: int, axes: str) -> int | Pair | str:
    """One rung up or down the padding ladder ``same, valid, 0, 1, 2, …`` along ``axes``
    (the words are for both axes; below ``same`` the parser's refusal of ``-1`` shows)."""
    if isinstance(padding, str):
        rung = PADDINGS.index(padding) + step
        return PADDINGS[rung] if 0 <= rung < len(PADDINGS) else (0 if rung > 0 else -1)
    pair = padding if isinstance(padding, tuple) else (padding, padding)
    if step < 0 and pair == (0, 0):
        return PADDINGS[-1]
    h, w = _bump(pair, step, axes)
    return h if h == w else (h, w)


def _source_args(kwargs: dict[str, Any]) -> list[str]:
    """The input options as given, for the equivalent ``poolviz pool`` line."""
    args: list[str] = []
    if kwargs["input"] is not None:
        args.append(kwargs["input"])
    elif kwargs["sample"] is not None:
        args += ["--sample", kwargs["sample"]]
    elif kwargs["matrix"] is not None:
        args += ["-m", _matrix_text(kwargs["matrix"])]
    if kwargs["gray"]:
        args.append("--gray")
    if kwargs["resize"] is not None:
        args += ["--resize", _pair_text(kwargs["resize"])]
    if kwargs["scale"] is not None:
        args += ["--scale", repr(kwargs["scale"])]
    if kwargs["layout"] != "nhwc":
        args += ["--layout", kwargs["layout"]]
    return args


def _matrix_text(matrix: np.ndarray) -> str:
    """An inline matrix written back as ``-m`` takes it: rows split by ``;``, channels by
    ``|``, each value as Python writes it exactly."""
    planes = matrix[..., None] if matrix.ndim == 2 else matrix
    return " | ".join(
        "; ".join(" ".join(_number(v) for v in row) for row in planes[:, :, c])
        for c in range(planes.shape[2])
    )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@click.command(epilog=EPILOG)
@options.input_options
@options.pooling_options
@options.pool_mode_option
@display.item_option
@options.seed_option("Seed of fractional pooling's samples (0 or more, as NumPy takes).")
@display.channel_option("Channel shown first; [ and ] step through the others.")
@click.option("--at", type=AtType(), metavar="ROW,COL", help="Output cell shown first.")
def explore(
    mode: str,
    norm_type: float,
    filter_size: int,
    output_size: Pair | None,
    output_ratio: object,
    seed: int,
    item: int,
    channel: int,
    at: Pair | None,
    **kwargs: Any,
) -> None:
    """Change the window and watch pooling change, live: single keys raise and lower the
    size, stride, padding and dilation, switch ceil mode, the mode and the views, and ? lists
    them all.

    With no INPUT: the worked 4x4 example. INPUT is an image, a .npy/.npz array, a text
    matrix, or - for standard input. Not in a terminal (or with the input on standard input):
    the first view is printed.
    """
    check_options(mode, {**kwargs, "output_size": output_size, "output_ratio": output_ratio})
    if output_ratio is not None:
        raise PoolvizError(
            "explore's o and O keys walk --output-size; give --output-size HxW, not --output-ratio"
        )
    loaded = options.load_input_from(kwargs)
    x = SEED_4X4 if loaded is None else loaded.array
    pooling = options.pooling_from(kwargs)
    padding = pooling["padding"]
    if padding == "same_lower" or (isinstance(padding, tuple) and len(padding) == 4):
        raise PoolvizError(
            "explore's padding keys walk same, valid, 0, 1, 2, ...; start it with one of "
            "those or HxW, not same_lower or padding per side"
        )
    knobs = Knobs(
        size=pooling["size"],
        stride=pooling["stride"],
        padding=padding,
        dilation=pooling["dilation"],
        ceil_mode=pooling["ceil_mode"],
        count_include_pad=pooling["count_include_pad"],
        mode=mode,
        norm_type=norm_type,
        filter_size=filter_size,
        output_size=output_size or Knobs.output_size,
        seed=seed,
    )
    result, _ = check(x, knobs)
    display.ViewArgs(item, (channel,), None, at).check(result.input.shape, result.output.shape)
    source = _source_args(kwargs)
    explorer = Explorer(x, knobs, source=source, item=item, channel=channel, at=at or (0, 0))
    shown = display.screen()
    if not interactive(shown):
        _print_first_view(explorer, shown)
        return
    from poolviz.render.terminal.explore_app import ExploreApp

    app = ExploreApp(explorer, colour=shown.colour)
    app.run()
    for path in app.written:
        click.echo(f"wrote {path}")
    click.echo(explorer.command_line())


def interactive(shown: display.Screen) -> bool:
    """Whether the app can run: output to a terminal, and keys to read from one (not when
    standard input is a pipe, or was read as the input, ``-``)."""
    return shown.console.is_terminal and sys.stdin.isatty()


def _print_first_view(explorer: Explorer, shown: display.Screen) -> None:
    """What the app would show first, printed once: for a pipe, a file or a test."""
    from rich.console import Group
    from rich.text import Text

    from poolviz.render.terminal.explore import Focus, panes

    focus = Focus(
        explorer.at, explorer.item, explorer.channel, shown.width, shown.colour, explorer.kind
    )
    body = panes(explorer.result, focus, explorer.view, None)
    note = Text("not a terminal: the first view, printed; the equivalent command:", style="dim")
    display.print_renderable(Group(*body, Text(""), note, Text(explorer.command_line())))
