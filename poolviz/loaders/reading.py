"""How an input is to be read (``--gray``, ``--resize``, ``--scale``, ``--layout``): one value
that the loaders pass whole, with the checks that concern the options alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from poolviz.errors import PoolvizError

LAYOUTS = ("nhwc", "nchw")
"""The axis orders a ``.npy``/``.npz`` array may be read in (``--layout``); kept here, not
in :mod:`.arrays`, so that declaring the option does not import zipfile."""


class ReadKeywords(TypedDict, total=False):
    """The fields of :class:`ReadOptions` as the keywords of :func:`~.paths.load_path` and
    :func:`~.samples.load_sample` (their defaults are those of :class:`ReadOptions` alone)."""

    gray: bool
    resize: tuple[int, int] | None
    scale: float | None
    layout: str


@dataclass(frozen=True)
class ReadOptions:
    """The options that shape an input as it is read: the first three apply to images only,
    ``layout`` to arrays only."""

    gray: bool = False
    """Read a colour image as one grey channel."""
    resize: tuple[int, int] | None = None
    """Resize an image to (height, width)."""
    scale: float | None = None
    """Resize an image by this factor."""
    layout: str = "nhwc"
    """An array's axis order: ``nhwc`` or ``nchw`` (see :data:`LAYOUTS`)."""

    def check(self) -> None:
        """Refuse a layout poolviz does not read, and ``resize`` given with ``scale``."""
        if self.layout not in LAYOUTS:
            raise PoolvizError(f"layout {self.layout!r} is not one poolviz reads; use nhwc or nchw")
        if self.resize is not None and self.scale is not None:
            raise PoolvizError("--resize and --scale both set the size; give one of them")

    def given(self) -> tuple[str, ...]:
        """The options asked for, as the command line says them (``--layout nchw``), the
        image options first."""
        asked = (
            ("--gray", self.gray),
            ("--resize", self.resize is not None),
            ("--scale", self.scale is not None),
            (f"--layout {self.layout}", self.layout != "nhwc"),
        )
        return tuple(option for option, used in asked if used)

    def refuse_unless(self, kind: str, shown: str) -> None:
        """Refuse the options that do not apply to an input of ``kind`` (``image``, ``text``,
        ``npy`` or ``npz``) named ``shown``: ``--layout`` but for arrays, the image options
        but for images; asked for with another kind of input, an option is a usage error
        rather than silently ignored."""
        for option in self.given():
            if not option.startswith("--layout") and kind != "image":
                raise PoolvizError(f"{option} applies to images, not {shown}")
            if option.startswith("--layout") and kind in ("image", "text"):
                raise PoolvizError(f"{option} applies to .npy and .npz arrays, not {shown}")
