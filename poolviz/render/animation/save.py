"""Writing an animation: a looping GIF, or its last frame as a PNG, only once complete."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image

from poolviz.errors import PoolvizError
from poolviz.render.output import atomic_output


def to_palette(image: Image.Image, palette: np.ndarray) -> Image.Image:
    """``image`` (RGB) in ``palette`` ((256, 3) uint8), each colour as its nearest entry, the
    first of equals: exact where Pillow's own palette lookup is approximate. Only the
    image's distinct colours are matched, so it is quick for drawings and pictures alike."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.int32)
    codes = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
    distinct, where = np.unique(codes.ravel(), return_inverse=True)
    rgb = np.stack([distinct >> 16, (distinct >> 8) & 255, distinct & 255], axis=1)
    entries = palette.astype(np.int32)
    nearest = np.empty(len(distinct), dtype=np.uint8)
    for start in range(0, len(distinct), 4096):  # bounded memory for many colours
        block = rgb[start : start + 4096]
        distance = ((block[:, None, :] - entries[None, :, :]) ** 2).sum(axis=2)
        nearest[start : start + 4096] = distance.argmin(axis=1)
    out = Image.fromarray(nearest[where].reshape(codes.shape), mode="P")
    out.putpalette(palette.ravel().tolist())
    return out


def save_animation(frames: Iterable[Image.Image], path: Path, fps: float, dpi: int) -> None:
    """Write ``frames`` to ``path``: a looping GIF at ``fps`` frames a second (frames not
    already in a palette get one each), or for a ``.png`` path the last frame alone. The
    file appears only once complete: an error or Ctrl-C while frames are drawn leaves none."""
    # the file is opened here, not by Pillow, so that it is closed on Ctrl-C too
    with atomic_output(path) as temporary, open(temporary, "wb") as file:
        if path.suffix.lower() == ".png":
            tail = deque(frames, maxlen=1)
            if not tail:
                raise PoolvizError("there are no frames to write")
            tail[0].save(file, format="PNG", dpi=(dpi, dpi))
            return
        palette = (
            f if f.mode == "P" else f.convert("P", palette=Image.Palette.ADAPTIVE) for f in frames
        )
        first = next(palette, None)
        if first is None:
            raise PoolvizError("there are no frames to write")
        first.save(
            file,
            format="GIF",
            save_all=True,
            append_images=palette,
            duration=round(1000 / fps),
            loop=0,
        )
