"""The terminal a demo report is drawn for: its width, colours and notes, shared by every
report; a module of its own so that a report need not import the panels it does not draw."""

from __future__ import annotations

from dataclasses import dataclass

from poolviz.render.order import Order


@dataclass(eq=False, repr=False)  # never compared or printed: compile no __eq__, __repr__
class DemoView:
    """The terminal a demo report is drawn for."""

    width: int = 80
    colour: bool = True
    ascii_only: bool = False
    notes: tuple[str, ...] = ()
    """Lines about the input (where it came from)."""
    order: Order = "nhwc"
    """The axis order shapes are printed in."""
