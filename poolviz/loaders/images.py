"""Images through Pillow (PNG, JPEG, BMP, GIF, TIFF, WebP) on their own scale, turned
upright by their EXIF orientation; 16-bit colour PNGs through :mod:`poolviz.loaders.png16`.

Pillow is imported only when an image is read, so the CLI starts fast.
"""

from __future__ import annotations

import io
import re
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from poolviz.errors import PoolvizError, PoolvizRuntimeError
from poolviz.loaders import png16
from poolviz.loaders.exif import exif_orientation
from poolviz.loaders.loaded import LoadedInput
from poolviz.loaders.reading import ReadOptions

if TYPE_CHECKING:
    from PIL import Image as PILImage


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")


@contextmanager
def quiet_pillow() -> Iterator[None]:
    """Pillow's warnings about a file silenced: poolviz reads the image or says in one line
    what is wrong with it, so a warning printed before that (a damaged EXIF block, a palette's
    transparency, an image over the pixel limit: checked here with the exact count) is noise,
    and under ``-W error`` it turned a readable image into an error."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


@quiet_pillow()
def load_image(data: bytes, shown: str, name: str, read: ReadOptions) -> LoadedInput:
    """An image as (H, W) or (H, W, C) on its own scale (0-255, 0-65535), turned upright as
    its EXIF orientation asks, then made grey and resized as ``read`` asks; refused unread
    when it has more pixels than Pillow's ``MAX_IMAGE_PIXELS``; Pillow's warnings silenced
    (see :func:`quiet_pillow`)."""
    from PIL import Image

    suffix = Path(name).suffix.lower()
    img: PILImage.Image
    with _pillow_errors(shown, suffix):
        img = Image.open(io.BytesIO(data))
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and img.width * img.height > limit:
        raise _too_many_pixels(shown, img.width * img.height, limit)
    # Pillow's TIFF reader turns the image upright as it loads (newer Pillows then drop the
    # tag, so it is read first); the other readers leave that to the caller
    tiff = img.format == "TIFF"
    orientation = exif_orientation(img) if tiff else None
    with _pillow_errors(shown, suffix):
        img.load()
    if not tiff:
        orientation = exif_orientation(img)
    layers, dtype, notes = _layers(img, data, shown)
    if orientation is not None:
        if not tiff:
            layers = [layer.transpose(Image.Transpose[orientation.method]) for layer in layers]
        notes.append(orientation.note(layers[0].height, layers[0].width))
    h, w = layers[0].height, layers[0].width
    channels = sum(len(layer.getbands()) for layer in layers)
    source_shape = (h, w) if channels == 1 else (h, w, channels)
    if read.gray and channels > 1:
        layers = [_grey(layers)]
        notes.append("converted to grey with ITU-R 601-2 luma (as Pillow's L)")
    target = target_size(h, w, read)
    if limit is not None and target is not None and target[0] * target[1] > limit:
        raise PoolvizError(
            f"resizing {shown} to {target[0]}x{target[1]} would make {target[0] * target[1]:,} "
            f"pixels, over Pillow's limit of {limit:,}; use a smaller --resize or --scale"
        )
    if target is not None and target != (h, w):
        notes.append(f"resized from {h}x{w} to {target[0]}x{target[1]} with Pillow")
        layers = [layer.resize((target[1], target[0])) for layer in layers]
    if len(layers) == 1:
        array = np.asarray(layers[0], dtype=np.float64)
    else:
        array = np.stack([np.asarray(layer) for layer in layers], axis=-1, dtype=np.float64)
    return LoadedInput(array, name, "image", dtype, source_shape, tuple(notes))


@contextmanager
def _pillow_errors(shown: str, suffix: str) -> Iterator[None]:
    """Turn what Pillow raises on a bad file into a runtime error naming it."""
    from PIL import Image, UnidentifiedImageError

    try:
        yield
    except Image.DecompressionBombError as err:
        found = _BOMB_PIXELS.search(str(err))
        raise _too_many_pixels(
            shown, int(found[1]) if found else None, Image.MAX_IMAGE_PIXELS or 0
        ) from None
    except UnidentifiedImageError:
        looks = f"its name ends in {suffix}" if suffix else "it starts as one"
        raise PoolvizRuntimeError(f"{shown}: not an image, though {looks}") from None
    except MemoryError:
        raise
    except Exception:  # Pillow's decoders raise many types on damaged data
        raise PoolvizRuntimeError(f"{shown}: the image data is truncated or corrupt") from None


def _too_many_pixels(shown: str, pixels: int | None, limit: int) -> PoolvizRuntimeError:
    """The refusal of an image over Pillow's limit (``pixels`` None: Pillow gave no count)."""
    count = f"{pixels:,} pixels is" if pixels is not None else "the image is"
    return PoolvizRuntimeError(
        f"{shown}: {count} over Pillow's limit of {limit:,} pixels (MAX_IMAGE_PIXELS); "
        "shrink it with another tool first"
    )


def _layers(
    img: PILImage.Image, data: bytes, shown: str
) -> tuple[list[PILImage.Image], str, list[str]]:
    """The loaded image ``img`` (whose file holds ``data``) as Pillow images whose bands, side
    by side, are its channels, with its samples' type and the notes so far: one image in a
    mode of :func:`_normalise_mode`, or for 16-bit colour, which Pillow has no mode for and
    reads at 8 bits, one 16-bit layer per channel."""
    deep = png16.header(data)
    if deep is not None:
        return _png16_layers(data, deep, shown), "uint16", []
    dtype = _pixel_dtype(img.mode)
    img, notes = _normalise_mode(img)
    return [img], dtype, notes


def _pixel_dtype(mode: str) -> str:
    """The NumPy type of a Pillow mode's samples."""
    if mode.startswith("I;16"):
        return "uint16"
    return {"1": "bool", "I": "int32", "F": "float32"}.get(mode, "uint8")


def _normalise_mode(img: PILImage.Image) -> tuple[PILImage.Image, list[str]]:
    """``img`` in the mode of :func:`normal_mode`, with a note when the change is one a user
    would not guess."""
    mode, target = img.mode, normal_mode(img)
    if target == mode:
        return img, []
    if mode == "1":
        return img.convert("L"), ["a 1-bit image, read as 0 and 255"]
    if target == "I":
        return img.convert("I"), []
    kind = "palette" if mode in ("P", "PA") else mode
    return img.convert(target), [f"a {kind} image, converted to {target}"]


def normal_mode(img: PILImage.Image) -> str:
    """The mode poolviz reads ``img`` in, known from its header: greyscale, grey+alpha, RGB or
    RGBA with the original sample values; palettes and other colour spaces become RGB(A),
    16-bit grey becomes 32-bit int so Pillow can resize it."""
    mode = img.mode
    if mode in ("L", "LA", "RGB", "RGBA", "I", "F"):
        return mode
    if mode.startswith("I;16"):
        return "I"
    if mode == "1":
        return "L"
    alpha = mode in ("PA", "RGBa", "La") or "transparency" in img.info
    return "RGBA" if alpha else "RGB"


def _grey(layers: list[PILImage.Image]) -> PILImage.Image:
    """The grey of an image with several channels, as Pillow's ``convert("L")`` makes it: the
    grey of grey+alpha; the ITU-R 601-2 luma of RGB(A), in Pillow's integer form
    ``(19595 R + 38470 G + 7471 B + 2**15) >> 16``, also for 16-bit colour (one layer per
    channel), which Pillow cannot convert."""
    if len(layers) == 1:
        return layers[0].convert("L")
    if len(layers) == 2:
        return layers[0]
    from PIL import Image

    r, g, b = (np.asarray(layer, dtype=np.int64) for layer in layers[:3])
    luma = (19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16
    return Image.fromarray(luma.astype(np.int32))


_LARGEST_SIDE = 2**31 - 1
"""Pillow keeps an image's sides in 32-bit integers."""


def target_size(h: int, w: int, read: ReadOptions) -> tuple[int, int] | None:
    """The (height, width) ``read.resize`` or ``read.scale`` asks for of an ``h`` x ``w``
    image, or None for neither; a scale past the sides Pillow can hold (or past the floats)
    is refused here, before rounding."""
    resize, scale = read.resize, read.scale
    if resize is not None:
        return resize
    if scale is not None:
        th, tw = h * scale, w * scale
        if not th <= _LARGEST_SIDE >= tw:  # also catches an infinite product
            raise PoolvizError(
                f"--scale {scale:g} would make the image more than {_LARGEST_SIDE:,} pixels "
                "a side, larger than an image can be; use a smaller --scale"
            )
        return max(1, round(th)), max(1, round(tw))
    return None


def _png16_layers(data: bytes, header: png16.Header, shown: str) -> list[PILImage.Image]:
    """A 16-bit colour PNG at full precision (0-65535) as one mode ``I`` image per channel,
    so that it is turned and resized as the other images are; called once Pillow has read
    the file, so what is damaged here Pillow did not notice."""
    from PIL import Image

    try:
        pixels = png16.pixels(data, header)
    except (ValueError, zlib.error):
        raise PoolvizRuntimeError(f"{shown}: the image data is truncated or corrupt") from None
    return [Image.fromarray(pixels[..., c].astype(np.int32)) for c in range(header.channels)]
