"""How a command shows its result, defined once: which item, channels and windows to show
(``--item``, ``--channel``, ``--steps``, ``--at``, ``--windows``), the figure options (``-o``,
``--dpi``, ``--title``, ``--cmap``, ``--aspect``, ``--panel``) and saving the figure, the
user's terminal (:func:`screen`), and printing reports and JSON."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from poolviz.cli.options import count_option, output_option, with_options
from poolviz.cli.values import AtType, ChannelsType, FigsizeType, StepsType, either
from poolviz.errors import PoolvizError
from poolviz.render.style import to_ascii

if TYPE_CHECKING:  # rich is imported where a console is made: figure paths never need it
    from matplotlib.figure import Figure
    from rich.console import Console, RenderableType

    from poolviz.loaders import LoadedInput
    from poolviz.render.figure.choices import FigureChoices
    from poolviz.render.figure.look import Look
    from poolviz.render.order import Order
    from poolviz.render.terminal.pool import PoolView
    from poolviz.render.terminal.view import DemoView

F = TypeVar("F", bound=Callable[..., Any])


def item_option(f: F) -> F:
    """Add ``--item N`` (default 0), the batch item shown."""
    return count_option(
        "--item", default=0, metavar="N", help="Batch item shown, for (N, H, W, C) input."
    )(f)


def channel_option(help: str) -> Callable[[F], F]:
    """Add ``--channel C`` (default 0), the one channel shown, described by ``help``."""
    return count_option("--channel", default=0, metavar="C", help=help)


def view_options(f: F) -> F:
    """Add ``--item``, ``--channel``, ``--steps`` and ``--at``."""
    decorators = [
        item_option,
        click.option(
            "--channel",
            "channels",
            type=ChannelsType(),
            metavar="C[,C]",
            help="Channels shown in full.  [default: the first]",
        ),
        click.option(
            "--steps",
            type=StepsType(),
            default=16,
            show_default=True,
            metavar="N|all",
            help="Windows listed in the step table (a page lists all unless given).",
        ),
        click.option(
            "--at", type=AtType(), metavar="ROW,COL", help="Explain one output cell in full."
        ),
    ]
    return with_options(f, decorators)


@dataclass(eq=False, repr=False)  # never compared or printed: compile no __eq__, __repr__
class ViewArgs:
    """Which part of a result to show."""

    item: int
    channels: tuple[int, ...] | None
    steps: int | None
    """None lists every window."""
    at: tuple[int, int] | None

    @property
    def channel(self) -> int:
        """The one channel a figure or JSON shows: the first given, or 0."""
        return (self.channels or (0,))[0]

    def check(self, shape: tuple[int, ...], out_shape: tuple[int, ...]) -> None:
        """Refuse an item, channel or cell that the (NHWC) input or output does not have."""
        n, _, _, c = shape
        if self.item >= n:
            raise PoolvizError(f"--item {self.item} is out of range; the input has items 0-{n - 1}")
        for channel in self.channels or ():
            if channel >= c:
                raise PoolvizError(
                    f"--channel {channel} is out of range; the input has "
                    + ("only channel 0" if c == 1 else f"channels 0-{c - 1}")
                )
        if self.at is not None:
            oh, ow = out_shape[1], out_shape[2]
            i, j = self.at
            if i >= oh or j >= ow:
                raise PoolvizError(
                    f"--at {i},{j} is outside the {oh}x{ow} output; use rows 0-{oh - 1} and "
                    f"columns 0-{ow - 1}"
                )


def view_from(kwargs: Mapping[str, Any]) -> ViewArgs:
    """The view options from a command's keyword arguments (see :func:`view_options`)."""
    steps = kwargs["steps"]
    return ViewArgs(
        kwargs["item"], kwargs["channels"], None if steps == "all" else steps, kwargs["at"]
    )


def figure_options(
    formats: tuple[str, ...], *, cmap: bool = True, look: bool = True
) -> Callable[[F], F]:
    """Add ``-o/--output`` (accepting ``formats``), ``--dpi``, ``--title``, unless ``cmap`` is
    False (a figure without pictures) ``--cmap``, and unless ``look`` is False (frames drawn
    without matplotlib) ``--figsize``, ``--font-scale`` and ``--theme``."""

    raster = either(tuple(k.upper() for k in formats if k in ("png", "gif", "apng", "mp4")))

    def decorate(f: F) -> F:
        decorators = [
            output_option(formats),
            count_option(
                "--dpi",
                default=150,
                low=20,
                high=1200,
                help=f"Dots per inch of a {raster}; 300 doubles the size of 150.",
            ),
            click.option("--title", help="The figure's title.  [default: what it shows]"),
        ]
        if cmap:
            decorators.append(
                click.option(
                    "--cmap",
                    metavar="NAME",
                    help="A matplotlib colour map for pictures, e.g. viridis.",
                    callback=_check_cmap,
                )
            )
        if look:
            decorators.extend(LOOK_OPTIONS)
        return with_options(f, decorators)

    return decorate


LOOK_OPTIONS = (
    click.option(
        "--figsize",
        type=FigsizeType(),
        metavar="WxH",
        help="Page size in inches, width first (16x9 fills a slide); the figure is scaled to "
        "fit and centred. A PNG is then W·dpi x H·dpi pixels.  [default: the figure's own]",
    ),
    click.option(
        "--font-scale",
        type=click.FloatRange(0.5, 4),
        default=1.0,
        show_default=True,
        metavar="F",
        help="Words (titles, labels, captions) F times their size, for a projector; the "
        "numbers in cells keep fitting their cells.",
    ),
    click.option(
        "--theme",
        type=click.Choice(("light", "dark")),
        default="light",
        show_default=True,
        help="dark: light words on a dark page, for dark slides (window colours stay).",
    ),
)
"""``--figsize``, ``--font-scale`` and ``--theme``: how any matplotlib figure is dressed."""


def _check_cmap(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse an unknown colour map at parse time (matplotlib imported only when one is given)."""
    if value is None:
        return None
    import matplotlib

    if value not in matplotlib.colormaps:
        raise PoolvizError(
            f"--cmap {value!r} is not a matplotlib colour map; use e.g. viridis, gray, magma",
            hint="try: python -c 'import matplotlib; print(list(matplotlib.colormaps))'",
        )
    return value


def aspect_option(f: F) -> F:
    """Add ``--aspect auto|wide|tall``, the shape of a figure whose parts can be arranged
    either way."""
    return click.option(
        "--aspect",
        type=click.Choice(("auto", "wide", "tall")),
        default="auto",
        show_default=True,
        help="wide: the parts side by side, for a 16:9 slide; tall: stacked; auto: tall "
        "unless that is taller than wide.",
    )(f)


def panel_option(names: tuple[str, ...], what: str) -> Callable[[F], F]:
    """Add ``--panel NAME`` (one of ``names``, described by ``what``): one part of the
    figure drawn alone, for a slide sequence."""
    return click.option(
        "--panel",
        type=click.Choice(names),
        help=f"Draw one part of the figure alone ({what}), e.g. one per slide; needs -o.",
    )


def windows_option(f: F) -> F:
    """Add ``--windows 'i,j;…'``, the windows a figure outlines (see :func:`parse_windows`)."""
    return click.option(
        "--windows",
        callback=_check_windows,
        metavar="'I,J;…'",
        help="Output cells whose windows the figure outlines, each in a colour of its own "
        "(at most 7), e.g. '0,0;1,2'.  [default: all, or the first 2x2 when they crowd]",
    )(f)


def _check_windows(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[tuple[int, int], ...] | None:
    return None if value is None else parse_windows(value)


def parse_windows(text: str) -> tuple[tuple[int, int], ...]:
    """``'0,0;1,2'`` as ((0, 0), (1, 2)): 1 to 7 distinct output cells (one palette colour
    each); PoolvizError otherwise."""
    accepted = "use ROW,COL pairs separated by ';', such as '0,0;1,2' (at most 7)"
    cells: list[tuple[int, int]] = []
    for part in text.split(";"):
        pair = [p.strip() for p in part.split(",")]
        if len(pair) != 2 or not all(p.isascii() and p.isdigit() for p in pair):
            raise PoolvizError(f"--windows {text!r}: {part.strip()!r} is not a cell; {accepted}")
        cell = (int(pair[0]), int(pair[1]))
        if cell not in cells:
            cells.append(cell)
    if len(cells) > 7:
        raise PoolvizError(
            f"--windows names {len(cells)} windows; at most 7 have colours of their own"
        )
    return tuple(cells)


def check_windows(windows: tuple[tuple[int, int], ...] | None, out_shape: tuple[int, ...]) -> None:
    """Refuse a ``--windows`` cell outside the (NHWC) output."""
    oh, ow = out_shape[1], out_shape[2]
    for i, j in windows or ():
        if i >= oh or j >= ow:
            raise PoolvizError(
                f"--windows {i},{j} is outside the {oh}x{ow} output; use rows 0-{oh - 1} and "
                f"columns 0-{ow - 1}"
            )


@dataclass(eq=False, repr=False)  # never compared or printed: compile no __eq__, __repr__
class FigureArgs:
    """Where and how to write a figure."""

    path: Path
    dpi: int
    title: str | None
    cmap: str | None
    figsize: tuple[float, float] | None = None
    font_scale: float = 1.0
    theme: str = "light"
    aspect: str = "auto"
    """``--aspect``, where the command has it."""
    panel: str | None = None
    """``--panel``, where the command has it: the one part drawn."""

    def look(self) -> Look:
        """How the figure is dressed (see :mod:`poolviz.render.figure.look`)."""
        from poolviz.render.figure.look import Look

        return Look(self.figsize, self.font_scale, self.theme)

    def choices(self) -> FigureChoices:
        """The title, colour map, aspect and panel, as the figures that take all four want
        them (see :mod:`poolviz.render.figure.choices`)."""
        from poolviz.render.figure.choices import FigureChoices

        return FigureChoices(self.title, self.cmap, self.aspect, self.panel, self.font_scale)

    def save(self, fig: Figure) -> None:
        """Write ``fig`` to the file, dressed as asked, and say so on stdout."""
        from poolviz.render.figure.save import save_figure

        save_figure(fig, self.path, self.dpi, self.look())
        click.echo(f"wrote {self.path}")


def figure_from(kwargs: Mapping[str, Any]) -> FigureArgs | None:
    """The figure options, or None when no ``-o`` was given (print to the terminal)."""
    if kwargs["output"] is None:
        if kwargs.get("panel") is not None:
            raise PoolvizError(
                f"--panel {kwargs['panel']} draws part of a figure; add -o FILE.png (or drop it)"
            )
        return None
    return FigureArgs(
        kwargs["output"],
        kwargs["dpi"],
        kwargs["title"],
        kwargs.get("cmap"),
        kwargs.get("figsize"),
        kwargs.get("font_scale", 1.0),
        kwargs.get("theme", "light"),
        kwargs.get("aspect", "auto"),
        kwargs.get("panel"),
    )


@dataclass(eq=False, repr=False)  # never compared or printed: compile no __eq__, __repr__
class Screen:
    """The user's terminal: the console that prints there, and what every terminal view
    reads off it."""

    console: Console
    width: int
    """Columns: the terminal's, or ``COLUMNS`` (80 when unset) when stdout is not a terminal."""
    colour: bool
    """Whether it shows colour: not under ``NO_COLOR``, not into a pipe (rich's own rules)."""
    ascii_only: bool
    """Whether its encoding is not UTF-8, so poolviz's glyphs and box rules must be spelled in
    plain ASCII."""
    order: Order = "nhwc"
    """The axis order shapes are printed in (:func:`order`)."""


def screen() -> Screen:
    """The user's terminal, read in this one place (see :class:`Screen`)."""
    from rich.console import Console

    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "80"))
    # emoji=False: ':name:' in a file name is printed as given, and rich's emoji table
    # (a few milliseconds of start-up) is never loaded
    out = Console(width=width, highlight=False, soft_wrap=False, emoji=False)
    return Screen(
        console=out,
        width=out.width,
        colour=out.color_system is not None and not out.no_color,
        ascii_only=not out.encoding.lower().replace("-", "").startswith("utf"),
        order=order(),
    )


def order() -> Order:
    """The axis order for terminal reports and figures: ``--order`` if given, else
    ``$POOLVIZ_ORDER``, else ``nhwc``; PoolvizError for an unknown value in the variable."""
    from poolviz.render.order import ENV, ORDERS

    given = _order_flag()
    if given is not None:
        return given
    value = os.environ.get(ENV, "").strip().lower()
    if not value:
        return "nhwc"
    for known in ORDERS:
        if value == known:
            return known
    raise PoolvizError(f"{ENV}={value!r} is not an axis order; use nhwc or nchw (or unset it)")


def _order_flag() -> Order | None:
    """``--order`` as given on the command line, or None."""
    ctx = click.get_current_context(silent=True)
    value = None if ctx is None else ctx.find_root().meta.get("poolviz.order")
    return "nchw" if value == "nchw" else "nhwc" if value == "nhwc" else None


def source_notes(loaded: LoadedInput) -> tuple[str, ...]:
    """A report's lines about its input: the name and kind, then what the loader noted."""
    return (f"{loaded.name} ({loaded.kind})", *loaded.notes)


def demo_view(notes: tuple[str, ...]) -> DemoView:
    """The terminal view of a demo report (``shift``, ``compare``, ``size``, ``features``):
    the user's console, under ``notes``."""
    from poolviz.render.terminal.view import DemoView

    shown = screen()
    return DemoView(
        width=shown.width,
        colour=shown.colour,
        ascii_only=shown.ascii_only,
        notes=notes,
        order=shown.order,
    )


def pool_view(view: ViewArgs, notes: tuple[str, ...]) -> PoolView:
    """The terminal view of a pooling report: the part ``view`` selects, on the user's
    console, under ``notes``."""
    from poolviz.render.terminal.pool import PoolView

    shown = screen()
    return PoolView(
        item=view.item,
        channels=view.channels,
        steps=view.steps,
        at=view.at,
        width=shown.width,
        colour=shown.colour,
        ascii_only=shown.ascii_only,
        notes=notes,
        order=shown.order,
    )


def print_json(body: Any) -> None:
    """Print ``body`` as strict JSON (see :func:`poolviz.render.json.strict.dumps`), with
    an ``"order"`` key saying the axis order of its shapes: NHWC unless ``--order`` was given
    (never from the environment, so a script's JSON does not change under it)."""
    from poolviz.render.json.strict import dumps

    given = _order_flag()
    if isinstance(body, dict):
        body = {"order": given or "nhwc", **_reorder(body, given)}
    click.echo(dumps(body))


def _reorder(body: Any, order: Order | None) -> Any:
    """``body`` with every list under a key ending in ``shape`` in ``order``."""
    from poolviz.render.order import ordered

    if order is None or order == "nhwc":
        return body
    if isinstance(body, dict):
        return {
            k: list(ordered(tuple(v), order))
            if k.endswith("shape") and isinstance(v, list)
            else _reorder(v, order)
            for k, v in body.items()
        }
    if isinstance(body, list):
        return [_reorder(v, order) for v in body]
    return body


def print_renderable(renderable: RenderableType) -> None:
    """Print to stdout, with plain ASCII in place of poolviz's glyphs when the terminal's
    encoding cannot show them."""
    shown = screen()
    if not shown.ascii_only:
        shown.console.print(renderable)
        return
    with shown.console.capture() as captured:
        shown.console.print(renderable)
    sys.stdout.write(to_ascii(captured.get()))
