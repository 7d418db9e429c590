"""The axis order shapes are printed in: Keras's ``(N, H, W, C)``, the default, or PyTorch's
``(N, C, H, W)`` (``--order nchw``, or ``POOLVIZ_ORDER=nchw`` for the terminal and figures).

Arrays stay NHWC everywhere; only the printed shapes change. How an input array is stored is
another matter (``--layout``).
"""

from __future__ import annotations

from typing import Literal, TypeVar

Order = Literal["nhwc", "nchw"]
ORDERS: tuple[Order, ...] = ("nhwc", "nchw")
ENV = "POOLVIZ_ORDER"
"""The environment variable that sets the order for terminal reports and figures."""
AXES: dict[Order, str] = {
    "nhwc": "(batch, height, width, channels)",
    "nchw": "(batch, channels, height, width)",
}
"""What a four-axis shape's axes are, in each order."""
T = TypeVar("T", bound=int | None)


def ordered(shape: tuple[T, ...], order: Order) -> tuple[T, ...]:
    """An NHWC shape in ``order``: ``(n, h, w, c)`` as ``(n, c, h, w)``, a per-sample
    ``(h, w, c)`` as ``(c, h, w)``; other ranks (vectors, ``(h, w)``) as they are.

    >>> ordered((8, 26, 26, 32), "nchw")
    (8, 32, 26, 26)
    """
    if order == "nhwc" or len(shape) not in (3, 4):
        return tuple(shape)
    return (*shape[:-3], shape[-1], *shape[-3:-1])
