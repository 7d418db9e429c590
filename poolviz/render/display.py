"""How a :class:`~poolviz.engine.explain.PoolResult` shows itself: ``result.figure()``, the
rich report when printed, the figure in Jupyter.

The engine keeps results and knows no renderer; ``import poolviz`` calls
:func:`install_display`, which registers :class:`RenderedDisplay` in
:mod:`poolviz.engine.display`. Neither NumPy nor the engine is imported here, and matplotlib
and rich only when a result is drawn.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from poolviz.engine.display import register

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from poolviz.engine.explain import PoolResult


class RenderedDisplay:
    """The renderers behind ``PoolResult.figure()``, ``__rich__`` and ``_repr_png_``."""

    def figure(self, result: PoolResult, item: int, channel: int | None) -> Figure:
        """The ``poolviz pool -o`` figure of ``result``."""
        from poolviz.render.figure.pool import pool_figure

        return pool_figure(result, item=item, channel=channel)

    def report(self, result: PoolResult) -> Any:
        """The ``poolviz pool`` terminal report of ``result``."""
        from poolviz.render.terminal.pool import pool_report

        return pool_report(result)

    def png(self, result: PoolResult) -> bytes:
        """The figure as PNG bytes, cropped to what is drawn."""
        buffer = io.BytesIO()
        self.figure(result, 0, None).savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def install_display() -> None:
    """Register :class:`RenderedDisplay` as how every ``PoolResult`` draws itself."""
    register(RenderedDisplay())
