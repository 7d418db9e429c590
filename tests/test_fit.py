"""Fitting tables to the terminal: names shortened in the middle, layouts tried in order."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from poolviz.render.terminal.fit import fitted, shorten, text_widths


def test_shorten_keeps_both_ends_and_the_indent() -> None:
    assert shorten("max_pooling2d_1", 15) == "max_pooling2d_1"
    assert shorten("max_pooling2d_1", 11) == "max_p…g2d_1"
    assert shorten("max_pooling2d_1", 11, ascii_only=True) == "max_...2d_1"
    assert shorten("  downsample.0", 10) == "  down…e.0"
    assert len(shorten("global_average_pooling2d_1", 22)) == 22


def test_fitted_takes_the_first_layout_that_fits_then_shortens_names() -> None:
    def build(columns: int, name_width: int | None) -> Table:
        table = Table(box=None, show_header=False, padding=0, pad_edge=False)
        name = "a_rather_long_layer_name"
        row = [name if name_width is None else shorten(name, name_width)] + ["x" * 10] * columns
        for _ in row:
            table.add_column(no_wrap=True)
        table.add_row(*row)
        return table

    def shown(width: int) -> tuple[int, str]:
        console = Console(width=width, file=io.StringIO(), color_system=None)
        layout, table = fitted(console, console.options, [2, 1], build, 24)
        console.print(table)
        return layout, console.file.getvalue().rstrip()  # type: ignore[attr-defined]

    # 24 + 2 x 10 = 44 columns: the name gives way first, down to 16 characters
    assert shown(40) == (2, "a_rather_l…ayer_name" + "x" * 20)
    # a name of 10 would be too short: a column goes instead, and the name fits in 20
    assert shown(30) == (1, "a_rather_l…ayer_name" + "x" * 10)
    # the last layout shortens names as far as it must (not below 6)
    assert shown(20) == (1, "a_rat…name" + "x" * 10)


def test_text_widths_pins_text_columns_and_draws_the_same() -> None:
    def build() -> Table:
        table = Table(show_footer=True, padding=(0, 1), pad_edge=False)
        table.add_column("name", "total", no_wrap=True)
        table.add_column("shape", no_wrap=True)
        table.add_column("note")  # may wrap: rich measures it
        table.add_column("tagged", no_wrap=True)  # markup could change a string: rich's
        table.add_row("conv2d", Text("26x26x32\nstride 2 (was 1)"), "a note that may wrap", "[b]x")
        table.add_row("max_pooling2d_1", "13x13x32", "short", "plain")
        return table

    def drawn(table: Table, width: int) -> str:
        console = Console(width=width, file=io.StringIO(), color_system=None)
        console.print(table)
        return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]

    pinned = text_widths(build())
    assert [c.width for c in pinned.columns] == [15, 16, None, None]
    for width in (20, 40, 80):
        assert drawn(pinned, width) == drawn(build(), width)
