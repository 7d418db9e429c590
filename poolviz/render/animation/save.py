"""Writing an animation: a looping GIF or animated PNG, an MP4 (with ffmpeg), or its last
frame as a PNG, only once complete."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from poolviz.errors import PoolvizError, PoolvizRuntimeError
from poolviz.render.output import atomic_output


class PaletteMatch:
    """Frames of one animation (RGB) in ``palette`` ((256, 3) uint8), each colour as its
    nearest entry, the first of equals: exact where Pillow's own palette lookup is
    approximate. Only the pixels that changed since the previous frame are matched again
    (consecutive frames differ in a few cells), and each colour is matched once for the
    whole animation (a table over every 24-bit colour remembers it): sorting every pixel's
    colour of every frame was two thirds of a GIF's time."""

    UNKNOWN = 0xFFFF
    """A colour not matched yet, in :attr:`table`."""

    def __init__(self, palette: np.ndarray) -> None:
        self.palette = palette
        self.entries = palette.ravel().tolist()
        self.pixels: np.ndarray | None = None
        self.index: np.ndarray | None = None
        self.table = np.full(1 << 24, self.UNKNOWN, dtype=np.uint16)  # 32 MB

    def __call__(self, image: Image.Image) -> Image.Image:
        # one 32-bit code a pixel (r | g << 8 | b << 16), so frames compare in one pass
        pixels = np.asarray(image.convert("RGBX")).view("<u4")[..., 0] & 0xFFFFFF
        if self.pixels is None or self.index is None or self.pixels.shape != pixels.shape:
            index = self._match(pixels.ravel()).reshape(pixels.shape)
        else:
            index = self.index.copy()
            changed = pixels != self.pixels
            index[changed] = self._match(pixels[changed])
        self.pixels, self.index = pixels, index
        out = Image.fromarray(index, mode="P")
        out.putpalette(self.entries)
        return out

    def _match(self, codes: np.ndarray) -> np.ndarray:
        """The palette entries of ``codes``, matching the colours not seen before."""
        found = self.table[codes]
        new = found == self.UNKNOWN
        if new.any():
            fresh = np.unique(codes[new])
            self.table[fresh] = _nearest(fresh, self.palette)
            found = self.table[codes]
        matched: np.ndarray = found.astype(np.uint8)
        return matched


def _nearest(codes: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """The palette entry nearest each distinct colour code ``r | g << 8 | b << 16`` (the
    first of equals), as uint8."""
    wide = codes.astype(np.int32)
    rgb = np.stack([wide & 255, (wide >> 8) & 255, wide >> 16], axis=1)
    entries = palette.astype(np.int32)
    nearest = np.empty(len(codes), dtype=np.uint8)
    for start in range(0, len(codes), 4096):  # bounded memory for many colours
        block = rgb[start : start + 4096]
        distance = ((block[:, None, :] - entries[None, :, :]) ** 2).sum(axis=2)
        nearest[start : start + 4096] = distance.argmin(axis=1)
    return nearest


def save_animation(frames: Iterable[Image.Image], path: Path, fps: float, dpi: int) -> None:
    """Write ``frames`` to ``path`` by its extension: a looping GIF at ``fps`` frames a
    second (frames not already in a palette get one each), a looping animated PNG
    (``.apng``, every frame in full colour), an MP4 (H.264, through :func:`ffmpeg`), or for
    ``.png`` the last frame alone. The file appears only once complete: an error or Ctrl-C
    while frames are drawn leaves none."""
    suffix = path.suffix.lower()
    if suffix == ".mp4":
        with atomic_output(path) as temporary:
            _write_mp4(iter(frames), temporary, path, fps)
        return
    # the file is opened here, not by Pillow, so that it is closed on Ctrl-C too
    with atomic_output(path) as temporary, open(temporary, "wb") as file:
        if suffix == ".png":
            tail = deque(frames, maxlen=1)
            if not tail:
                raise PoolvizError("there are no frames to write")
            tail[0].save(file, format="PNG", dpi=(dpi, dpi))
            return
        if suffix == ".apng":
            rgb = [f.convert("RGB") for f in frames]  # Pillow's APNG writer takes no generator
            if not rgb:
                raise PoolvizError("there are no frames to write")
            rgb[0].save(
                file,
                format="PNG",
                save_all=True,
                append_images=rgb[1:],
                duration=round(1000 / fps),
                loop=0,
                dpi=(dpi, dpi),
            )
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


def ffmpeg(path: Path) -> str:
    """The ``ffmpeg`` executable that writes an MP4 ``path``, found on PATH; a
    :class:`PoolvizRuntimeError` naming it when there is none (exit 1: the request is
    valid, this machine cannot carry it out)."""
    found = shutil.which("ffmpeg")
    if found is None:
        raise PoolvizRuntimeError(
            f"cannot write {path}: an MP4 is written by ffmpeg, which is not on PATH; install "
            "ffmpeg, or write .gif or .apng"
        )
    return found


def _write_mp4(frames: Iterator[Image.Image], temporary: Path, path: Path, fps: float) -> None:
    """Pipe ``frames`` (RGB, one size) to ffmpeg, which encodes them as H.264 in
    ``temporary``: yuv420p (what players take), each side padded to an even number of
    pixels in white, as that format needs."""
    first = next(frames, None)
    if first is None:
        raise PoolvizError("there are no frames to write")
    w, h = first.size
    # fmt: off
    command = [
        ffmpeg(path), "-loglevel", "error", "-nostdin", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "-",
        "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
        "-f", "mp4", str(temporary),
    ]
    # fmt: on
    with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as encoder:
        assert encoder.stdin is not None and encoder.stderr is not None
        try:
            for frame in itertools.chain([first], frames):
                encoder.stdin.write(frame.convert("RGB").tobytes())
            encoder.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped: its own words say why, below
        except BaseException:
            encoder.kill()
            raise
        said = encoder.stderr.read().decode(errors="replace").strip().splitlines()
        if encoder.wait() != 0:
            why = said[-1] if said else f"exit status {encoder.returncode}"
            raise PoolvizRuntimeError(f"cannot write {path}: ffmpeg failed: {why}")
