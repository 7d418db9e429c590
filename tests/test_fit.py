"""Fitting tables to the terminal: names shortened in the middle, layouts tried in order."""

from __future__ import annotations

import io

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from poolviz.render.terminal.fit import TextTable, fitted, shorten


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


def test_text_table_measures_and_draws_as_rich_does() -> None:
    """Every width a TextTable takes, and every line it prints with its colours, is rich's
    Table's: padding at the edges or not, a column's minimum width, markup in a str cell,
    lines and words, wide characters, a header taller than the rest, rules, a column of
    wrapped text squeezed below its natural width."""
    cells = [
        ("conv2d", Text("a\nlonger second line", style="dim"), "12,345"),
        ("[bold]block[/bold]", "", "7"),
        ("レイヤー 名前", Text("words to wrap when squeezed"), ""),
    ]
    for padding, pad_edge, min_width, footer in [
        (0, False, None, False),
        ((0, 1), False, 12, False),
        ((0, 2), True, None, True),
    ]:
        tables = []
        for kind in (Table, TextTable):
            table = kind(
                padding=padding, pad_edge=pad_edge, show_footer=footer, header_style="bold"
            )
            table.add_column("layer", "total", no_wrap=True, min_width=min_width)
            table.add_column(Text("notes\n(dim)", style="italic"), "-")
            table.add_column("params", "34,826", justify="right", no_wrap=True)
            for row in cells:
                table.add_row(*row, end_section=row[2] == "7")
            tables.append(table)
        for width in (3, 12, 25, 40, 80):
            console = Console(width=width, file=io.StringIO(), color_system="truecolor")
            options = console.options
            assert Measurement.get(console, options, tables[1]) == Measurement.get(
                console, options, tables[0]
            )
            drawn = []
            for table in tables:
                with console.capture() as captured:
                    console.print(table)
                drawn.append(captured.get())
            assert drawn[1] == drawn[0], (padding, width)
            assert width < 40 or "\x1b[2m" in drawn[0]
