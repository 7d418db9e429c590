"""An animation of one or more stages (:mod:`.stages`) as one run of frames of one size:
blur pooling's max stage then its filter stage, or a single stage."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from PIL import Image

from poolviz.render.animation.frames import Animation
from poolviz.render.animation.paint import BLANK
from poolviz.render.animation.save import PaletteMatch


class Film:
    """The frames of ``animations`` one after another, each drawn on a blank canvas as large
    as the largest, top left (a GIF's frames share one size)."""

    def __init__(self, animations: Sequence[Animation]) -> None:
        self.animations = list(animations)
        self.size = (
            max(a.size[0] for a in self.animations),
            max(a.size[1] for a in self.animations),
        )

    def __len__(self) -> int:
        return sum(len(a) for a in self.animations)

    def __iter__(self) -> Iterator[Image.Image]:
        """Every frame as RGB, drawn when asked for (so a progress bar can follow)."""
        for animation in self.animations:
            for frame in animation.plan:
                yield self._fit(animation.draw(frame))

    def last(self) -> Image.Image:
        """The last frame, the whole output computed."""
        final = self.animations[-1]
        return self._fit(final.draw(final.plan[-1]))

    def gif_frames(self) -> Iterator[Image.Image]:
        """Every frame in one shared 256-colour palette (:meth:`Animation.palette` of the
        last stage, whose output is the run's), so GIF stores only what changed."""
        match = PaletteMatch(self.palette())
        for image in self:
            yield match(image)

    def palette(self) -> np.ndarray:
        return self.animations[-1].palette()

    def _fit(self, image: Image.Image) -> Image.Image:
        if image.size == self.size:
            return image
        canvas = Image.new("RGB", self.size, BLANK)
        canvas.paste(image, (0, 0))
        return canvas
