"""What a user chose of a figure besides its data (``--title``, ``--cmap``, ``--aspect``,
``--panel``, ``--font-scale``), passed whole from the command line to the figures that take
them all."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FigureChoices:
    """A figure's title, colour map, arrangement and part; the defaults draw the figure as
    it is by itself."""

    title: str | None = None
    """The figure's title; None: what it shows."""
    cmap: str | None = None
    """A matplotlib colour map for the pictures' values; None: the figure's own."""
    aspect: str = "auto"
    """``wide`` (parts side by side), ``tall`` (stacked) or ``auto`` (tall unless that is
    taller than wide)."""
    panel: str | None = None
    """The one part drawn alone, by the figure's name for it; None: all of them."""
    font_scale: float = 1.0
    """``--font-scale``: how many times their natural size the words are dressed, for a
    figure placed by hand to leave them room."""


NATURAL = FigureChoices()
"""No choices made: the whole figure, in its own title and colours."""
