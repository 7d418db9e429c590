"""The Textual app of ``poolviz explore``: the panes of :mod:`poolviz.render.terminal.explore`
on one screen, the keys that drive an :class:`~poolviz.cli.explore.Explorer`, a key legend
and a ``?`` help screen.

The only module that imports Textual; ``poolviz explore`` imports it once a terminal is there
to show it, so no other command (and no ``--help``) pays for it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.console import Console, Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from poolviz.render.terminal.explore import (
    WIDE,
    Focus,
    formula_pane,
    grids_pane,
    lower_pane,
    status_text,
    step_pane,
)

if TYPE_CHECKING:
    from poolviz.cli.explore import Explorer


@dataclass(frozen=True)
class Key:
    """One entry of the key legend and the help screen: keys, the action they run, words."""

    keys: tuple[str, ...]
    """Textual key names, one per action (a pair raises and lowers)."""
    actions: tuple[str, ...]
    label: str
    """The legend's word or two."""
    help: str
    """The help screen's sentence."""
    shown: str
    """The keys as the legend prints them."""


KEYS: tuple[Key, ...] = (
    Key(
        ("up", "down", "left", "right"),
        (
            "explore('move', -1, 0)",
            "explore('move', 1, 0)",
            "explore('move', 0, -1)",
            "explore('move', 0, 1)",
        ),
        "cell",
        "move the current output cell; its window is outlined in the input",
        "←↑↓→",
    ),
    Key(
        ("k", "K"),
        ("explore('change', 'size', 1)", "explore('change', 'size', -1)"),
        "size",
        "window size +1 / -1",
        "k K",
    ),
    Key(
        ("s", "S"),
        ("explore('change', 'stride', 1)", "explore('change', 'stride', -1)"),
        "stride",
        "stride +1 / -1 (it starts as the size)",
        "s S",
    ),
    Key(
        ("p", "P"),
        ("explore('change', 'padding', 1)", "explore('change', 'padding', -1)"),
        "padding",
        "padding up / down the ladder same, valid, 0, 1, 2, …",
        "p P",
    ),
    Key(
        ("d", "D"),
        ("explore('change', 'dilation', 1)", "explore('change', 'dilation', -1)"),
        "dilation",
        "dilation +1 / -1 (gaps between a window's taps)",
        "d D",
    ),
    Key(
        ("a",),
        ("explore('cycle_axes')",),
        "axes",
        "k s p d change both axes, the height only or the width only (3x2 windows)",
        "a",
    ),
    Key(
        ("c",),
        ("explore('toggle', 'ceil_mode')",),
        "ceil",
        "ceil mode on / off (PyTorch's ceil_mode)",
        "c",
    ),
    Key(
        ("i",),
        ("explore('toggle', 'count_include_pad')",),
        "count pad",
        "padding counts in an average's divisor, on / off (count_include_pad)",
        "i",
    ),
    Key(
        ("m",),
        ("explore('cycle_mode')",),
        "mode",
        "the next mode: max, avg, adaptive-max/avg, fractional, lp, blur",
        "m",
    ),
    Key(
        ("o", "O"),
        ("explore('change', 'output_size', 1)", "explore('change', 'output_size', -1)"),
        "out size",
        "output size +1 / -1 (adaptive and fractional modes)",
        "o O",
    ),
    Key(
        ("n", "N"),
        ("explore('change', 'norm_type', 1)", "explore('change', 'norm_type', -1)"),
        "LP p",
        "LP pooling's power p +1 / -1 (mode lp)",
        "n N",
    ),
    Key(
        ("f", "F"),
        ("explore('change', 'filter_size', 1)", "explore('change', 'filter_size', -1)"),
        "blur taps",
        "blur pooling's filter taps +1 / -1, 1-7 (mode blur)",
        "f F",
    ),
    Key(
        ("g",),
        ("explore('switch_view', 'gradient')",),
        "gradient",
        "the gradient's routing map, as poolviz grad shows it; g again: back",
        "g",
    ),
    Key(
        ("u",),
        ("explore('switch_view', 'unpooling')",),
        "unpool",
        "max-unpooling, as poolviz grad shows it; u again: back",
        "u",
    ),
    Key(
        ("left_square_bracket", "right_square_bracket"),
        ("explore('cycle_channel', -1)", "explore('cycle_channel', 1)"),
        "channel",
        "the previous / next channel",
        "[ ]",
    ),
    Key(
        ("w",),
        ("write",),
        "PNG",
        "write the current view as a PNG named after the configuration",
        "w",
    ),
    Key(("r",), ("explore('reset')",), "reset", "back to the configuration you started with", "r"),
    Key(
        ("pageup", "pagedown"),
        ("scroll(-1)", "scroll(1)"),
        "scroll",
        "scroll the panes",
        "PgUp PgDn",
    ),
    Key(("question_mark",), ("help",), "help", "this screen", "?"),
    Key(("q",), ("quit",), "quit", "quit and print the equivalent poolviz command line", "q"),
)
"""Every key, once: the bindings, the legend and the help screen are made from it."""


def key_legend(width: int) -> Text:
    """The key legend under the panes: every key with a word or two, in as many lines of
    ``width`` as it takes, broken between keys only."""
    text = Text()
    used = 0
    for key in KEYS:
        size = len(key.shown) + 1 + len(key.label)
        if used and used + 2 + size > width:
            text.append("\n")
            used = 0
        elif used:
            text.append("  ")
            used += 2
        text.append(key.shown, style="bold reverse")
        text.append(f" {key.label}")
        used += size
    return text


def lines_of(renderable: RenderableType, width: int) -> list[list[Segment]]:
    """``renderable`` laid out once at ``width`` as lines of segments, without the blank
    lines before and after it (the layout spaces the panes)."""
    console = Console(
        width=width, file=io.StringIO(), force_terminal=True, color_system="truecolor"
    )
    lines = console.render_lines(renderable, console.options, pad=False, new_lines=False)
    shown = [[s for s in line if not s.control] for line in lines]
    blank = [not "".join(s.text for s in line).strip() for line in shown]
    first = blank.index(False) if False in blank else len(shown)
    last = len(blank) - blank[::-1].index(False) if False in blank else first
    return shown[first:last]


def flat(renderable: RenderableType, width: int) -> Text:
    """``renderable`` laid out at ``width`` as one styled Text (see :func:`lines_of`)."""
    text = Text(no_wrap=True, overflow="crop", end="")
    for k, line in enumerate(lines_of(renderable, width)):
        if k:
            text.append("\n")
        for segment in line:
            text.append(segment.text, segment.style)
    text.rstrip()
    return text


class Pane(Widget):
    """A pane drawn from lines laid out once (:func:`lines_of`): Textual draws them as they
    are, which takes a fraction of the time it takes to lay out a rich Table or a long
    styled Text again, and keeps a key within 100 ms."""

    DEFAULT_CSS = "Pane { height: auto; }"

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self._lines: list[Strip] = []
        self._styled: tuple[Style, list[Strip]] | None = None
        """The lines over the base style they were last drawn with."""

    def show(self, renderable: RenderableType, width: int) -> None:
        """Lay ``renderable`` out at ``width`` columns and draw it in place of the last."""
        self._lines = [Strip(line) for line in lines_of(renderable, width)]
        self._styled = None
        self.refresh(layout=True)

    def _strips(self) -> list[Strip]:
        """The lines over the pane's background and colour as they are when drawn, not when
        laid out: a pane first shown before its styles apply would keep the text in the
        background's colour until it was shown again."""
        base = self.rich_style
        if self._styled is None or self._styled[0] != base:
            self._styled = (base, [line.apply_style(base) for line in self._lines])
        return self._styled[1]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((line.cell_length for line in self._lines), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        strips = self._strips()
        if y < len(strips):
            return strips[y].crop_extend(0, width, self.rich_style)
        return Strip.blank(width, self.rich_style)


class HelpScreen(ModalScreen[None]):
    """Every key with what it does; ``?``, ``q`` or escape close it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,q,escape", "app.pop_screen", "close", show=False)
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 92; max-width: 100%; height: auto; max-height: 100%;
        border: round $foreground; padding: 0 1; background: $surface;
    }
    """

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="bold", no_wrap=True)
        table.add_column()
        for key in KEYS:
            table.add_row(key.shown, key.help)
        # said on top: at 24 rows the last keys are below the fold
        title = Text.assemble(
            ("poolviz explore: keys", "bold"), ("  ? q or escape close; ↓ ↑ scroll\n", "dim")
        )
        with VerticalScroll():
            yield Static(Group(title, table))


class ExploreApp(App[None]):
    """Panes over a status line and the key legend; two columns from :data:`WIDE` columns."""

    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (WIDE, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(name, action, key.label, show=False)
        for key in KEYS
        for name, action in zip(key.keys, key.actions, strict=True)
    ]
    CSS = """
    #body { height: 1fr; scrollbar-size-vertical: 1; }
    #left, #right { height: auto; }
    Screen.-narrow #left, Screen.-narrow #right { width: 100%; }
    Screen.-wide #body { layout: horizontal; }
    Screen.-wide #left { margin-right: 2; }
    Screen.-wide #right { width: 1fr; }
    #body Pane { margin-bottom: 1; }
    #bottom { dock: bottom; height: auto; }
    #status { padding: 0 1; background: $boost; }
    #keys { padding: 0 1; }
    """

    def __init__(self, explorer: Explorer, *, colour: bool = True) -> None:
        super().__init__()
        self.explorer = explorer
        self.colour = colour
        self.written: list[Path] = []
        """The PNGs written, for the command to name on exit."""
        self._lasting: tuple[object, ...] = ()
        """What the formula and lower panes were last drawn for."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="body", can_focus=False):
            with Vertical(id="left"):
                yield Pane(id="grids")
                yield Pane(id="step")
            with Vertical(id="right"):
                yield Pane(id="formula")
                yield Pane(id="lower")
        with Vertical(id="bottom"):
            yield Static(id="status")
            yield Static(id="keys")

    def on_mount(self) -> None:
        self.on_resize()

    def on_resize(self) -> None:
        self.query_one("#keys", Static).update(key_legend(self.size.width - 2))
        self.repaint()

    def focus_for(self, width: int) -> Focus:
        e = self.explorer
        return Focus(e.at, e.item, e.channel, max(width, 20), self.colour, e.shown_kind)

    def pane_widths(self) -> tuple[int, int]:
        """Columns for the panes of the left and the right column (the same, one under the
        other, below :data:`WIDE` columns), short of the scroll bar and the gap."""
        width = self.size.width - 2
        if self.size.width < WIDE:
            return width, width
        left = (width - 2) * 11 // 20  # the step table is wider than the right pane's panes
        return left, width - 2 - left

    def pane_texts(self, skip: set[str] | None = None) -> dict[str, tuple[RenderableType, int]]:
        """What each pane shows now and the columns it may take; the panes in ``skip`` left
        out (not even drawn)."""
        e = self.explorer
        left_width, right_width = self.pane_widths()
        left, right = self.focus_for(left_width), self.focus_for(right_width)
        status = status_text(e.result, left, e.axes, e.view, e.error, e.padding_label)
        if e.message is not None:
            status.append(f"\n{e.message}", style="dim")
        texts: dict[str, tuple[RenderableType, int]] = {
            "grids": (grids_pane(e.result, left), left_width),
            "step": (step_pane(e.result, left), left_width),
            "status": (status, self.size.width - 2),
        }
        if "formula" not in (skip or ()):
            texts["formula"] = (formula_pane(e.result, e.kind, right_width), right_width)
        if "lower" not in (skip or ()):
            grad = None if e.view == "pool" or e.kind is not None else e.grad
            texts["lower"] = (lower_pane(e.result, right, e.view, grad), right_width)
        return texts

    def repaint(self) -> None:
        """Draw the panes again from the explorer's current state; the formula and the lower
        pane only when what they show changed (moving the cell leaves them as they were)."""
        e = self.explorer
        self.query_one("#left").styles.width = (
            self.pane_widths()[0] if self.size.width >= WIDE else "100%"
        )
        lasting = (id(e.result), e.view, e.channel, self.size)
        keep = {"formula", "lower"} if lasting == self._lasting else set()
        self._lasting = lasting
        for name, (renderable, width) in self.pane_texts(skip=keep).items():
            if name == "status":
                self.query_one("#status", Static).update(flat(renderable, width))
            else:
                self.query_one(f"#{name}", Pane).show(renderable, width)
        # one column: the gradient and unpooling views follow the grids, in place of the
        # step and the formula, so that g and u show something without scrolling
        shown = e.view == "pool" or self.size.width >= WIDE
        for name in ("step", "formula"):
            self.query_one(f"#{name}", Pane).display = shown

    # actions

    def action_explore(
        self, change: str, first: str | int | None = None, second: str | int | None = None
    ) -> None:
        """Run the explorer's ``change`` (a method of :class:`~poolviz.cli.explore.Explorer`
        that a key names) with up to two arguments, then draw the panes again. (Textual
        passes an action only the parameters it names, so no ``*args``.)"""
        args = [arg for arg in (first, second) if arg is not None]
        getattr(self.explorer, change)(*args)
        self.repaint()

    def action_scroll(self, pages: int) -> None:
        body = self.query_one("#body", VerticalScroll)
        (body.scroll_page_down if pages > 0 else body.scroll_page_up)()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_write(self) -> None:
        """Write the PNG in a thread: the first figure imports matplotlib, which takes a
        second the keys should not wait for."""
        self.explorer.message = f"writing {self.explorer.knobs.file_name(self.explorer.view)} …"
        self.repaint()
        self.run_worker(self._write, thread=True, exclusive=True, group="png")

    def _write(self) -> None:
        self.call_from_thread(self._written, *self.explorer.try_write_png())

    def _written(self, path: Path | None, error: str | None) -> None:
        if path is not None:
            self.written.append(path)
        self.explorer.message = None if path is None else f"wrote {path.name}"
        self.explorer.error = error
        self.repaint()
