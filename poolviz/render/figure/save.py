"""Writing a figure to a file: complete, or not at all."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from poolviz.render.output import atomic_output

FIGURE_FORMATS = ("png", "svg", "pdf")


def save_figure(fig: Figure, path: Path, dpi: int = 150) -> None:
    """Save ``fig`` to ``path`` (format from its extension) with nothing clipped; the file
    appears only once complete."""
    with atomic_output(path) as temporary:
        fig.savefig(temporary, dpi=dpi, bbox_inches="tight", format=path.suffix.lstrip(".").lower())
