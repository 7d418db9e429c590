"""Frames of a pooling run, one per window: the window moving over the input, the output
filling in, and the window's formula as a caption, drawn with Pillow (no matplotlib).

:mod:`.story` plans the frames and writes the captions, shared with the terminal frames
(:mod:`poolviz.render.terminal.animate`), so the GIF and the terminal tell the same story;
:mod:`.frames` draws them with what :mod:`.paint` paints; :mod:`.save` writes the GIF. Every
number comes from the :class:`PoolResult`; nothing is pooled again here. Large inputs are
drawn as pictures, downsampled for display only.
"""

from poolviz.render.animation.film import Film
from poolviz.render.animation.frames import Animation
from poolviz.render.animation.paint import BLANK, INK, drawable
from poolviz.render.animation.save import save_animation
from poolviz.render.animation.story import (
    Frame,
    Story,
    caption,
    decimals,
    frame_plan,
    plane_label,
)

__all__ = [
    "BLANK",
    "INK",
    "Animation",
    "Film",
    "Frame",
    "Story",
    "caption",
    "decimals",
    "drawable",
    "frame_plan",
    "plane_label",
    "save_animation",
]
