"""Where a :class:`~poolviz.engine.explain.PoolResult` finds how to draw itself.

The engine knows no renderer: the render side registers a :class:`Display` here
(:func:`poolviz.render.display.install_display`, run by ``import poolviz``). This module
imports neither NumPy nor the rest of the engine, so ``import poolviz`` registers the display
without loading them: a terminal command pays only for the engine modules it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from poolviz.errors import PoolvizError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from poolviz.engine.explain import PoolResult


class Display(Protocol):
    """How a :class:`~poolviz.engine.explain.PoolResult` draws itself."""

    def figure(self, result: PoolResult, item: int, channel: int | None) -> Figure:
        """A matplotlib Figure of ``result``."""
        ...

    def report(self, result: PoolResult) -> Any:
        """A rich renderable of ``result``: the terminal report."""
        ...

    def png(self, result: PoolResult) -> bytes:
        """``result``'s figure as PNG bytes (Jupyter's rich display)."""
        ...


_registered: list[Display] = []
"""The registered display (at most one: a later registration replaces it)."""


def register(display: Display) -> None:
    """Make ``display`` how every result draws itself."""
    _registered[:] = [display]


def registered() -> Display:
    """The registered :class:`Display`; PoolvizError when none is (``import poolviz``
    registers one)."""
    if not _registered:
        raise PoolvizError("no renderer is registered to draw a result; import poolviz first")
    return _registered[0]
